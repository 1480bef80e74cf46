"""present/spreadsheet.py: the Excel workbook opened back with openpyxl, and the CSV as Excel/WPS read it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from auditor.config import Settings
from auditor.pipeline import audit_file
from auditor.present.spreadsheet import (FINDING_COLUMNS, render_findings_csv, render_workbook, rows_to_csv)

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "tests" / "fixtures" / "reports"
MUTATIONS = ROOT / "tests" / "fixtures" / "mutations" / "md"
HEADER = [name for name, _ in FINDING_COLUMNS]


@pytest.fixture(scope="module")
def no_total():
    result = audit_file(REPORTS / "no-total-column.pdf", Settings())
    return result, openpyxl.load_workbook(io.BytesIO(render_workbook(result)))


@pytest.fixture(scope="module")
def blanks():
    result = audit_file(REPORTS / "typos-and-blanks.pdf", Settings())
    return result, openpyxl.load_workbook(io.BytesIO(render_workbook(result)))


def _find(sheet, value):
    """(row, column) of the first cell holding `value`."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell.row, cell.column
    raise AssertionError(f"{value!r} not in sheet {sheet.title}")


def test_workbook_has_the_five_sheets_and_the_summary(no_total):
    result, book = no_total
    assert book.sheetnames == ["概要", "问题清单", "表二", "表三", "表四"]
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(min_row=2, max_row=15, values_only=True) if row[0]}
    assert summary["报告"] == "示例区住房和城乡建设局2025年政府信息公开工作年度报告"
    assert summary["审核结论"] == "不通过" and summary["评分"] == 72.2
    assert (summary["错误"], summary["警告"], summary["提示"]) == (2, 0, 0)
    assert summary["叙述部分审查"] == "规则模式（未使用大模型）"
    assert summary["SHA-256"] == result.report.document.sha256


def test_findings_sheet_is_sortable_with_frozen_header_and_widths(no_total):
    _, book = no_total
    sheet = book["问题清单"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:L3"
    assert sheet.column_dimensions["E"].width == 60
    first = [c.value for c in sheet[2]]
    assert first[:5] == [1, "错误", "表三，第2页", "表三「总计」", "表三缺少「总计」列，表格结构与年报格式不一致，相关勾稽关系无法完整校验。"]
    assert first[8] == "年报格式（国办公开办函〔2021〕30号）附件" and first[9] == "STRUCT.table_altered"
    assert first[11] == 2 and isinstance(first[11], int)


def test_tables_use_the_printed_labels_and_mark_missing_cells(no_total):
    result, book = no_total
    table3 = book["表三"]
    assert table3["A1"].value == "表三 收到和处理政府信息公开申请情况"
    row, column = _find(table3, "一、本年新收政府信息公开申请数量")
    natural = _find(table3, "自然人")[1]
    assert table3.cell(row, natural).value == result.report.tables["table3"].value("new_received", "natural_person")
    assert isinstance(table3.cell(row, natural).value, int)
    total = _find(table3, "总计（缺）")[1]
    assert table3.cell(row, total).value == "（缺）"
    assert table3.cell(*_find(table3, "总计（缺）")).fill.fgColor.rgb.endswith("F8D7DA")
    assert any(str(r) == "A2:C4" for r in table3.merged_cells.ranges)  # the note over the label columns
    table4 = book["表四"]
    values = [c.value for c in table4[table4.max_row]]
    assert len(values) == 15 and values[-1] == "（缺）" and values[:5] == [7, 1, 10, 3, 21]
    assert table4.cell(table4.max_row, 15).fill.fgColor.rgb.endswith("F8D7DA")


def test_blank_cells_are_empty_not_zero_and_flagged(blanks):
    result, book = blanks
    table3 = book["表三"]
    row = _find(table3, "二、上年结转政府信息公开申请数量")[0]
    commercial = _find(table3, "商业企业")[1]
    assert result.report.tables["table3"].cells["carried_over"]["commercial"].raw == ""
    cell = table3.cell(row, commercial)
    assert cell.value is None
    assert cell.fill.fgColor.rgb.endswith("DCEBFA") and "空白" in cell.comment.text
    table2 = book["表二"]
    fees = table2.cell(_find(table2, "行政事业性收费")[0], 2)
    assert fees.value == result.report.tables["table2"].value("fees", "value")
    assert table2.cell(*_find(table2, "本年废止件数")).fill.fgColor.rgb.endswith("DCEBFA")  # misprinted as 本年度止件数


def test_arithmetic_finding_keeps_expected_and_actual_as_numbers():
    result = audit_file(MUTATIONS / "t3-identity-natural-person.md", Settings())
    book = openpyxl.load_workbook(io.BytesIO(render_workbook(result)))
    rows = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
    identity = next(r for r in rows if r[9] == "T3.identity")
    finding = next(f for f in result.findings if f.rule == "T3.identity")
    assert (identity[6], identity[7]) == (finding.expected, finding.actual)
    assert identity[3] == "表三「自然人」"


def test_csv_has_a_bom_and_decodes_as_utf8_sig(no_total):
    result, _ = no_total
    data = render_findings_csv(result)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert rows[1][1] == "错误" and rows[1][4].startswith("表三缺少「总计」列")
    assert rows[1][6] == "" and len(rows) == 3


def test_rows_to_csv_writes_none_as_empty_and_keeps_commas_quoted():
    data = rows_to_csv(["单位", "问题数"], [["某区,某局", 3], ["空", None]])
    assert data.decode("utf-8-sig") == '单位,问题数\r\n"某区,某局",3\r\n空,\r\n'
