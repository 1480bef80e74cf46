"""A standard table as an HTML table shaped like the official form, with the cells findings point at
filled in the severity's colour; hovering a cell shows the raw text, its page and the findings."""

from __future__ import annotations

import html

from ...model import AuditResult, CellState, Finding, Severity
from ..highlight import marks_for, table_marks
from ..markdown_report import SEVERITY_TEXT
from .form import Form, FormCell, table_form

SEVERITY_CLASS = {Severity.ERROR: "sev-error", Severity.WARNING: "sev-warning", Severity.INFO: "sev-info"}

STYLE = """<style>
.form-wrap{overflow-x:auto;margin:0.25rem 0 0.75rem 0}
table.official-form{border-collapse:collapse;font-size:0.82rem;line-height:1.35;min-width:100%}
table.official-form td{border:1px solid #9aa3ad;padding:3px 6px;vertical-align:middle}
table.official-form td.head,table.official-form td.title{background:#f1f3f6;text-align:center;font-weight:600}
table.official-form td.title{text-align:left}
table.official-form td.label{background:#fafbfc}
table.official-form td.value{text-align:center;min-width:3.2em;font-variant-numeric:tabular-nums}
table.official-form td.missing{color:#8a8f98;font-style:italic}
table.official-form td.sev-error{background:#f8d7da !important;outline:2px solid #d93848;outline-offset:-2px;font-weight:700}
table.official-form td.sev-warning{background:#fff3cd !important;outline:2px solid #e0a800;outline-offset:-2px}
table.official-form td.sev-info{background:#dcebfa !important;outline:2px dashed #4a90d9;outline-offset:-2px}
.form-legend{font-size:0.8rem;color:#555}
.form-legend span{display:inline-block;padding:0 6px;margin-right:8px;border-radius:2px}
</style>"""

LEGEND = ('<div class="form-legend">'
          '<span style="background:#f8d7da;outline:2px solid #d93848">错误</span>'
          '<span style="background:#fff3cd;outline:2px solid #e0a800">警告</span>'
          '<span style="background:#dcebfa;outline:2px dashed #4a90d9">提示</span>'
          '空白单元格按原表留空（不按0处理）；“/”按原表显示；“？”为无法识别；“（缺）”为报告缺少的行、列或单元格。'
          '鼠标悬停可查看原文与问题。</div>')


def _tooltip(form_cell: FormCell, findings: list[Finding]) -> str:
    lines = []
    cell = form_cell.cell
    if cell is not None:
        state = {CellState.BLANK: "空白", CellState.SLASH: "“/”", CellState.UNREADABLE: "无法识别"}.get(cell.state)
        lines.append(f"原文：{cell.raw!r}" if cell.raw else "原文：（空白）")
        if state:
            lines.append(f"状态：{state}")
        if cell.page:
            lines.append(f"第{cell.page}页")
        if cell.note:
            lines.append(cell.note)
    elif form_cell.missing:
        lines.append("报告中缺少此项")
    lines += [f"[{SEVERITY_TEXT[f.severity]}] {f.message}" for f in findings]
    return "\n".join(lines)


def form_html(form: Form, marks: dict) -> str:
    """The form as one <table> (no line breaks, so Markdown leaves it alone)."""
    if not form.found:
        return f"<p><b>{html.escape(form.title)}</b>：报告中未找到该表。</p>"
    rows = []
    for line in form.rows:
        cells = []
        for form_cell in line:
            findings = marks_for(marks, form.name, form_cell.row, form_cell.column, form_cell.kind,
                                 form_cell.missing)
            classes = [form_cell.kind]
            if form_cell.missing:
                classes.append("missing")
            if findings:
                classes.append(SEVERITY_CLASS[findings[0].severity])
            attributes = f' class="{" ".join(classes)}"'
            if form_cell.rowspan > 1:
                attributes += f' rowspan="{form_cell.rowspan}"'
            if form_cell.colspan > 1:
                attributes += f' colspan="{form_cell.colspan}"'
            if form_cell.kind == "value":
                attributes += f' data-cell="{form_cell.row}.{form_cell.column}"'
            tip = _tooltip(form_cell, findings)
            if tip:
                attributes += f' title="{html.escape(tip).replace(chr(10), "&#10;")}"'
            text = form_cell.text
            if form_cell.missing and form_cell.kind != "value":
                text += "（缺）"
            cells.append(f"<td{attributes}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="form-wrap"><table class="official-form" data-table="{form.name}">'
            + "".join(rows) + "</table></div>")


def result_table_html(result: AuditResult, name: str) -> str:
    return form_html(table_form(result.report.tables.get(name), name), table_marks(result, name))
