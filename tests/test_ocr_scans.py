"""Scanned reports read by OCR (rapidocr, models from the wheel), on the committed scans of tests/fixtures/scans/.

OCR is CPU-heavy, so this file reads few pages, each once per run: the standard report scanned whole
(3 pages, 150 dpi, turned 0.8°, noise, JPEG), the table page of a report carrying every arithmetic
defect of the mutation suite (1 page), the first two pages of the
report printed without ruling lines (2 pages), and the scanned bad inputs. The full measurement over every
fixture and scan profile is benchmarks/ocr.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.config import Settings
from auditor.errors import NotAReport, NoTextLayer
from auditor.extract import extract_report
from auditor.ingest import load_document
from auditor.model import CellState, Severity
from auditor.pipeline import audit_file
from auditor.present.json_report import render_json, table_to_contract
from auditor.textnorm import squash
from tests.fixtures.builder.mutations import MUTATIONS, matches
from tests.fixtures.builder.render_scan import ARITHMETIC, TABLE_PAGE
from tests.fixtures.builder.spec import (FIXTURES, LAYOUT_FIXTURES, expected_table2, expected_table3, expected_table4,
                                        flat_cells)

FIXTURE_DIR = Path(__file__).parent / "fixtures"
SCANS = FIXTURE_DIR / "scans"
BAD = FIXTURE_DIR / "bad"
STANDARD = next(spec for spec in FIXTURES if spec.name == "standard")
LINE_FREE = next(spec for spec in LAYOUT_FIXTURES if spec.name == "line-free-tables")
SETTINGS = Settings()
A4 = (595.3, 841.9)


@pytest.fixture(scope="module")
def standard():
    return audit_file(SCANS / "standard.pdf", SETTINGS)


@pytest.fixture(scope="module")
def line_free():
    return audit_file(SCANS / "line-free-tables.pdf", SETTINGS)


@pytest.fixture(scope="module")
def defects():
    return audit_file(SCANS / "arithmetic-defects.pdf", SETTINGS)


def _cells(table):
    return [(row, column, cell) for row, columns in table.cells.items() for column, cell in columns.items()]


def misread(table, expected: dict) -> tuple[dict, set]:
    """Cells read differently from `expected`: {key: (expected, read)}, and the keys of those unreadable."""
    read = dict(flat_cells(table_to_contract(table)))
    wanted = dict(flat_cells(expected))
    assert read.keys() == wanted.keys()
    wrong = {key: (wanted[key], read[key]) for key in wanted if read[key] != wanted[key]}
    unreadable = {key for key in wrong
                  if table.cells[key[0]][key[1] if len(key) > 1 else "value"].state is CellState.UNREADABLE}
    return wrong, unreadable


# ---------------------------------------------------------------- the standard report, scanned whole


@pytest.mark.parametrize("name,expected", [("table2", expected_table2), ("table3", expected_table3),
                                           ("table4", expected_table4)])
def test_every_cell_of_the_scanned_report_is_read_right_or_said_unreadable(standard, name, expected):
    wanted = expected(STANDARD)
    wrong, unreadable = misread(standard.report.tables[name], wanted)
    assert set(wrong) == unreadable, wrong  # a value OCR is unsure of is unreadable, never wrong
    assert len(unreadable) <= 0.02 * len(dict(flat_cells(wanted)))  # and at least 98 % of the cells are read right


def test_the_scanned_report_is_read_as_a_report_with_provenance(standard):
    report = standard.report
    document = report.document
    assert document.ocr_pages == [1, 2, 3] and document.page_notes == []
    assert (report.agency, report.year, report.title) == (STANDARD.agency, STANDARD.year, STANDARD.title)
    assert all(report.sections[key].present for key in "一二三四五六")
    assert squash(STANDARD.sections["六"][0]) in squash(report.sections["六"].text)
    for row, column, cell in _cells(report.tables["table3"]):
        assert cell.page == TABLE_PAGE and 0 < cell.confidence <= 1, (row, column)
        x0, top, x1, bottom = cell.bbox
        assert 0 <= x0 < x1 <= A4[0] and 0 <= top < bottom <= A4[1]
    received = report.tables["table3"].cells["new_received"]["total"]
    # the cell's box (PDF points) lies where the text layer of the original has it, within a few points
    original = extract_report(load_document(FIXTURE_DIR / "reports" / "standard.pdf"))
    box = original.tables["table3"].cells["new_received"]["total"].bbox
    assert received.bbox == pytest.approx(box, abs=8)


def test_a_paragraph_read_by_ocr_is_joined_over_its_lines(standard):
    preamble = squash(standard.report.preamble)
    assert squash(STANDARD.preamble[0]) in preamble


def test_the_scanned_report_gets_the_verdict_of_its_original(standard):
    original = audit_file(FIXTURE_DIR / "reports" / "standard.pdf", SETTINGS)
    assert original.verdict == "pass"
    errors = [(f.rule, f.message) for f in standard.findings if f.severity is Severity.ERROR]
    assert errors == []
    extra = {f.rule for f in standard.findings} - {f.rule for f in original.findings}
    assert extra <= {"EXTRACT.ocr_uncertain", "T3.identity", "T3.results_total", "T3.row_total", "T4.sum"}


def test_json_lists_the_ocr_pages_and_each_cell_confidence(standard):
    data = json.loads(render_json(standard))
    assert data["source"]["ocr_pages"] == [1, 2, 3] and data["source"]["page_notes"] == []
    cell = data["tables_detail"]["table3"]["cells"]["new_received"]["total"]
    assert cell["state"] == "number" and 0.8 <= cell["confidence"] <= 1 and cell["page"] == TABLE_PAGE
    assert data["tables"]["table3"]["new_received"]["total"] == STANDARD.table3["new_received"]["total"]


# ---------------------------------------------------------------- tables printed without ruling lines


@pytest.mark.parametrize("name,expected", [("table2", expected_table2), ("table3", expected_table3),
                                           ("table4", expected_table4)])
def test_tables_without_lines_are_read_from_the_positions_of_their_text(line_free, name, expected):
    report = line_free.report
    assert report.document.ocr_pages == [1, TABLE_PAGE]
    wanted = expected(LINE_FREE)
    wrong, unreadable = misread(report.tables[name], wanted)
    assert set(wrong) == unreadable, wrong
    assert len(unreadable) <= 0.02 * len(dict(flat_cells(wanted)))


def test_a_report_without_lines_scanned_is_audited_without_false_errors(line_free):
    assert [(f.rule, f.message) for f in line_free.findings if f.severity is Severity.ERROR] == []

# ---------------------------------------------------------------- the mutation suite's arithmetic defects


@pytest.mark.parametrize("mutation", [m for m in MUTATIONS if m.id in ARITHMETIC], ids=lambda m: m.id)
def test_each_arithmetic_defect_is_found_on_the_scanned_table_page(defects, mutation):
    assert defects.report.document.ocr_pages == [TABLE_PAGE]
    expect = {**mutation.expect.__dict__, "severity": None}  # the severity depends on the OCR confidence
    hits = [f for f in defects.findings if matches(f, expect)]
    assert hits, [(f.rule, f.severity.value, f.row, f.column) for f in defects.findings]
    for hit in hits:
        assert "OCR" in hit.message
        if hit.severity is Severity.WARNING:  # lowered: the message names the cells OCR was unsure of
            assert "识别置信度低于0.97" in hit.message and "请对照原件核实" in hit.message
        else:
            assert hit.severity is Severity.ERROR and "识别置信度均不低于0.97" in hit.message


def test_the_planted_defects_raise_nothing_else(defects):
    allowed = {m.expect.rule for m in MUTATIONS if m.id in ARITHMETIC}
    unexpected = [(f.rule, f.message) for f in defects.findings
                  if f.severity is not Severity.INFO and f.rule not in allowed | {"EXTRACT.ocr_uncertain"}]
    assert unexpected == []
    errors = [f for f in defects.findings if f.severity is Severity.ERROR]
    assert errors, "surely read numbers that do not add up are errors"


# ---------------------------------------------------------------- scans that hold no report


def test_a_blank_scanned_page_in_a_report_is_a_note_not_a_failure():
    result = audit_file(SCANS / "standard-blank-page.pdf", SETTINGS)
    document = result.report.document
    assert document.ocr_pages == [] and [(n.page, n.kind) for n in document.page_notes] == [(4, "blank_image")]
    (note,) = [f for f in result.findings if f.rule == "EXTRACT.page_unreadable"]
    assert (note.severity, note.page, note.message) == (Severity.INFO, 4, "第4页是空白图片，没有可识别的内容。")
    assert [f.rule for f in result.findings] == ["EXTRACT.page_unreadable"] and result.verdict == "warn"
    data = json.loads(render_json(result))
    assert data["source"]["page_notes"] == [{"page": 4, "kind": "blank_image", "message": note.message}]


def test_a_blank_scan_is_refused_with_a_clear_message():
    with pytest.raises(NoTextLayer) as raised:
        load_document(BAD / "blank-scan.pdf")
    assert raised.value.code == "no_text_layer"
    assert "“blank-scan.pdf”的页面只有图片，OCR 也未能从中识别出文字" in raised.value.message


def test_a_scan_with_no_report_in_it_is_not_a_report_and_a_garbage_text_layer_is_read_past():
    # the scanner laid a text layer of Latin junk over the image: no Chinese in it, so the page is read by OCR
    document = load_document(BAD / "scanned-notice.pdf")
    assert document.ocr_pages == [1]
    text = squash("".join(p.text for p in document.paragraphs))
    assert "政务公开工作推进会" in text and "¸" not in text
    with pytest.raises(NotAReport) as raised:
        extract_report(document)
    assert raised.value.code == "not_a_report" and "scanned-notice.pdf" in raised.value.message


def test_a_poor_scan_of_a_first_page_is_audited_for_what_it_holds():
    # bad/scanned.pdf: page 1 of the standard report at 100 dpi, JPEG quality 60 (it used to be refused)
    report = extract_report(load_document(BAD / "scanned.pdf"))
    assert report.document.ocr_pages == [1]
    assert (report.agency, report.year) == (STANDARD.agency, STANDARD.year)
    assert [k for k, s in report.sections.items() if s.present] == ["一", "二"]
    assert report.tables["table3"] is None and report.tables["table4"] is None
    wrong, unreadable = misread(report.tables["table2"], expected_table2(STANDARD))
    assert set(wrong) == unreadable and len(unreadable) <= 1, wrong


def test_the_review_of_a_stored_audit_still_names_the_pages_read_by_ocr(standard):
    import io

    from docx import Document as WordDocument

    from auditor.model import AuditResult
    from auditor.present.docx_report import render_docx
    from auditor.present.json_report import report_from_dict, result_to_dict

    stored = report_from_dict(result_to_dict(standard))  # as batch --docx-dir rebuilds it
    assert stored.document.ocr_pages == [1, 2, 3]
    result = AuditResult(report=stored, findings=standard.findings, verdict=standard.verdict, score=standard.score,
                         review=standard.review)
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(render_docx(result))).paragraphs)
    assert "扫描件：第1—3页为扫描图像，由 OCR 识别" in text
