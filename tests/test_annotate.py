"""present/annotate.py: the annotated PDF read back with pypdf (/Annots) and pdfplumber (text and annotation boxes).

Expected boxes come from the audited report's own cells and from pdfplumber's search of the original page, not
from the code under test; the PDF user-space rectangle of a box (x0, top, x1, bottom) on an unrotated A4 page is
(x0, height - bottom, x1, height - top).
"""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, NumberObject, RectangleObject

from auditor.config import Settings
from auditor.model import Finding, Severity
from auditor.pipeline import audit_file
from auditor.present.annotate import SEVERITY_FILL, SEVERITY_STROKE, annotate_pdf
from auditor.present.highlight import finding_targets
from auditor.present.markdown_report import sorted_findings

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "tests" / "fixtures" / "reports"
MUTATIONS = ROOT / "tests" / "fixtures" / "mutations" / "pdf"
SAMPLE = next((ROOT / "data" / "samples").glob("*.pdf"))
WPS = ROOT / "tests" / "fixtures" / "real" / "洪泽区人民政府2023年政府信息公开工作年度报告.pdf"
PAD, SQUARE_PAD = 1.5, 3.0


def annotated(path: Path):
    result = audit_file(path, Settings())
    return result, annotate_pdf(result, path.read_bytes())


def annots(data: bytes) -> dict[int, list[dict]]:
    """Page number → the annotations on it, resolved to plain dicts."""
    reader = PdfReader(io.BytesIO(data))
    return {i: [a.get_object() for a in (page.get("/Annots") or [])] for i, page in enumerate(reader.pages, 1)}


def by_name(data: bytes, name: str) -> tuple[int, dict]:
    found = [(page, a) for page, items in annots(data).items() for a in items if a.get("/NM") == name]
    assert len(found) == 1, name
    return found[0]


def user_rect(box, height: float, pad: float) -> list[float]:
    x0, top, x1, bottom = box
    return [x0 - pad, height - (bottom + pad), x1 + pad, height - (top - pad)]


def close(a, b, tolerance: float = 0.05) -> bool:
    return len(a) == len(b) and all(abs(float(x) - float(y)) <= tolerance for x, y in zip(a, b))


def texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() for page in pdf.pages]


@pytest.fixture(scope="module")
def typos():
    return annotated(REPORTS / "typos-and-blanks.pdf")


# ---------------------------------------------------------------- the original stays as it was


@pytest.mark.parametrize("path", [REPORTS / "typos-and-blanks.pdf", REPORTS / "landscape-vertical-header.pdf"],
                         ids=lambda p: p.stem)
def test_pages_and_text_are_unchanged(path, typos):
    original = path.read_bytes()
    out = typos[1] if path.name == "typos-and-blanks.pdf" else annotated(path)[1]
    assert texts(out.data) == texts(original)
    before, after = PdfReader(io.BytesIO(original)), PdfReader(io.BytesIO(out.data))
    assert len(after.pages) == len(before.pages)
    for old, new in zip(before.pages, after.pages):
        assert new.get_contents().get_data() == old.get_contents().get_data()
        assert list(new.mediabox) == list(old.mediabox) and new.rotation == old.rotation


# ---------------------------------------------------------------- one annotation per finding, on its page


def test_a_misprinted_label_is_highlighted_where_it_is_printed(typos):
    result, out = typos
    number = next(i for i, f in enumerate(sorted_findings(result.findings), 1)
                  if f.rule == "STRUCT.label_typo" and f.table == "table2")
    finding = sorted_findings(result.findings)[number - 1]
    page, annotation = by_name(out.data, f"auditor-{number}")
    with pdfplumber.open(REPORTS / "typos-and-blanks.pdf") as pdf:
        match = pdf.pages[0].search("本年度止件数")[0]
        height = pdf.pages[0].height
    expected = user_rect((match["x0"], match["top"], match["x1"], match["bottom"]), height, PAD)
    assert page == 1 and annotation["/Subtype"] == "/Highlight"
    assert close(annotation["/Rect"], expected)
    x0, y0, x1, y1 = expected
    assert close(annotation["/QuadPoints"], [x0, y1, x1, y1, x0, y0, x1, y0])
    assert annotation["/Contents"] == f"{number}.【提示】{finding.message}\n依据：{finding.basis}"
    assert annotation["/T"] == "年报审核" and annotation["/Subj"] == "提示"
    assert close(annotation["/C"], SEVERITY_FILL[Severity.INFO], 0.01)


