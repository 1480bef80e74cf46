"""Every cell of every generated fixture, in every format and layout it is rendered in, is read exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.extract import extract_report
from auditor.ingest import load_document
from auditor.model import CellState
from auditor.present.json_report import table_to_contract
from auditor.textnorm import squash
from tests.fixtures.builder.render_browser import PRINTED
from tests.fixtures.builder.spec import (FIXTURES, FLATTENED_FIXTURES, LAYOUT_FIXTURES, expected_table2,
                                         expected_table3, expected_table4)

REPORTS = Path(__file__).parent / "fixtures" / "reports"
FORMATS = ("pdf", "docx", "html")
BY_NAME = {spec.name: spec for spec in FIXTURES}
CASES = ([(spec, f"{spec.name}.{fmt}") for spec in FIXTURES for fmt in FORMATS]
         + [(spec, f"{spec.name}.pdf") for spec in LAYOUT_FIXTURES]  # WPS frames, split labels, line-free tables
         + [(BY_NAME[name], f"{name}-browser.pdf") for name in PRINTED])  # printed from a browser
IDS = [name for _, name in CASES]
EXPECTED = {"table2": expected_table2, "table3": expected_table3, "table4": expected_table4}


@pytest.fixture(scope="module")
def extracted():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = extract_report(load_document(REPORTS / name))
        return cache[name]
    return get


@pytest.mark.parametrize("table", ["table2", "table3", "table4"])
@pytest.mark.parametrize("spec,name", CASES, ids=IDS)
def test_every_cell(spec, name, table, extracted):
    report = extracted(name)
    assert table_to_contract(report.tables[table]) == EXPECTED[table](spec)


@pytest.mark.parametrize("spec,name", CASES, ids=IDS)
def test_metadata_and_sections(spec, name, extracted):
    report = extracted(name)
    assert report.agency == spec.agency
    assert report.year == spec.year
    assert all(report.sections[key].present for key in "一二三四五六"), {k: s.heading for k, s in report.sections.items()}
    assert squash(spec.sections["六"][0]) in squash(report.sections["六"].text)
    assert squash(spec.sections["一"][1]) in squash(report.sections["一"].text)  # prose stays prose, in order


@pytest.mark.parametrize("spec,name", CASES, ids=IDS)
def test_layout_quirks_are_recorded(spec, name, extracted):
    report = extracted(name)
    t3, t4, t2 = report.tables["table3"], report.tables["table4"], report.tables["table2"]
    assert (t3.missing_columns == ["total"]) == spec.layout.drop_total_column
    assert (("litigation_after_review", "total") in t4.missing_cells) == spec.layout.drop_table4_after_review_total
    assert (t3.layout == "2019") == spec.layout.layout_2019
    assert (t2.layout == "2019") == spec.layout.layout_2019
    printed = {t.printed for t in t2.label_typos + t3.label_typos + t4.label_typos}
    assert printed == {squash(typo) for typo in spec.layout.typos.values()}
    if spec.layout.split_row and name == f"{spec.name}.pdf":  # the page break of reportlab's PDF only
        joined = [note.row for note in t3.notes if note.kind == "row_joined"]
        assert joined == [spec.layout.split_row]


# ---------------------------------------------------------------- flattened text: read where one reading exists

# cells that stay unreadable because their run of digits has several readings that fit every identity
FLATTENED_UNREADABLE = {
    "standard": {"table2": 6, "table3": 0, "table4": 15},
    "small-body": {"table2": 6, "table3": 0, "table4": 0},
}


def _cells(contract: dict) -> dict[tuple[str, str], object]:
    return {(row, column): value for row, values in contract.items()
            for column, value in (values.items() if isinstance(values, dict) else [("value", values)])}


@pytest.mark.parametrize("spec", FLATTENED_FIXTURES, ids=[s.name for s in FLATTENED_FIXTURES])
def test_flattened_text_reads_each_cell_right_or_says_it_cannot(spec):
    report = extract_report(load_document(REPORTS / f"{spec.name}-flattened.txt"))
    assert (report.agency, report.year) == (spec.agency, spec.year)
    assert all(report.sections[key].present for key in "一二三四五六")
    for table, expected in EXPECTED.items():
        got, want = report.tables[table], _cells(expected(spec))
        read = _cells(table_to_contract(got))
        assert set(read) == set(want)
        wrong = {key: (read[key], value) for key, value in want.items() if read[key] is not None and read[key] != value}
        assert wrong == {}  # never a guessed number
        unreadable = [cell for row in got.cells.values() for cell in row.values() if cell.state is CellState.UNREADABLE]
        assert len(unreadable) == FLATTENED_UNREADABLE[spec.name][table]
        assert all(cell.note for cell in unreadable)
