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