def test_blank_cells_are_highlighted_cell_by_cell(typos):
    result, out = typos
    number, finding = next((i, f) for i, f in enumerate(sorted_findings(result.findings), 1)
                           if f.rule == "T3.blank_cell")
    page, annotation = by_name(out.data, f"auditor-{number}")
    table = result.report.tables["table3"]
    named = [table.cells[t.row][t.column] for t in finding_targets(finding)]  # the cells the evidence names
    on_page = [c for c in named if c.page == page]
    assert page == finding.page == 2 and len(on_page) > 10
    assert all(c.state.value == "blank" for c in named)
    quads = [float(v) for v in annotation["/QuadPoints"]]
    boxes = {tuple(round(v, 2) for v in (quads[i + 4], quads[i + 5], quads[i + 2], quads[i + 3]))
             for i in range(0, len(quads), 8)}  # lower left and upper right of each quadrilateral
    assert len(quads) == 8 * len(on_page)
    assert boxes == {tuple(round(v, 2) for v in user_rect(c.bbox, 841.8898, PAD)) for c in on_page}


def test_a_failed_identity_cell_is_highlighted_in_red():
    path = MUTATIONS / "t4-sum-review.pdf"
    result, out = annotated(path)
    [finding] = result.findings
    cell = result.report.tables["table4"].cells["review"]["total"]
    page, annotation = by_name(out.data, "auditor-1")
    assert (finding.rule, finding.severity, page) == ("T4.sum", Severity.ERROR, cell.page)
    assert annotation["/Subtype"] == "/Highlight" and close(annotation["/Rect"], user_rect(cell.bbox, 841.8898, PAD))
    assert close(annotation["/C"], SEVERITY_FILL[Severity.ERROR], 0.01)
    assert annotation["/Contents"].startswith(f"1.【错误】{finding.message}")


def test_an_altered_table_is_framed_by_a_square():
    result, out = annotated(REPORTS / "no-total-column.pdf")
    table = result.report.tables["table3"]
    cells = [c for cells in table.cells.values() for c in cells.values() if c.page == 2 and c.bbox]
    frame = (min(c.bbox[0] for c in cells), min(c.bbox[1] for c in cells), max(c.bbox[2] for c in cells),
             max(c.bbox[3] for c in cells))
    page, annotation = by_name(out.data, "auditor-1")
    assert page == 2 and annotation["/Subtype"] == "/Square"
    assert close(annotation["/Rect"], user_rect(frame, 841.8898, SQUARE_PAD))
    assert close(annotation["/C"], SEVERITY_STROKE[Severity.ERROR], 0.01)
    assert annotation["/Contents"] == f"1.【错误】{result.findings[0].message}\n依据：{result.findings[0].basis}"
    assert [len(annots(out.data)[p]) for p in (1, 2, 3)] == [1, 2, 0]  # the verdict; the two findings


def test_first_page_note_gives_the_verdict_and_what_could_not_be_placed():
    result, out = annotated(MUTATIONS / "section-five-missing.pdf")
    [finding] = result.findings
    assert finding.page is None and out.unplaced == [(1, finding)] and out.placed == []
    page, note = by_name(out.data, "auditor-verdict")
    assert page == 1 and note["/Subtype"] == "/Text" and note["/Subj"] == "审核结论"
    assert note["/Contents"].split("\n") == [
        f"审核结论：不通过（评分 {result.score:g}/100）",
        "错误 1 项，警告 0 项，提示 0 项；已在页面上标注 0 项。",
        "叙述部分审查：规则模式（未使用大模型）。说明：未配置大模型接口（OPENAI_API_KEY），按规则模式审查。",
        "未能在页面上标注的问题：",
        f"1.【错误】{finding.message}",
        f"依据：{finding.basis}",
    ]
    x0, y0, x1, y1 = (float(v) for v in note["/Rect"])
    assert x0 < 30 and y1 > 841.8898 - 30  # the top left corner


