"""The OCR reader's geometry, on drawn images and made-up text boxes: no OCR engine, fast.

Which pages need OCR; the skew of a page; ruling lines → merged cells (and what is not a table line);
tables without lines from rows of boxes; font sizes of text lines; a table continued over scanned pages.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from auditor.ingest.ocr import needs_ocr
from auditor.ingest.ocr.continuation import align_continued_tables
from auditor.ingest.ocr.deskew import skew_angle, straighten
from auditor.ingest.ocr.engine import TextBox
from auditor.ingest.ocr.layout import join_text, loose_tables, visual_lines
from auditor.ingest.ocr.lines import find_rulings, ink_of
from auditor.ingest.ocr.page import OcrLine, ScannedPage, ScannedTable, _font_sizes
from auditor.model import Grid, RawCell

DPI = 150


@pytest.mark.parametrize("chars,garbled,cjk,images,expected", [
    (900, 0, 700, 0, False),  # a page with a good text layer
    (900, 0, 700, 2, False),  # ... and a logo or a stamp on it
    (0, 0, 0, 1, True),  # a scanned page
    (12, 0, 10, 1, True),  # a scan with a few stray characters (a date stamp)
    (0, 0, 0, 0, False),  # an empty page: nothing to read
    (600, 500, 0, 0, True),  # undecodable text layer ((cid:n), private use, U+FFFD)
    (400, 0, 0, 1, True),  # a scanner's failed OCR layer: Latin garbage, no Chinese
])
def test_which_pages_are_read_by_ocr(chars, garbled, cjk, images, expected):
    assert needs_ocr(chars, garbled, cjk, images) is expected


# ---------------------------------------------------------------- drawn pages


def blank_page(width: int = 1240, height: int = 1754) -> np.ndarray:
    return np.full((height, width), 255, np.uint8)


def draw_table(page: np.ndarray, xs: list[int], ys: list[int], missing_v: set[tuple[int, int]] = frozenset(),
               missing_h: set[tuple[int, int]] = frozenset()) -> None:
    """Ruled table; missing_v (line j between rows i,i+1) and missing_h (line i between columns j,j+1) make spans."""
    for i, y in enumerate(ys):
        for j in range(len(xs) - 1):
            if (i, j) not in missing_h:
                cv2.line(page, (xs[j], y), (xs[j + 1], y), 0, 2)
    for j, x in enumerate(xs):
        for i in range(len(ys) - 1):
            if (j, i) not in missing_v:
                cv2.line(page, (x, ys[i]), (x, ys[i + 1]), 0, 2)


def draw_text(page: np.ndarray, x: int, y: int, text: str, scale: float = 1.0) -> None:
    cv2.putText(page, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 0, 2)


def test_ruling_lines_give_the_cells_and_their_spans():
    page = blank_page()
    cv2.line(page, (100, 120), (1140, 120), 0, 3)  # a letterhead rule: crosses no vertical line
    xs, ys = [150, 450, 600, 750, 900], [300, 360, 420, 480]
    # row 0: the header cell over columns 1-3 (no vertical lines 2 and 3 there); column 0 spans rows 0-1
    draw_table(page, xs, ys, missing_v={(2, 0), (3, 0)}, missing_h={(1, 0)})
    draw_text(page, 470, 400, "1234")  # text inside cells: strokes, not lines
    draw_text(page, 160, 700, "III lll |||", 2.0)  # tall strokes outside any table
    rulings = find_rulings(ink_of(page), DPI)
    (table,) = rulings.tables
    assert [round(x) for x in table.xs] == pytest.approx(xs, abs=3)
    assert [round(y) for y in table.ys] == pytest.approx(ys, abs=3)
    spans = {(c.row, c.column): (c.rows, c.columns) for c in table.cells}
    assert spans[(0, 0)] == (2, 1) and spans[(0, 1)] == (1, 3)
    assert (1, 0) not in spans and (0, 2) not in spans  # covered by the merged cells
    assert len(table.cells) == 1 + 1 + 3 + 4  # 12 positions, 3 of them covered
    assert rulings.mask[120, 600] == 0 and rulings.mask[300, 300] == 255  # only the table's lines are erased


def test_a_skewed_page_is_measured_and_straightened():
    page = blank_page()
    draw_table(page, [150, 450, 600, 750, 900], [300, 360, 420, 480, 540])
    for k in range(12):
        draw_text(page, 150, 700 + 60 * k, "ABCDEFGHIJKLMNOPQRSTUV", 1.2)
    matrix = cv2.getRotationMatrix2D((page.shape[1] / 2, page.shape[0] / 2), 1.3, 1.0)
    turned = cv2.warpAffine(page, matrix, (page.shape[1], page.shape[0]), borderValue=255)
    assert skew_angle(page) == pytest.approx(0.0, abs=0.1)
    assert skew_angle(turned) == pytest.approx(-1.3, abs=0.12)
    upright = straighten(turned)
    (table,) = find_rulings(ink_of(upright.image), DPI).tables
    assert len(table.xs) == 5 and len(table.ys) == 5
    # a point of the straightened page maps back to where the turned page shows it
    x, y = upright.to_original(150, 300)
    expected = matrix @ np.array([150, 300, 1.0])
    assert (x, y) == pytest.approx(tuple(expected), abs=3)


def test_an_empty_page_has_no_skew_and_no_table():
    assert skew_angle(blank_page()) == 0.0
    assert find_rulings(ink_of(blank_page()), DPI).tables == []


# ---------------------------------------------------------------- boxes → lines and tables without lines


def box(text: str, x0: float, top: float, width: float = 40, height: float = 24, score: float = 0.99) -> TextBox:
    return TextBox(text, score, x0, top, x0 + width, top + height)


def test_boxes_on_one_line_are_joined_left_to_right():
    boxes = [box("公开", 300, 102), box("一、", 100, 100), box("2024", 500, 101), box("年", 560, 99),
             box("下一行", 100, 140)]
    lines = visual_lines(boxes)
    assert [[b.text for b in line] for line in lines] == [["一、", "公开", "2024", "年"], ["下一行"]]
    assert join_text([box("A1", 0, 0), box("B2", 60, 0), box("年", 120, 0)]) == "A1 B2年"


def test_a_table_without_lines_is_found_from_its_rows_of_numbers():
    text = [box("本机关全年共收到政府信息公开申请，办理情况如下表所示。", 100, 60, 700)]
    header = [box("结果维持", 400, 120, 60), box("结果纠正", 500, 120, 60), box("总计", 600, 120, 60)]
    rows = [[box("行政复议", 100, 160 + 40 * i, 120), box(str(3 + i), 420, 160 + 40 * i, 20),
             box("0" if i else "12", 515, 160 + 40 * i, 30), box(str(3 + i + (0 if i else 12)), 615, 160 + 40 * i, 30)]
            for i in range(3)]
    after = [box("以上数据截至2024年12月31日。", 100, 320, 400)]
    tables, rest = loose_tables(text + header + [b for row in rows for b in row] + after)
    (table,) = tables
    assert table.header_rows == 1 and len(table.rows) == 4 and len(table.bands) == 3
    assert [table.column_of(b) for b in rows[0]] == [0, 1, 2, 3]
    assert [table.column_of(b) for b in header] == [1, 2, 3]
    assert sorted(b.text for b in rest) == sorted(b.text for b in text + after)


def test_running_text_with_a_few_numbers_is_not_a_table():
    lines = [[box("全年受理", 100, 100 + 40 * i, 200), box(str(10 + i), 320, 100 + 40 * i, 30),
              box("件，办结率100%。", 360, 100 + 40 * i, 300)] for i in range(4)]
    tables, rest = loose_tables([b for line in lines for b in line])
    assert tables == [] and len(rest) == 12


def test_lines_of_similar_height_get_one_font_size():
    body = [19.6, 21.0, 22.4, 20.3, 22.9, 20.8]  # box heights of 12 pt lines, with and without brackets
    sizes = _font_sizes(body + [30.1, 14.0])  # a title, a footnote
    assert set(sizes[:6]) == {12.0} and sizes[6] == 17.0 and sizes[7] == 8.0
    assert _font_sizes([]) == []


# ---------------------------------------------------------------- a table continued on the next scanned page


def part(page: int, edges: list[float], rows: list[list[str | None]], top: float) -> ScannedTable:
    grid = [[None if text is None else RawCell(text, page, (70.0, top + 15 * i, 100.0, top + 15 * i + 15), 0.99)
             for text in row] for i, row in enumerate(rows)]
    return ScannedTable(Grid(rows=grid, page=page), edges)


def test_a_part_with_fewer_column_lines_is_laid_on_the_columns_of_the_next_page():
    header = part(2, [0, 240, 270, 300], [["一、本年新收政府信息公开申请数量", "5", "6"]], 600)
    rest = part(3, [0, 45, 103, 240, 270, 300.5], [[None, "（一）", "予以公开", "3", "4"]], 80)
    first = ScannedPage(2, "read", [header], [OcrLine("- 2 -", 290, 800, 310, 812, 10.5, 0.99)])
    second = ScannedPage(3, "read", [rest], [OcrLine("五、存在的主要问题", 90, 400, 300, 415, 14, 1.0)])
    align_continued_tables([first, second])
    assert [c.text if c else None for c in header.grid.rows[0]] == ["一、本年新收政府信息公开申请数量", None, None, "5", "6"]
    assert header.edges == rest.edges


def test_parts_with_text_between_or_other_columns_are_left_alone():
    def pages(lines_between: bool, edges: list[float]):
        a = part(2, [0, 240, 270, 300], [["一、", "5", "6"]], 600)
        b = part(3, edges, [["x", "y", "3", "4", "5"]], 200)
        text = [OcrLine("四、政府信息公开行政复议、行政诉讼情况", 90, 100, 400, 115, 14, 1.0)] if lines_between else []
        return a, [ScannedPage(2, "read", [a]), ScannedPage(3, "read", [b], text)]
    a, scanned = pages(True, [0, 45, 103, 240, 270, 300])
    align_continued_tables(scanned)
    assert len(a.grid.rows[0]) == 3
    a, scanned = pages(False, [0, 45, 103, 200, 250, 300])  # no column line at 240: another table
    align_continued_tables(scanned)
    assert len(a.grid.rows[0]) == 3


def test_a_label_wrapped_over_three_lines_joins_the_row_of_its_numbers_and_a_blank_row_stays():
    rows = [
        [box("1.属于国家秘密", 100, 100, 200, 24), box("24", 420, 100, 20), box("0", 515, 100, 12), box("25", 615, 100, 20)],
        [box("2.申请人无正当理由逾期不补正、", 100, 134, 200, 24)],  # first line of a wrapped label: tight above
        [box("行政机关不再处理其政府信息公", 100, 154, 200, 24), box("16", 420, 154, 20), box("0", 515, 154, 12),
         box("17", 615, 154, 20)],
        [box("开申请", 100, 174, 60, 24)],  # its last line: tight below
        [box("3.其他", 100, 208, 60, 24)],  # a row whose numbers are all blank: as far from both neighbours
        [box("（七）总计", 100, 242, 100, 24), box("40", 420, 242, 20), box("0", 515, 242, 12), box("42", 615, 242, 20)],
    ]
    tables, rest = loose_tables([b for row in rows for b in row])
    (table,) = tables
    labels = ["".join(b.text for b in sorted(row, key=lambda b: b.top) if table.column_of(b) == 0) for row in table.rows]
    assert labels == ["1.属于国家秘密", "2.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "3.其他", "（七）总计"]
    assert rest == []


def test_reading_a_pdf_with_a_text_layer_loads_no_ocr():
    import subprocess
    import sys
    from pathlib import Path

    standard = Path(__file__).parent / "fixtures" / "reports" / "standard.pdf"
    code = ("import sys; from auditor.ingest import load_document; "
            f"load_document({str(standard)!r}); print(sorted(m for m in ('cv2', 'rapidocr', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_numbers_of_two_cells_in_one_box_are_never_one_number():
    from auditor.ingest.ocr.page import _read_as, _Slot

    def read(lines):
        slot = _Slot(0, 0, 10, 10)
        _read_as(slot, lines)
        return slot.text, slot.confidence

    assert read([("286", 0.99)]) == ("286", 0.99)
    assert read([("286 28", 0.99)]) == ("286 28", 0.0)  # two cells' numbers side by side: unreadable
    assert read([("7", 0.99), ("1", 0.98)]) == ("7\n1", 0.0)  # a digit read in pieces, one under the other
    assert read([("1.申请人无正当理由", 0.95), ("开申请", 0.9)]) == ("1.申请人无正当理由\n开申请", 0.9)
    assert read([]) == ("", 0.0)  # ink that reads as nothing


def test_a_box_holding_two_columns_numbers_does_not_merge_the_columns():
    rows = [[box("行政复议", 100, 160 + 40 * i, 120), box(str(30 + i), 420, 160 + 40 * i, 30),
             box(str(4 + i), 520, 160 + 40 * i, 20), box(str(34 + 2 * i), 615, 160 + 40 * i, 30)] for i in range(4)]
    rows[2][1:3] = [box("32 6", 420, 240, 120)]  # one row's two numbers detected as one box
    tables, _ = loose_tables([b for row in rows for b in row])
    (table,) = tables
    assert len(table.bands) == 3
