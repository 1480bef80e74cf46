"""AuditResult → a Markdown review a reviewer can send (审核意见), and the terminal summary."""

from __future__ import annotations

import unicodedata

from ..check.findings import TABLE_NAMES, column_label, row_label
from ..extract.labels import labels
from ..model import AuditResult, Cell, CellState, Finding, ReviewInfo, Severity, Table

VERDICT_TEXT = {"pass": "通过", "warn": "需关注", "fail": "不通过"}
SEVERITY_TEXT = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}
MODE_TEXT = {"rules": "规则模式（未使用大模型）", "llm": "大模型辅助审查"}
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_TABLE_SECTION = {"table2": "二", "table3": "三", "table4": "四"}
_SECTION_ORDER = ["一", "二", "三", "四", "五", "六"]
CLOSING = {
    "fail": "**审核意见**：报告存在上述错误，请对照年报格式和相关条款逐项整改，核实数据后重新发布。",
    "warn": "**审核意见**：未发现确定的错误，请核实上述事项，必要时修改完善。",
    "pass": "**审核意见**：未发现问题。",
}


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: _ORDER[f.severity])


def location(finding: Finding) -> str:
    parts = []
    if finding.section:
        parts.append(f"第{finding.section}部分")
    if finding.table:
        parts.append(TABLE_NAMES[finding.table])
    if finding.page:
        parts.append(f"第{finding.page}页")
    return "，".join(parts) or "全文"


def finding_group(finding: Finding) -> tuple[int, str]:
    """(order, heading) of the group a finding is listed under: its table, else its section, else the whole report."""
    titles = {s["key"]: s["title"] for s in labels("sections")["sections"]}
    if finding.table in TABLE_NAMES:
        order = _SECTION_ORDER.index(_TABLE_SECTION[finding.table]) * 2 + 2
        return order, f"{TABLE_NAMES[finding.table]} {labels(finding.table)['title']}"
    if finding.section in titles:
        return _SECTION_ORDER.index(finding.section) * 2 + 1, f"第{finding.section}部分 {titles[finding.section]}"
    return 0, "报告整体"


def review_mode_text(review: ReviewInfo) -> str:
    """How the narrative review ran, stated plainly: rules or LLM, the model, and why (the review's note)."""
    text = MODE_TEXT.get(review.mode, review.mode)
    if review.mode == "llm" and review.model:
        text += f"（模型：{review.model}，审查要求 {review.requirements_checked} 项）"
    if review.note:
        text += f"。说明：{review.note}"
    return text


def counts(findings: list[Finding]) -> dict[Severity, int]:
    return {s: sum(1 for f in findings if f.severity is s) for s in Severity}


def cell_text(cell: Cell | None) -> str:
    if cell is None:
        return "（缺）"
    if cell.state is CellState.NUMBER:
        return f"{cell.value:g}" if isinstance(cell.value, float) else str(cell.value)
    return {CellState.BLANK: "", CellState.SLASH: "/", CellState.UNREADABLE: "？"}[cell.state]


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def ocr_note(result: AuditResult) -> str | None:
    """Which pages were read by OCR from their image, for the header of every output; None if none."""
    pages = result.report.document.ocr_pages
    if not pages:
        return None
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    where = "、".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}—{r[-1]}" for r in runs)
    return f"第{where}页为扫描图像，由 OCR 识别（识别不可靠的数值按“无法识别”处理，请对照原件核实）"


