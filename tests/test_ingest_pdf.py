"""The PDF reader: ruled tables as regular grids with provenance, paragraphs, and unusable files refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.config import Settings
from auditor.errors import (AuditorError, CorruptFile, EmptyFile, EncryptedPdf, FileTooLarge, NoTextLayer,
                            NotAReport)
from auditor.extract import extract_report
from auditor.extract.locate import classify, logical_tables
from auditor.ingest import load_document
from auditor.ingest.pdf import _blocks, _Line, _overprinted, _Page, _require_text, align_columns
from auditor.model import Grid, Paragraph, RawCell
from auditor.present.json_report import table_to_contract
from tests.fixtures.builder.spec import FIXTURES, expected_table3

FIXTURE_DIR = Path(__file__).parent / "fixtures"
REPORTS = FIXTURE_DIR / "reports"
BAD = FIXTURE_DIR / "bad"
SPECS = {spec.name: spec for spec in FIXTURES}
A4 = (595.3, 841.9)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _document(name: str):
    return load_document(REPORTS / f"{name}.pdf")


def _table3_cells(document) -> list[RawCell]:
    tables = [grids for grids in logical_tables(document) if classify(grids) == "table3"]
    assert tables, "表三 not found"
    return [cell for grid in tables[0] for row in grid.rows for cell in row if cell is not None]


# ---------------------------------------------------------------- provenance


def test_every_table3_cell_of_standard_has_a_page_and_a_bbox_inside_it():
    document = _document("standard")
    assert document.format == "pdf" and document.pages == 3 and len(document.sha256) == 64
    cells = _table3_cells(document)
    assert len(cells) > 25 * 7
    for cell in cells:
        assert cell.page is not None and 1 <= cell.page <= document.pages
        x0, top, x1, bottom = cell.bbox
        assert 0 <= x0 < x1 <= A4[0] and 0 <= top < bottom <= A4[1], cell


def test_extracted_table3_cells_keep_their_provenance():
    report = extract_report(_document("standard"))
    for row in report.tables["table3"].cells.values():
        for cell in row.values():
            assert cell.page == 2 and cell.bbox is not None


def test_table3_over_three_pages_comes_from_three_pages_and_the_split_row_is_joined():
    spec = SPECS["t3-over-three-pages"]
    document = _document("t3-over-three-pages")
    assert len({cell.page for cell in _table3_cells(document)}) == spec.layout.table3_pages
    report = extract_report(document)
    table3 = report.tables["table3"]
    assert table_to_contract(table3) == expected_table3(spec)
    joined = [note for note in table3.notes if note.kind == "row_joined"]
    assert [note.row for note in joined] == [spec.layout.split_row]
    cell = table3.cells[spec.layout.split_row]["total"]
    assert cell.page == 3 and cell.value == spec.table3[spec.layout.split_row]["total"]


def test_a_page_without_the_header_is_one_grid_per_page_with_the_same_columns():
    document = _document("t3-over-three-pages")
    tables = [grids for grids in logical_tables(document) if classify(grids) == "table3"][0]
    assert len(tables) == 3 and [grid.page for grid in tables] == list(range(tables[0].page, tables[0].page + 3))
    assert {len(row) for grid in tables for row in grid.rows} == {10}
    continuation = tables[2].rows[0]
    assert [c.text if c else None for c in continuation[:3]] == ["", "", "申请"]


def test_landscape_pages_give_coordinates_across_the_wide_page():
    document = _document("landscape-vertical-header")
    cells = _table3_cells(document)
    assert max(cell.bbox[2] for cell in cells) > A4[0]  # wider than a portrait page
    assert all(cell.bbox[3] <= A4[0] for cell in cells)  # and no taller than a landscape one


def test_vertical_header_text_keeps_its_line_breaks():
    document = _document("landscape-vertical-header")
    texts = {cell.text for grid in document.grids for row in grid.rows for cell in row if cell is not None}
    assert "结\n果\n维\n持" in texts


# ---------------------------------------------------------------- paragraphs


def test_headings_stay_paragraphs_of_their_own_and_page_numbers_are_dropped():
    document = _document("standard")
    texts = [p.text for p in document.paragraphs]
    for title in ("一、总体情况", "三、收到和处理政府信息公开申请情况", "六、其他需要报告的事项"):
        assert title in texts
    assert texts[:2] == ["示例市财政局", "2024年政府信息公开工作年度报告"]
    assert not [t for t in texts if re.fullmatch(r"-\s*\d+\s*-", t)]


def test_lines_of_one_paragraph_are_joined():
    document = _document("standard")
    preamble = document.paragraphs[2]
    assert preamble.text == SPECS["standard"].preamble[0]
    assert preamble.page == 1 and preamble.bbox[3] - preamble.bbox[1] > 50  # several lines


def test_blocks_are_in_reading_order():
    document = _document("t3-over-three-pages")
    positions = [(b.page, _top(b)) for b in document.blocks]
    assert positions == sorted(positions)


def _top(block) -> float:
    if isinstance(block, Paragraph):
        return block.bbox[1]
    return min(c.bbox[1] for row in block.rows for c in row if c is not None)


def _line(text: str, page: int, x0: float, top: float, x1: float, size: float = 12.0) -> _Line:
    return _Line(text, page, x0, top, x1, top + size, size)


def test_a_paragraph_cut_by_a_page_break_is_rejoined_but_a_heading_is_not():
    first, second = _Page(1, 595, 842), _Page(2, 595, 842)
    first.lines = [_line("五、存在的主要问题及改进情况", 1, 98, 700, 270),
                   _line("　　一是政策解读形式较为单一，部分信息更新不够", 1, 98, 730, 522),
                   _line("及时，公众互动参与较少。二是信息公开的内容有待进", 1, 74, 751, 522)]
    second.lines = [_line("一步丰富和完善。", 2, 74, 72, 170),
                    _line("六、其他需要报告的事项", 2, 98, 100, 250)]
    texts = [b.text for b in _blocks([first, second])]
    assert texts == ["五、存在的主要问题及改进情况",
                     "　　一是政策解读形式较为单一，部分信息更新不够及时，公众互动参与较少。二是信息公开的内容有待进一步丰富和完善。",
                     "六、其他需要报告的事项"]


# ---------------------------------------------------------------- helpers of the reader


def _cell(text: str, x0: float, x1: float, top: float = 70.0) -> RawCell:
    return RawCell(text, 3, (x0, top, x1, top + 15))


def test_parts_of_a_table_with_fewer_column_lines_are_laid_on_the_columns_of_the_others():
    edges = [70, 120, 180, 320, 350, 380]
    full = Grid(rows=[[_cell(str(i), a, b, 500) for i, (a, b) in enumerate(zip(edges, edges[1:]))]], page=2)
    before = Grid(rows=[[_cell("一、本年新收政府信息公开申请数量", 70, 320, 700), _cell("5", 320, 350, 700),
                         _cell("6", 350, 380, 700)]], page=1)
    after = Grid(rows=[[_cell("四、结转下年度继续办理", 70, 320), _cell("7", 320, 350), _cell("9", 350, 380)]], page=3)
    laid = align_columns([before, full, after])
    assert [c.text if c else None for c in laid[0].rows[0]] == ["一、本年新收政府信息公开申请数量", None, None, "5", "6"]
    assert laid[1] is full
    assert [c.text if c else None for c in laid[2].rows[0]] == ["四、结转下年度继续办理", None, None, "7", "9"]
    other = Grid(rows=[[_cell("x", 60, 200), _cell("y", 200, 380)]], page=3)
    assert align_columns([full, other])[1] is other  # not the same table: left alone


def test_overprinted_text_is_detected():
    def char(text, x, y):
        return {"text": text, "x0": x, "top": y}
    plain = [char("1", 100, 50), char("2", 106, 50), char("1", 100, 80)]
    assert not _overprinted(plain)
    assert _overprinted(plain + [char("1", 100.4, 50.2)])


def test_undecodable_text_layer_is_refused():
    page = _Page(1, 595, 842, chars=500, garbled=400)
    with pytest.raises(NoTextLayer, match="OCR"):
        _require_text([page], Path("x.pdf"))


# ---------------------------------------------------------------- unusable files


@pytest.mark.parametrize("name,error,code,words", [
    ("encrypted.pdf", EncryptedPdf, "encrypted_pdf", "请提供未加密版本"),
    ("blank-scan.pdf", NoTextLayer, "no_text_layer", "OCR 也未能从中识别出文字"),  # scans: tests/test_ocr_scans.py
    ("corrupt.pdf", CorruptFile, "corrupt_file", "损坏"),
    ("empty.pdf", EmptyFile, "empty_file", "空文件"),
    ("renamed.pdf", CorruptFile, "corrupt_file", "%PDF"),
])
def test_bad_input_raises_its_error_with_a_chinese_message(name, error, code, words):
    with pytest.raises(error) as raised:
        load_document(BAD / name)
    assert raised.value.code == code
    assert words in raised.value.message and CHINESE.search(raised.value.message)
    assert name in raised.value.message


def test_a_pdf_that_is_not_a_report_is_read_but_not_accepted_as_one():
    document = load_document(BAD / "not-a-report.pdf")
    assert document.pages == 1 and not document.grids
    with pytest.raises(NotAReport) as raised:
        extract_report(document)
    assert CHINESE.search(raised.value.message)


def test_too_many_pages_is_refused():
    with pytest.raises(FileTooLarge) as raised:
        load_document(REPORTS / "standard.pdf", Settings(max_pages=2))
    assert "页" in raised.value.message
    assert isinstance(raised.value, AuditorError)


def test_sample_for_the_readme_is_the_standard_fixture():
    sample = Path(__file__).parents[1] / "data" / "samples" / "示例市财政局2024年政府信息公开工作年度报告.pdf"
    assert sample.read_bytes() == (REPORTS / "standard.pdf").read_bytes()


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_page_saved_sideways_or_upside_down_is_read_upright(turn, tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(REPORTS / "standard.pdf"))
    writer.pages[1].rotate(turn)  # 表三's page, as a scanner or a merge tool leaves it
    path = tmp_path / f"turned-{turn}.pdf"
    writer.write(path)
    document = load_document(path)
    assert document.notes[0].startswith(f"第2页的文字方向不正（需顺时针旋转{(360 - turn) % 360}度）")
    report = extract_report(document)
    assert table_to_contract(report.tables["table3"]) == expected_table3(SPECS["standard"])
    assert all(section.present for section in report.sections.values())