def test_a_finding_with_a_page_but_no_place_gets_a_note_icon_on_that_page():
    result = audit_file(REPORTS / "standard.pdf", Settings())
    for message in ("第2页的说明一。", "第2页的说明二。", "第1页的说明。"):
        result.findings.append(Finding("NARR.requirement_missing", Severity.WARNING, message, page=int(message[1]),
                                       basis="条例第五十条"))
    out = annotate_pdf(result, (REPORTS / "standard.pdf").read_bytes())
    assert [(p.number, p.page, p.kind) for p in out.placed] == [(1, 2, "note"), (2, 2, "note"), (3, 1, "note")]
    tops = {}
    for number in (1, 2, 3):
        page, note = by_name(out.data, f"auditor-{number}")
        assert note["/Subtype"] == "/Text" and note["/Contents"].startswith(f"{number}.【警告】第")
        assert close(note["/C"], SEVERITY_STROKE[Severity.WARNING], 0.01)
        tops[number] = (page, float(note["/Rect"][3]))
    verdict_top = float(by_name(out.data, "auditor-verdict")[1]["/Rect"][3])
    # one below the other from the top left corner; on page 1 below the verdict note
    assert tops[1][1] == tops[3][1] < verdict_top and tops[2][1] < tops[1][1]


def test_every_finding_is_annotated_once_or_listed_on_the_first_page(typos):
    result, out = typos
    names = [a["/NM"] for items in annots(out.data).values() for a in items]
    assert sorted(names) == sorted([f"auditor-{p.number}" for p in out.placed] + ["auditor-verdict"])
    assert len(out.placed) + len(out.unplaced) == len(result.findings)
    for placement in out.placed:
        assert by_name(out.data, f"auditor-{placement.number}")[0] == placement.page


def test_a_clean_report_gets_only_the_verdict_note():
    _, out = annotated(SAMPLE)
    assert {page: [a["/NM"] for a in items] for page, items in annots(out.data).items()} == {
        1: ["auditor-verdict"], 2: [], 3: []}
    assert by_name(out.data, "auditor-verdict")[1]["/Contents"].startswith("审核结论：通过（评分 100/100）")


def test_the_real_wps_pdf_gets_annotations_every_reader_resolves():
    """WPS numbers its cross-reference stream 61 with /Size 61: an update reusing object 61 read back as the stream."""
    result, out = annotated(WPS)
    assert texts(out.data) == texts(WPS.read_bytes())
    assert len(out.placed) + len(out.unplaced) == len(result.findings) > 0
    items = annots(out.data)
    assert all(a.get("/Subtype") in ("/Highlight", "/Square", "/Text") and "/Contents" in a
               for page in items.values() for a in page)
    assert sum(len(page) for page in items.values()) == len(out.placed) + 1
    t4 = next(p for p in out.placed if p.finding.rule == "T4.sum" and p.finding.row == "review")
    cell = result.report.tables["table4"].cells["review"]["total"]
    page, annotation = by_name(out.data, f"auditor-{t4.number}")
    assert page == cell.page and close(annotation["/Rect"], user_rect(cell.bbox, 842, PAD))
    with pdfplumber.open(io.BytesIO(out.data)) as pdf:  # pdfplumber (pdfminer) resolves them too
        assert sum(len(p.annots) for p in pdf.pages) == len(out.placed) + 1


# ---------------------------------------------------------------- turned and moved pages