def render_markdown(result: AuditResult) -> str:
    report = result.report
    n = counts(result.findings)
    title = report.title or report.document.path.name
    lines = [
        "# 政府信息公开工作年度报告审核意见",
        "",
        f"- **报告**：{title}",
        f"- **单位**：{report.agency or '未识别'}　**年度**：{report.year or '未识别'}",
        f"- **文件**：{report.document.path.name}（{report.document.format.upper()}"
        + (f"，{report.document.pages}页" if report.document.pages else "") + "）",
        f"- **审核结论**：{VERDICT_TEXT[result.verdict]}（评分 {result.score:g}/100；错误 {n[Severity.ERROR]} 项，"
        f"警告 {n[Severity.WARNING]} 项，提示 {n[Severity.INFO]} 项）",
        f"- **审核方式**：表格与结构逐项规则校验；叙述部分审查：{review_mode_text(result.review)}",
    ]
    if ocr_note(result):
        lines.append(f"- **扫描件**：{ocr_note(result)}")
    lines += [
        "",
        "## 一、需要整改的问题",
        "",
    ]
    serious = [f for f in sorted_findings(result.findings) if f.severity is not Severity.INFO]
    notes = [f for f in sorted_findings(result.findings) if f.severity is Severity.INFO]
    lines += _finding_table(serious) if serious else ["未发现需要整改的问题。"]
    lines += ["", "## 二、提请注意的事项（提示及无法核对的内容）", ""]
    lines += _finding_table(notes) if notes else ["无。"]
    lines += ["", CLOSING[result.verdict]]
    lines += ["", "## 三、报告结构", "", "| 部分 | 是否具备 | 标题（原文） | 字数 |", "|---|---|---|---|"]
    for key, s in report.sections.items():
        chars = sum(1 for ch in s.text if not ch.isspace())
        lines.append(f"| {key} | {'是' if s.present else '**缺失**'} | {_escape(s.heading or '—')} | {chars} |")
    lines += ["", "## 四、表格数据（按原表读取；空白单元格保持空白，“？”为无法识别）", ""]
    for name in ("table2", "table3", "table4"):
        table = report.tables.get(name)
        lines.append(f"### {TABLE_NAMES[name]} {labels(name)['title']}")
        lines.append("")
        lines += _table_lines(table) if table is not None else ["未找到该表。"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _finding_table(findings: list[Finding]) -> list[str]:
    lines = ["| 序号 | 程度 | 位置 | 问题 | 依据 |", "|---|---|---|---|---|"]
    for i, f in enumerate(findings, 1):
        lines.append(f"| {i} | {SEVERITY_TEXT[f.severity]} | {location(f)} | {_escape(f.message)} | {_escape(f.basis or '—')} |")
    return lines


def _table_lines(table: Table) -> list[str]:
    if table.name == "table2":
        return _table2_lines(table)
    if table.name == "table3":
        columns = [c["key"] for c in labels("table3")["columns"] if c["key"] not in table.missing_columns]
        rows = [r["key"] for r in labels("table3")["rows"] if r["key"] in table.cells]
        header = "| 项目 | " + " | ".join(column_label("table3", c) for c in columns) + " |"
        out = [header, "|---" * (len(columns) + 1) + "|"]
        for row in rows:
            out.append(f"| {row_label('table3', row)} | " + " | ".join(cell_text(table.cells[row].get(c)) for c in columns) + " |")
        return out
    columns = [c["key"] for c in labels("table4")["columns"]]
    out = ["| 类别 | " + " | ".join(column_label("table4", c) for c in columns) + " |", "|---" * 6 + "|"]
    for group, cells in table.cells.items():
        out.append(f"| {row_label('table4', group)} | " + " | ".join(cell_text(cells.get(c)) for c in columns) + " |")
    return out


def _table2_lines(table: Table) -> list[str]:
    out = ["| 项目 | 本年制发件数 | 本年废止件数 | 现行有效件数 |", "|---|---|---|---|"]
    for row in ("regulations", "normative_documents"):
        cells = table.cells.get(row, {})
        out.append(f"| {row_label('table2', row)} | " + " | ".join(cell_text(cells.get(c)) for c in ("issued", "repealed", "in_force")) + " |")
    out += ["", "| 项目 | 数量或金额 |", "|---|---|"]
    for row in ("licensing", "punishment", "coercion", "fees"):
        unit = "（万元）" if row == "fees" else "（本年处理决定数量）"
        out.append(f"| {row_label('table2', row)}{unit} | {cell_text(table.cells.get(row, {}).get('value'))} |")
    return out


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad_to(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if display_width(current + ch) > width:
            lines.append(current)
            current = ""
        current += ch
    return lines + ([current] if current else [])


def render_text(result: AuditResult, message_width: int = 64) -> str:
    """The terminal summary: the verdict, then one table row per finding (wrapped, aligned for CJK)."""
    report = result.report
    n = counts(result.findings)
    lines = [
        f"报告：{report.title or report.document.path.name}",
        f"结论：{VERDICT_TEXT[result.verdict]}　评分：{result.score:g}/100　"
        f"错误 {n[Severity.ERROR]}　警告 {n[Severity.WARNING]}　提示 {n[Severity.INFO]}",
        f"叙述审查：{review_mode_text(result.review)}",
        *([f"扫描件：{ocr_note(result)}"] if ocr_note(result) else []),
        "章节：" + "　".join(f"{k}{'✓' if s.present else '✗'}" for k, s in report.sections.items())
        + "　表格：" + "　".join(f"{TABLE_NAMES[k]}{'✓' if t is not None else '✗'}" for k, t in report.tables.items()),
        "",
    ]
    if not result.findings:
        return "\n".join(lines + ["未发现问题。"]) + "\n"
    rows = [(str(i), SEVERITY_TEXT[f.severity], location(f), f.message)
            for i, f in enumerate(sorted_findings(result.findings), 1)]
    widths = [max(display_width(h), *(display_width(r[k]) for r in rows)) for k, h in enumerate(("序号", "程度", "位置"))]
    header = "  ".join(pad_to(h, w) for h, w in zip(("序号", "程度", "位置"), widths)) + "  问题"
    lines += [header, "-" * (sum(widths) + 6 + message_width)]
    for row in rows:
        wrapped = _wrap(row[3], message_width)
        lines.append("  ".join(pad_to(c, w) for c, w in zip(row[:3], widths)) + "  " + wrapped[0])
        lines += [" " * (sum(widths) + 6) + more for more in wrapped[1:]]
    return "\n".join(lines) + "\n"
