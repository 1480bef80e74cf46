"""The table identities: exact errors where the numbers prove them, 无法校验 where they cannot."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from auditor.check import run_checks
from auditor.check.verdict import score_of, verdict_of
from auditor.config import Settings
from auditor.model import Cell, CellState, Severity
from auditor.pipeline import read_report

ROOT = Path(__file__).parent / "fixtures"
SETTINGS = Settings()


@pytest.fixture(scope="module")
def clean():
    return read_report(ROOT / "reports" / "standard.md", SETTINGS)


def mutate(report, table, row, column, value=None, state=CellState.NUMBER):
    changed = copy.deepcopy(report)
    cell = changed.tables[table].cells[row][column]
    changed.tables[table].cells[row][column] = Cell(value, state, "" if value is None else str(value), cell.page)
    return changed


def arithmetic(findings):
    return [f for f in findings if f.rule.startswith(("T3.", "T4."))]


def test_clean_report_has_no_finding(clean):
    findings = run_checks(clean, settings=SETTINGS)
    assert findings == []
    assert verdict_of(findings) == "pass" and score_of(findings) == 100.0


def test_changed_carry_over_breaks_the_identity_of_its_column_only(clean):
    old = clean.tables["table3"].cells["carried_over"]["research"].value
    report = mutate(clean, "table3", "carried_over", "research", old + 5)
    found = arithmetic(run_checks(report, settings=SETTINGS))
    # the column identity and the row total of 二、上年结转 both fail, nothing else
    assert sorted((f.rule, f.row, f.column) for f in found) == [
        ("T3.identity", None, "research"), ("T3.row_total", "carried_over", "total")]
    identity = next(f for f in found if f.rule == "T3.identity")
    assert identity.severity is Severity.ERROR
    assert identity.expected - identity.actual == 5
    assert "表三「科研机构」列勾稽关系不成立" in identity.message and "相差5" in identity.message


def test_wrong_results_total(clean):
    value = clean.tables["table3"].cells["results_total"]["natural_person"].value
    report = mutate(clean, "table3", "results_total", "natural_person", value + 1)
    found = {(f.rule, f.row, f.column) for f in arithmetic(run_checks(report, settings=SETTINGS))}
    assert found == {("T3.identity", None, "natural_person"), ("T3.results_total", "results_total", "natural_person"),
                     ("T3.row_total", "results_total", "total")}


def test_table4_group_total(clean):
    value = clean.tables["table4"].cells["litigation_direct"]["total"].value
    report = mutate(clean, "table4", "litigation_direct", "total", value + 2)
    (only,) = arithmetic(run_checks(report, settings=SETTINGS))
    assert (only.rule, only.row, only.column, only.expected, only.actual) == (
        "T4.sum", "litigation_direct", "total", value, value + 2)
    assert "表四「未经复议直接起诉」的总计" in only.message


def test_blank_that_would_make_an_identity_fail_is_unverifiable_not_an_error(clean):
    report = mutate(clean, "table3", "carried_forward", "natural_person", None, CellState.BLANK)
    found = arithmetic(run_checks(report, settings=SETTINGS))
    identity = [f for f in found if f.rule == "T3.identity"]
    assert [f.severity for f in identity] == [Severity.WARNING]
    assert identity[0].message.startswith("无法校验") and "空白" in identity[0].message
    assert not [f for f in found if f.severity is Severity.ERROR]


def test_blank_zero_cells_are_only_a_form_finding(clean):
    report = copy.deepcopy(clean)
    for row in report.tables["table3"].cells.values():
        for column, cell in row.items():
            if cell.value == 0:
                row[column] = Cell(None, CellState.BLANK, "", cell.page)
    findings = run_checks(report, settings=SETTINGS)
    assert [(f.rule, f.severity) for f in findings] == [("T3.blank_cell", Severity.INFO)]


def test_unreadable_cell_makes_identities_unverifiable(clean):
    report = mutate(clean, "table3", "disclosed", "commercial", None, CellState.UNREADABLE)
    found = arithmetic(run_checks(report, settings=SETTINGS))
    assert {f.rule for f in found} == {"T3.results_total", "T3.row_total"}
    assert all(f.severity is Severity.INFO and f.message.startswith("无法校验") for f in found)


def test_negative_and_fractional_counts(clean):
    report = mutate(clean, "table3", "disclosed", "commercial", -1)
    assert "T3.value_invalid" in {f.rule for f in run_checks(report, settings=SETTINGS)}
    report = mutate(clean, "table4", "review", "upheld", 1.5)
    assert "T4.value_invalid" in {f.rule for f in run_checks(report, settings=SETTINGS)}


@pytest.mark.parametrize("seed", sorted((ROOT / "seeds").glob("*.txt")), ids=lambda p: p.stem)
def test_no_seed_gets_a_false_arithmetic_error(seed):
    findings = run_checks(read_report(seed, SETTINGS), settings=SETTINGS)
    assert not [f for f in arithmetic(findings) if f.severity is Severity.ERROR]


# ---------------------------------------------------------------- numbers read by OCR from a scan


def read_by_ocr(report, confidence: float, unsure: dict[tuple[str, str], float] = {}):
    """The report as if 表三 and 表四 had been read by OCR: every cell with `confidence`, some with their own."""
    scanned = copy.deepcopy(report)
    for name in ("table3", "table4"):
        for row, columns in scanned.tables[name].cells.items():
            for column, cell in columns.items():
                cell.confidence = unsure.get((row, column), confidence)
    return scanned


def test_an_identity_failing_on_surely_read_ocr_cells_stays_an_error_and_says_so(clean):
    old = clean.tables["table3"].cells["carried_over"]["research"].value
    report = read_by_ocr(mutate(clean, "table3", "carried_over", "research", old + 5), 0.99)
    report.tables["table3"].cells["carried_over"]["research"].confidence = 0.99
    identity = next(f for f in arithmetic(run_checks(report, settings=SETTINGS)) if f.rule == "T3.identity")
    assert identity.severity is Severity.ERROR and identity.column == "research"
    assert "以上数值由 OCR 从扫描页识别，涉及的4个单元格识别置信度均不低于0.97" in identity.message


def test_an_identity_failing_on_an_unsure_ocr_cell_is_a_warning_that_names_it(clean):
    old = clean.tables["table3"].cells["carried_over"]["research"].value
    changed = mutate(clean, "table3", "carried_over", "research", old + 5)
    report = read_by_ocr(changed, 0.99, {("carried_over", "research"): 0.9})
    found = arithmetic(run_checks(report, settings=SETTINGS))
    identity = next(f for f in found if f.rule == "T3.identity")
    assert identity.severity is Severity.WARNING
    assert (f"「二、上年结转政府信息公开申请数量」×「科研机构」（识别为{old + 5}，置信度0.90）识别置信度低于0.97，"
            "差异可能来自识别误差，请对照原件核实") in identity.message
    row_total = next(f for f in found if f.rule == "T3.row_total")  # the same cell: also only a warning
    assert row_total.severity is Severity.WARNING and "OCR" in row_total.message
    assert not [f for f in found if f.severity is Severity.ERROR]
    stricter = Settings(ocr_confident=0.85)  # the threshold is a setting
    assert {f.severity for f in arithmetic(run_checks(report, settings=stricter))} == {Severity.ERROR}


def test_an_ocr_cell_below_the_reading_threshold_is_unreadable_with_its_text_kept(clean):
    from auditor.extract.cells import distrust_uncertain_ocr

    report = read_by_ocr(clean, 0.99, {("disclosed", "commercial"): 0.6, ("disclosed", "research"): 0.0})
    table = report.tables["table3"]
    table.cells["disclosed"]["research"] = Cell(None, CellState.BLANK, "", 2, confidence=0.0)  # ink, no text
    seen = table.cells["disclosed"]["commercial"].raw
    distrust_uncertain_ocr(table, SETTINGS.ocr_min_confidence)
    commercial, research = table.cells["disclosed"]["commercial"], table.cells["disclosed"]["research"]
    assert (commercial.state, commercial.value, commercial.raw) == (CellState.UNREADABLE, None, seen)
    assert commercial.note == f"OCR 识别为“{seen}”，置信度 0.60 低于 0.80，不足以采信"
    assert research.state is CellState.UNREADABLE and research.note == "扫描图像中此格有笔迹，但 OCR 未能识别"
    assert table.cells["disclosed"]["natural_person"].state is CellState.NUMBER  # read surely: kept
    findings = run_checks(report, settings=SETTINGS)
    assert not [f for f in findings if f.severity is Severity.ERROR]
    (uncertain,) = [f for f in findings if f.rule == "EXTRACT.ocr_uncertain"]
    assert uncertain.severity is Severity.WARNING and uncertain.table == "table3"
    assert uncertain.message.startswith(f"表三是扫描图像，其中「（一）予以公开」×「商业企业」（OCR 识别为“{seen}”，置信度 0.60")
    assert "按“无法识别”处理，相关勾稽关系无法校验；请对照原件核实" in uncertain.message
    results = [f for f in findings if f.rule == "T3.results_total"]
    assert results and all(f.message.startswith("无法校验") for f in results)