def _turned(path: Path, rotation: int, dx: float = 0, dy: float = 0) -> bytes:
    """The same pages as displayed, stored turned by `rotation` (content rotated back, /Rotate set), or with the
    MediaBox moved by (dx, dy) (then pdfplumber's coordinates move with it)."""
    writer = PdfWriter(clone_from=path)
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        shift = {0: (dx, dy), 90: (height, 0), 180: (width, height), 270: (0, width)}[rotation]
        page.add_transformation(Transformation().rotate(rotation).translate(*shift))
        size = (width, height) if rotation in (0, 180) else (height, width)
        box = RectangleObject([dx, dy, size[0] + dx, size[1] + dy])
        page.mediabox = page.cropbox = box
        page[NameObject("/Rotate")] = NumberObject(rotation)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_boxes_land_on_the_same_spot_of_a_turned_page(typos, rotation):
    """A page stored turned and shown upright has the display coordinates of the original: the findings of the
    original, placed on the turned copy, must show exactly where they show on the original."""
    result, original = typos
    out = annotate_pdf(result, _turned(REPORTS / "typos-and-blanks.pdf", rotation))
    with pdfplumber.open(io.BytesIO(original.data)) as before, pdfplumber.open(io.BytesIO(out.data)) as after:
        for old_page, new_page in zip(before.pages, after.pages):
            assert new_page.rotation == rotation
            old = {a["data"]["NM"]: (a["x0"], a["top"], a["x1"], a["bottom"]) for a in old_page.annots}
            new = {a["data"]["NM"]: (a["x0"], a["top"], a["x1"], a["bottom"]) for a in new_page.annots}
            assert old.keys() == new.keys()
            assert all(close(new[name], old[name]) for name in old)
    with pdfplumber.open(io.BytesIO(out.data)) as pdf:  # and there, the label under its highlight
        page = pdf.pages[0]
        found = page.search("本年度止件数")[0]
        [shown] = [a for a in page.annots if "本年度止件数" in a["contents"]]
        assert close((shown["x0"], shown["top"], shown["x1"], shown["bottom"]),
                     (found["x0"] - PAD, found["top"] - PAD, found["x1"] + PAD, found["bottom"] + PAD))


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_marks_on_a_page_saved_sideways_land_on_its_text(typos, turn, tmp_path):
    """A page saved sideways (its /Rotate changed, its content not, as scanners and merges leave it) is read
    turned upright; its marks must cover the same text in PDF user space as the marks of the page as it was."""
    _, original = typos
    writer = PdfWriter(clone_from=REPORTS / "typos-and-blanks.pdf")
    for page in writer.pages:
        page.rotate(turn)
    path = tmp_path / f"sideways-{turn}.pdf"
    writer.write(path)
    result, out = annotated(path)
    assert any(note.startswith("第1页的文字方向不正") for note in result.report.document.notes)
    before, after = annots(original.data), annots(out.data)
    compared = 0
    for number, items in before.items():
        old = {a["/NM"]: a["/Rect"] for a in items if a["/Subtype"] != "/Text"}
        new = {a["/NM"]: a["/Rect"] for a in after[number] if a["/Subtype"] != "/Text"}
        assert old.keys() == new.keys()
        assert all(close(new[name], old[name]) for name in old), number
        compared += len(old)
    assert compared >= 3


def test_boxes_follow_a_moved_mediabox(tmp_path):
    path = tmp_path / "typos-and-blanks.pdf"
    path.write_bytes(_turned(REPORTS / "typos-and-blanks.pdf", 0, dx=30, dy=50))
    _, out = annotated(path)
    with pdfplumber.open(io.BytesIO(out.data)) as pdf:
        page = pdf.pages[0]
        found = page.search("本年度止件数")[0]
        [shown] = [a for a in page.annots if "本年度止件数" in a["contents"]]
        assert close((shown["x0"], shown["top"], shown["x1"], shown["bottom"]),
                     (found["x0"] - PAD, found["top"] - PAD, found["x1"] + PAD, found["bottom"] + PAD))
        note = next(a for a in page.annots if a["data"]["Subtype"].name == "Text")
        assert close((note["x0"] - page.bbox[0], note["top"] - page.bbox[1]), (6, 6))  # top left as displayed
