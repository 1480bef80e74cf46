"""A batch's records → the ranked summary printed when `auditor batch` ends, and the words for its states."""

from __future__ import annotations

from collections import Counter

from ..batch import BatchRecord, BatchRun, ranked
from ..batch.roster import FAILED, MISSING, SUBMITTED, UNREADABLE, Coverage
from .markdown_report import VERDICT_TEXT, display_width, pad_to

STATUS_TEXT = {"pending": "待审", "returned": "已退回整改", "approved": "已通过"}
DECISION_TEXT = {"open": "未复核", "confirmed": "已确认", "dismissed": "已排除", "reopened": "已重新打开"}
COVERAGE_TEXT = {SUBMITTED: "已提交", FAILED: "不通过", UNREADABLE: "无法读取", MISSING: "缺报"}
UNREADABLE_TEXT = "无法审核"
ERROR_TEXT = {
    "file_not_found": "找不到文件", "empty_file": "空文件", "file_too_large": "文件过大", "unsupported_format": "格式不支持",
    "corrupt_file": "文件损坏", "encrypted_pdf": "PDF已加密", "no_text_layer": "扫描件", "not_a_report": "不是年报",
    "unsafe_path": "压缩包路径越界", "encrypted_member": "压缩包成员加密", "archive_bomb": "疑似压缩炸弹",
    "too_many_members": "压缩包文件过多", "timeout": "审核超时", "worker_crashed": "审核进程崩溃",
    "out_of_memory": "内存超限", "internal_error": "内部错误", "unreadable_file": "无法读取", "file_changed": "文件被修改",
}
TOP_RULES = 3  # rule ids shown per report in the summary


def verdict_text(record: BatchRecord) -> str:
    return VERDICT_TEXT[record.verdict] if record.status == "audited" and record.verdict else UNREADABLE_TEXT


def problem_text(record: BatchRecord) -> str:
    """The report's main problems (its first rules), or why it could not be audited."""
    if record.status != "audited":
        code = (record.error or {}).get("code")
        return f"{ERROR_TEXT.get(code, code)}：{(record.error or {}).get('message', '')}"
    rules = ranked_rules(record)
    more = len(rules) - TOP_RULES
    return "、".join(rules[:TOP_RULES]) + (f" 等{len(rules)}类" if more > 0 else "") if rules else "—"


def ranked_rules(record: BatchRecord) -> list[str]:
    """Rule ids of a record, the most frequent first."""
    return [rule for rule, _ in Counter(record.rule_counts).most_common()] or list(record.rules)


def verdict_counts(records: list[BatchRecord]) -> dict[str, int]:
    counts = Counter(verdict_text(r) for r in records)
    return {text: counts.get(text, 0) for text in (*VERDICT_TEXT.values(), UNREADABLE_TEXT)}


def _clip(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            return out + "…"
        out += ch
    return out


def render_batch_summary(run: BatchRun, problem_width: int = 48) -> str:
    """The terminal summary: totals, then one line per report, worst first; then the roster's coverage."""
    records = ranked(run.records)
    counts = verdict_counts(records)
    lines = [f"批量审核完成：共 {len(records)} 份，" + "，".join(f"{k} {v}" for k, v in counts.items())
             + f"（本次审核 {run.audited} 份，沿用已有结果 {run.reused} 份）。", ""]
    header = ("序号", "评分", "结论", "错误", "警告", "提示", "单位", "年度", "主要问题", "文件")
    rows = []
    for i, r in enumerate(records, 1):
        audited = r.status == "audited"
        rows.append((str(i), f"{r.score:g}" if audited and r.score is not None else "—", verdict_text(r),
                     *(str(r.counts[k]) if audited else "—" for k in ("error", "warning", "info")),
                     _clip(r.agency or ("未识别" if audited else "—"), 24), str(r.year or "—"), _clip(problem_text(r), problem_width), r.file))
    widths = [max(display_width(h), *(display_width(row[k]) for row in rows)) for k, h in enumerate(header[:-1])]
    lines.append("  ".join(pad_to(h, w) for h, w in zip(header, widths)) + "  " + header[-1])
    lines.append("-" * (sum(widths) + 2 * len(widths) + 20))
    for row in rows:
        lines.append("  ".join(pad_to(c, w) for c, w in zip(row, widths)) + "  " + row[-1])
    if run.coverage is not None:
        lines += [""] + coverage_lines(run.coverage)
    return "\n".join(lines) + "\n"


def coverage_lines(coverage: Coverage) -> list[str]:
    missing = coverage.missing()
    years = "、".join(str(y) for y in coverage.years) or "—"
    lines = [f"名单覆盖情况（{years}年度）：名单 {len(coverage.rows)} 个单位，缺报 {len(missing)} 份，"
             f"名单外报告 {len(coverage.unmatched)} 份。"]
    for entry, year in missing:
        where = "，".join(x for x in (entry.region, entry.level) if x)
        lines.append(f"  缺报：{entry.name}（{year}年度{'，' + where if where else ''}）")
    for file in coverage.unmatched:
        lines.append(f"  名单外：{file}")
    return lines
