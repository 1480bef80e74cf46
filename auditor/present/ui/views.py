"""Streamlit views of one AuditResult: summary, findings with their evidence, tables, downloads."""

from __future__ import annotations

import html
from collections.abc import Callable

import streamlit as st

from ...check.findings import TABLE_NAMES, cell_name
from ...model import AuditResult, Finding, Severity
from ..annotate import annotate_pdf
from ..docx_report import DOCX_MIME, render_docx
from ..json_report import render_json
from ..locate import Location, locate
from ..markdown_report import (SEVERITY_TEXT, VERDICT_TEXT, counts, finding_group, ocr_note, render_markdown,
                               review_mode_text, sorted_findings)
from ..spreadsheet import XLSX_MIME, render_findings_csv, render_workbook
from . import state
from .evidence import page_image, passages
from .tables_html import LEGEND, STYLE, result_table_html
from .upload import InputFile

SEVERITY_BADGE = {Severity.ERROR: ":red-badge[错误]", Severity.WARNING: ":orange-badge[警告]",
                  Severity.INFO: ":blue-badge[提示]"}
FindingActions = Callable[[Finding], None]
_TEXT_TO_SEVERITY = {text: severity for severity, text in SEVERITY_TEXT.items()}
_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_PASSAGE_STYLE = ("<style>.evidence blockquote{font-size:0.85rem;border-left:4px solid #e0a800;margin:0 0 0.5rem 0;"
                  "padding:4px 8px;background:#fffdf5;word-break:break-all}"
                  ".evidence mark{background:#ffd43b;padding:0 2px;font-weight:600}</style>")


def review_text(result: AuditResult) -> str:
    """The review mode stated plainly: rules or LLM, the model, and any note."""
    return "审核方式：表格与结构逐项规则校验；叙述部分审查：" + review_mode_text(result.review)


def show_summary(result: AuditResult, source: InputFile) -> None:
    report = result.report
    n = counts(result.findings)
    st.subheader(report.title or source.name)
    details = [f"单位：{report.agency or '未识别'}", f"年度：{report.year or '未识别'}",
               f"文件：{source.name}（{report.document.format.upper()}"
               + (f"，{report.document.pages}页）" if report.document.pages else "）")]
    st.caption("　".join(details))
    if ocr_note(result):
        st.caption(ocr_note(result))
    verdict = VERDICT_TEXT[result.verdict]
    line = (f"审核结论：**{verdict}**　评分 {result.score:g}/100　"
            f"错误 {n[Severity.ERROR]} 项，警告 {n[Severity.WARNING]} 项，提示 {n[Severity.INFO]} 项")
    {"fail": st.error, "warn": st.warning, "pass": st.success}[result.verdict](line)
    columns = st.columns(4)
    columns[0].metric("评分（满分100）", f"{result.score:g}")
    columns[1].metric("错误", n[Severity.ERROR])
    columns[2].metric("警告", n[Severity.WARNING])
    columns[3].metric("提示", n[Severity.INFO])
    st.info(review_text(result))


def show_downloads(result: AuditResult, source: InputFile) -> None:
    """The documents to send back and the data, as download buttons; each file is built only when clicked."""
    stem = source.stem
    buttons = [("下载审核意见（Word）", lambda: render_docx(result), f"{stem}-审核意见.docx", DOCX_MIME)]
    if result.report.document.format == "pdf":
        buttons.append(("下载标注版 PDF", lambda: annotate_pdf(result, source.data).data, f"{stem}-标注版.pdf",
                        "application/pdf"))
    buttons += [
        ("下载 Excel 工作簿", lambda: render_workbook(result), f"{stem}-审核结果.xlsx", XLSX_MIME),
        ("下载审核意见（Markdown）", lambda: render_markdown(result).encode("utf-8"), f"{stem}-审核意见.md",
         "text/markdown"),
        ("下载问题清单（CSV）", lambda: render_findings_csv(result), f"{stem}-问题清单.csv", "text/csv"),
        ("下载 JSON", lambda: render_json(result).encode("utf-8"), f"{stem}-审核结果.json", "application/json"),
    ]
    for start in range(0, len(buttons), 3):
        for column, (label, data, name, mime) in zip(st.columns(3), buttons[start:start + 3]):
            column.download_button(label, data, name, mime, on_click="ignore")


def finding_title(index: int, finding: Finding) -> str:
    where = cell_name(finding.table, finding.row, finding.column) if finding.table else ""
    return f"{index}. [{SEVERITY_TEXT[finding.severity]}] {where + '：' if where else ''}{finding.message}"


def _finding_card(index: int, finding: Finding, actions: FindingActions | None = None) -> None:
    with st.container(border=True):
        st.markdown(f"{SEVERITY_BADGE[finding.severity]} **{index}. {_escape_md(finding.message)}**")
        lines = []
        if finding.table and (finding.row or finding.column):
            lines.append(f"位置：{cell_name(finding.table, finding.row, finding.column)}")
        if finding.page:
            lines.append(f"页码：第{finding.page}页")
        if finding.evidence:
            evidence = finding.evidence if len(finding.evidence) <= 160 else finding.evidence[:160] + "……（见表格高亮）"
            lines.append(f"原文证据：{evidence}")
        if finding.expected is not None or finding.actual is not None:
            lines.append(f"应为 {_number(finding.expected)}，实为 {_number(finding.actual)}")
        lines.append(f"依据：{finding.basis or '—'}")
        lines.append(f"规则：`{finding.rule}`" + ("（大模型审查）" if finding.source == "llm" else ""))
        st.markdown("  \n".join(_escape_md(line) if not line.startswith("规则") else line for line in lines))
        if actions is not None:
            actions(finding)


