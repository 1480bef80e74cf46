"""TXT / Markdown reading: pipe tables, run-together digits, encodings, cells parsed from raw text."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import Settings
from auditor.errors import UnsupportedFormat
from auditor.extract.cells import parse_value
from auditor.extract.rows import digit_splits
from auditor.ingest import load_document
from auditor.model import CellState, Grid, Paragraph
from auditor.pipeline import read_report
from auditor.present.json_report import table_to_contract
from tests.fixtures.builder.spec import FIXTURES, expected_table2, expected_table3, expected_table4

REPORTS = Path(__file__).parent / "fixtures" / "reports"
STANDARD = FIXTURES[0]


@pytest.mark.parametrize("raw,value,state", [
    ("0", 0, CellState.NUMBER), ("０", 0, CellState.NUMBER), ("1,234", 1234, CellState.NUMBER),
    ("0.16", 0.16, CellState.NUMBER), (" 12 ", 12, CellState.NUMBER), ("3件", 3, CellState.NUMBER),
    ("-3", -3, CellState.NUMBER), ("", None, CellState.BLANK), ("\u3000", None, CellState.BLANK),
    ("/", None, CellState.SLASH), ("／", None, CellState.SLASH), ("—", None, CellState.SLASH),
    ("约5", None, CellState.UNREADABLE), ("结果维持", None, CellState.UNREADABLE),
])
def test_parse_value_keeps_blank_slash_and_number_apart(raw, value, state):
    assert parse_value(raw) == (value, state)


def test_digit_splits_keep_token_boundaries_and_refuse_leading_zeros():
    assert digit_splits(["0000000"], 7) == [[0] * 7]
    assert sorted(digit_splits(["123"], 2)) == [[1, 23], [12, 3]]
    assert digit_splits(["10", "5"], 3) == [[1, 0, 5]]
    assert sorted(digit_splits(["1505"], 3)) == [[1, 50, 5], [15, 0, 5]]  # never "05"
    # the example of the issue: 640020470 has exactly one split whose 总计 is the sum of the six
    assert digit_splits(["640020470"], 7, accept=lambda v: v[-1] == sum(v[:-1])) == [[64, 0, 0, 2, 0, 4, 70]]
    assert digit_splits(["64002047", "0"], 7, accept=lambda v: v[-1] == sum(v[:-1])) == []


def test_markdown_pipe_tables_read_like_the_pdf():
    report = read_report(REPORTS / "standard.md", Settings())
    assert table_to_contract(report.tables["table3"]) == expected_table3(STANDARD)
    assert table_to_contract(report.tables["table4"]) == expected_table4(STANDARD)
    assert table_to_contract(report.tables["table2"]) == expected_table2(STANDARD)
    assert report.sections["三"].heading == "三、收到和处理政府信息公开申请情况"


def test_run_together_digits_split_by_the_identities_and_recorded():
    report = read_report(REPORTS / "standard-run-together.txt", Settings())
    t3 = report.tables["table3"]
    assert table_to_contract(t3) == expected_table3(STANDARD)
    assert {n.kind for n in t3.notes} == {"digits_split"}
    assert all(cell.note and "连写" in cell.note for row in t3.cells.values() for cell in row.values())
    raw_row = t3.cells["new_received"]["total"].raw
    assert raw_row == "".join(str(v) for v in STANDARD.table3["new_received"].values())


def test_run_together_table4_with_several_fitting_splits_stays_unreadable():
    report = read_report(REPORTS / "standard-run-together.txt", Settings())
    t4 = report.tables["table4"]
    assert all(cell.state is CellState.UNREADABLE for group in t4.cells.values() for cell in group.values())
    assert [n.kind for n in t4.notes] == ["ambiguous_split"]
    assert "3种拆分" in t4.notes[0].message


def test_gb18030_text_is_decoded(tmp_path):
    source = (REPORTS / "standard.md").read_text(encoding="utf-8")
    path = tmp_path / "gbk.txt"
    path.write_bytes(source.encode("gb18030"))
    report = read_report(path, Settings())
    assert report.agency == STANDARD.agency
    assert table_to_contract(report.tables["table3"]) == expected_table3(STANDARD)


def test_binary_named_txt_is_refused(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    with pytest.raises(UnsupportedFormat) as caught:
        load_document(path)
    assert "二进制" in caught.value.message


def test_tab_lines_form_grids_and_paragraphs_rejoin_across_page_breaks(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("一、总体情况\n\n本机关全年通过政府网站主动公开政府信息共计一百\n\n二十条，较上年有所增长。\n\n"
                    "规章\t0\t0\t0\n\n行政规范性文件\t1\t0\t1\n", encoding="utf-8")
    document = load_document(path)
    kinds = [type(b).__name__ for b in document.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Grid"]
    assert document.blocks[1].text == "本机关全年通过政府网站主动公开政府信息共计一百二十条，较上年有所增长。"
    grid = document.blocks[2]
    assert isinstance(grid, Grid) and not grid.regular
    assert [[c.text for c in row] for row in grid.rows] == [["规章", "0", "0", "0"], ["行政规范性文件", "1", "0", "1"]]
    assert isinstance(document.blocks[0], Paragraph)
