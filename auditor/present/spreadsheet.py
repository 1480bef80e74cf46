"""AuditResult → an Excel workbook (概要, 问题清单, 表二, 表三, 表四) and findings as CSV for Excel/WPS.

The tables are written in the official layout with the printed labels (present/ui/form.py); a blank
cell is an empty cell, never 0, and a cell the report lacks reads “（缺）”. Cells a finding points at
are filled in the severity's colour, as in the app. The CSV is UTF-8 with a BOM, which is what makes
Excel and WPS open Chinese text correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..check.findings import TABLE_NAMES, cell_name
from ..model import AuditResult, CellState, Finding, Severity
from .highlight import marks_for, table_marks
from .markdown_report import MODE_TEXT, SEVERITY_TEXT, VERDICT_TEXT, counts, location, ocr_note, sorted_findings
from .ui.form import FormCell, table_form

# (header, width in characters) of the findings sheet and CSV, in order
FINDING_COLUMNS: list[tuple[str, int]] = [
    ("序号", 6), ("程度", 7), ("位置", 22), ("单元格", 34), ("问题", 60), ("原文证据", 40), ("应为", 9),
    ("实为", 9), ("依据", 36), ("规则", 22), ("来源", 7), ("页码", 6),
]
SEVERITY_FILL = {Severity.ERROR: "F8D7DA", Severity.WARNING: "FFF3CD", Severity.INFO: "DCEBFA"}
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="EEF1F5")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
MISSING_SUFFIX = "（缺）"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def finding_row(index: int, finding: Finding) -> list:
    """One line of the findings list, in FINDING_COLUMNS order; numbers stay numbers."""
    cell = cell_name(finding.table, finding.row, finding.column) if finding.table and (finding.row or finding.column) else ""
    return [index, SEVERITY_TEXT[finding.severity], location(finding), cell, finding.message, finding.evidence or "",
            finding.expected, finding.actual, finding.basis or "", finding.rule,
            "大模型" if finding.source == "llm" else "规则", finding.page]


def finding_rows(result: AuditResult) -> list[list]:
    return [finding_row(i, f) for i, f in enumerate(sorted_findings(result.findings), 1)]


def rows_to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """CSV bytes in UTF-8 with a BOM (Excel/WPS read it as Chinese text); None becomes an empty field."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def render_findings_csv(result: AuditResult) -> bytes:
    return rows_to_csv([name for name, _ in FINDING_COLUMNS], finding_rows(result))


def render_workbook(result: AuditResult) -> bytes:
    """The .xlsx bytes: summary, sortable findings list, and the three tables as printed."""
    book = Workbook()
    _summary_sheet(book.active, result)
    _findings_sheet(book.create_sheet("问题清单"), result)
    for name in ("table2", "table3", "table4"):
        _table_sheet(book.create_sheet(TABLE_NAMES[name]), result, name)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_sheet(sheet, result: AuditResult) -> None:
    sheet.title = "概要"
    report = result.report
    n = counts(result.findings)
    review = MODE_TEXT.get(result.review.mode, result.review.mode)
    if result.review.model:
        review += f"（模型：{result.review.model}）"
    lines = [
        ("报告", report.title or report.document.path.name),
        ("单位", report.agency or "未识别"),
        ("年度", report.year),
        ("文件", report.document.path.name),
        ("格式", report.document.format.upper()),
        ("页数", report.document.pages),
        ("SHA-256", report.document.sha256),
        ("审核结论", VERDICT_TEXT[result.verdict]),
        ("评分", result.score),
        ("错误", n[Severity.ERROR]),
        ("警告", n[Severity.WARNING]),
        ("提示", n[Severity.INFO]),
        ("叙述部分审查", review),
        ("扫描件（OCR）", ocr_note(result) or "无"),
    ]
    if result.review.note:
        lines.append(("审查说明", result.review.note))
    sheet.append(["项目", "内容"])
    for key, value in lines:
        sheet.append([key, value])
    sheet.append([])
    sheet.append(["部分", "是否具备", "标题（原文）", "页码"])
    section_head = sheet.max_row
    for key, section in report.sections.items():
        sheet.append([key, "是" if section.present else "缺失", section.heading or "", section.page])
    for row in (1, section_head):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
            cell.fill = _HEAD_FILL
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 40
    for row in sheet.iter_rows(min_row=2, max_col=2):
        row[1].alignment = Alignment(wrap_text=True, horizontal="left")


def _findings_sheet(sheet, result: AuditResult) -> None:
    sheet.append([name for name, _ in FINDING_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.alignment = _CENTER
    findings = sorted_findings(result.findings)
    for row, finding in zip(finding_rows(result), findings):
        sheet.append(row)
        sheet.cell(sheet.max_row, 2).fill = PatternFill("solid", fgColor=SEVERITY_FILL[finding.severity])
        for cell in sheet[sheet.max_row]:
            cell.alignment = _WRAP
    for i, (_, width) in enumerate(FINDING_COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(FINDING_COLUMNS))}{max(sheet.max_row, 1)}"


def _table_sheet(sheet, result: AuditResult, name: str) -> None:
    form = table_form(result.report.tables.get(name), name)
    sheet.append([form.title])
    sheet["A1"].font = Font(bold=True, size=12)
    if not form.found:
        sheet.append(["报告中未找到该表。"])
        return
    marks = table_marks(result, name)
    top = 2
    occupied: set[tuple[int, int]] = set()
    for r, line in enumerate(form.rows):
        c = 0
        for form_cell in line:
            while (r, c) in occupied:
                c += 1
            row, column = top + r, 1 + c
            _write_form_cell(sheet, row, column, form_cell, marks_for(marks, name, form_cell.row, form_cell.column,
                                                                       form_cell.kind, form_cell.missing))
            for dr in range(form_cell.rowspan):
                for dc in range(form_cell.colspan):
                    occupied.add((r + dr, c + dc))
                    sheet.cell(row + dr, column + dc).border = _BORDER
            if form_cell.rowspan > 1 or form_cell.colspan > 1:
                sheet.merge_cells(start_row=row, start_column=column, end_row=row + form_cell.rowspan - 1,
                                  end_column=column + form_cell.colspan - 1)
            c += form_cell.colspan
    widths = {"table2": [28, 16, 16, 16], "table3": [10, 14, 30] + [10] * 7, "table4": [9] * 15}[name]
    for i, width in enumerate(widths[:form.width], 1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _write_form_cell(sheet, row: int, column: int, form_cell: FormCell, findings: list[Finding]) -> None:
    cell = sheet.cell(row, column)
    if form_cell.kind == "value" and form_cell.cell is not None and form_cell.cell.state is CellState.NUMBER:
        cell.value = form_cell.cell.value
        if isinstance(form_cell.cell.value, float):
            cell.number_format = "0.00##"
    elif form_cell.kind == "value" and form_cell.cell is not None and form_cell.cell.state is CellState.BLANK:
        cell.value = None
    else:
        text = form_cell.text
        if form_cell.missing and form_cell.kind != "value":
            text += MISSING_SUFFIX
        cell.value = text or None
    if form_cell.kind in ("head", "title"):
        cell.fill = _HEAD_FILL
        cell.font = Font(bold=True)
    cell.alignment = _CENTER if form_cell.kind in ("value", "head", "title") else Alignment(vertical="center", wrap_text=True)
    if findings:
        cell.fill = PatternFill("solid", fgColor=SEVERITY_FILL[findings[0].severity])
        cell.comment = Comment("\n".join(f"[{SEVERITY_TEXT[f.severity]}] {f.message}" for f in findings)[:2000],
                               "年报审核")