def _number(value) -> str:
    return "空白" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def _escape_md(text: str) -> str:
    """Report text shown as Markdown: characters Markdown would act on are escaped."""
    for ch in "\\`*_[]<>#|~$":
        text = text.replace(ch, "\\" + ch)
    return text


def show_findings(result: AuditResult, source: InputFile, actions: FindingActions | None = None) -> None:
    """The findings grouped by table or section, with the evidence of the chosen one beside them; `actions` draws
    extra controls inside each finding's card (the triage page's decision buttons)."""
    st.subheader("问题清单")
    if not result.findings:
        st.success("未发现问题：三张表格的勾稽关系、报告结构均符合要求。")
        return
    options = [SEVERITY_TEXT[s] for s in Severity]
    chosen = st.multiselect("按程度筛选", options, default=options, key=state.SEVERITIES, placeholder="请选择")
    wanted = {_TEXT_TO_SEVERITY[text] for text in chosen}
    numbered = [(i, f) for i, f in enumerate(sorted_findings(result.findings), 1) if f.severity in wanted]
    if not numbered:
        st.caption("没有符合筛选条件的问题。")
        return
    left, right = st.columns([1, 1], gap="medium")
    with left:
        groups: dict[tuple[int, str], list[tuple[int, Finding]]] = {}
        for index, finding in numbered:
            groups.setdefault(finding_group(finding), []).append((index, finding))
        for (_, heading), items in sorted(groups.items()):
            st.markdown(f"#### {heading}（{len(items)}项）")
            for index, finding in items:
                _finding_card(index, finding, actions)
    with right:
        show_evidence(result, source, numbered)


def show_evidence(result: AuditResult, source: InputFile, numbered: list[tuple[int, Finding]]) -> None:
    st.markdown("#### 原文证据")
    titles = {index: finding_title(index, finding) for index, finding in numbered}
    choice = st.selectbox("选择问题", list(titles), format_func=lambda i: titles[i][:60], key=state.EVIDENCE)
    finding = dict(numbered).get(choice, numbered[0][1])
    location = locate(finding, result.report)
    if source.is_pdf:
        png, boxes = _page_png(source.sha256, location, True, source.data)
        if boxes:
            caption = f"原文第{location.page or 1}页（局部），红框为问题所在的{location.what}"
        else:
            caption = f"原文第{location.page or 1}页（未能在页面上定位到具体位置，请对照问题说明查看）"
        st.image(png, caption=caption, width="stretch")
        if boxes:
            with st.expander(f"查看第{location.page or 1}页整页"):
                st.image(_page_png(source.sha256, location, False, source.data)[0], width="stretch")
    else:
        snippets = passages(finding, result.report)
        if snippets:
            st.caption("原文片段（黄色标出问题所在）：")
            body = "".join(f'<blockquote class="evidence-passage">{s}</blockquote>' for s in snippets)
            st.markdown(_PASSAGE_STYLE + '<div class="evidence">' + body + "</div>", unsafe_allow_html=True)
        else:
            st.caption("未能在原文中定位到该问题的文字，请参见问题说明与下方表格中的高亮单元格。")


@st.cache_data(show_spinner=False, max_entries=64)
def _page_png(sha256: str, location: Location, crop: bool, _pdf: bytes) -> tuple[bytes, int]:
    """The page image with its boxes, cached by the file's sha256 and the location (page, boxes, texts)."""
    return page_image(_pdf, location, crop=crop)


def show_tables(result: AuditResult) -> None:
    st.subheader("表格数据（按官方表样显示）")
    st.markdown(STYLE + LEGEND, unsafe_allow_html=True)
    names = ("table2", "table3", "table4")
    n = {name: sum(1 for f in result.findings if f.table == name) for name in names}
    titles = [f"{TABLE_NAMES[name]}（{n[name]}项问题）" if n[name] else f"{TABLE_NAMES[name]}" for name in names]
    worst = min(names, key=lambda name: min((_SEVERITY_RANK[f.severity] for f in result.findings
                                             if f.table == name), default=9))
    tabs = st.tabs(titles, default=titles[names.index(worst)])
    for tab, name in zip(tabs, names):
        with tab:
            st.markdown(result_table_html(result, name), unsafe_allow_html=True)


def show_sections(result: AuditResult) -> None:
    with st.expander("报告结构（六个部分）"):
        rows = []
        for key, section in result.report.sections.items():
            rows.append(f"<tr><td>{key}</td><td>{'具备' if section.present else '<b>缺失</b>'}</td>"
                        f"<td>{html.escape(section.heading or '—')}</td>"
                        f"<td>{section.page or ''}</td></tr>")
        st.markdown('<table class="official-form"><tr><td class="head">部分</td><td class="head">是否具备</td>'
                    '<td class="head">标题（原文）</td><td class="head">页码</td></tr>' + "".join(rows) + "</table>",
                    unsafe_allow_html=True)
