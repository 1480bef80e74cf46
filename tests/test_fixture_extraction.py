"""Every cell of every generated fixture, in every format it is rendered in, is read exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.extract import extract_report
from auditor.ingest import load_document
from auditor.present.json_report import table_to_contract
from auditor.textnorm import squash
from tests.fixtures.builder.spec import FIXTURES, expected_table2, expected_table3, expected_table4

REPORTS = Path(__file__).parent / "fixtures" / "reports"
FORMATS = ("pdf", "docx", "html")
CASES = [(spec, fmt) for spec in FIXTURES for fmt in FORMATS]


@pytest.fixture(scope="module")
def extracted():
    cache = {}

    def get(spec, fmt):
        key = (spec.name, fmt)
        if key not in cache:
            path = REPORTS / f"{spec.name}.{fmt}"
            cache[key] = extract_report(load_document(path))
        return cache[key]
    return get


@pytest.mark.parametrize("spec,fmt", CASES, ids=[f"{s.name}.{f}" for s, f in CASES])
def test_every_cell_of_table3(spec, fmt, extracted):
    report = extracted(spec, fmt)
    assert table_to_contract(report.tables["table3"]) == expected_table3(spec)


@pytest.mark.parametrize("spec,fmt", CASES, ids=[f"{s.name}.{f}" for s, f in CASES])
def test_every_cell_of_table4(spec, fmt, extracted):
    report = extracted(spec, fmt)
    assert table_to_contract(report.tables["table4"]) == expected_table4(spec)


@pytest.mark.parametrize("spec,fmt", CASES, ids=[f"{s.name}.{f}" for s, f in CASES])
def test_every_cell_of_table2(spec, fmt, extracted):
    report = extracted(spec, fmt)
    assert table_to_contract(report.tables["table2"]) == expected_table2(spec)


@pytest.mark.parametrize("spec,fmt", CASES, ids=[f"{s.name}.{f}" for s, f in CASES])
def test_metadata_and_sections(spec, fmt, extracted):
    report = extracted(spec, fmt)
    assert report.agency == spec.agency
    assert report.year == spec.year
    assert all(report.sections[key].present for key in "一二三四五六"), {k: s.heading for k, s in report.sections.items()}
    assert squash(spec.sections["六"][0]) in squash(report.sections["六"].text)


@pytest.mark.parametrize("spec,fmt", CASES, ids=[f"{s.name}.{f}" for s, f in CASES])
def test_layout_quirks_are_recorded(spec, fmt, extracted):
    report = extracted(spec, fmt)
    t3, t4, t2 = report.tables["table3"], report.tables["table4"], report.tables["table2"]
    assert (t3.missing_columns == ["total"]) == spec.layout.drop_total_column
    assert (("litigation_after_review", "total") in t4.missing_cells) == spec.layout.drop_table4_after_review_total
    assert (t3.layout == "2019") == spec.layout.layout_2019
    assert (t2.layout == "2019") == spec.layout.layout_2019
    printed = {t.printed for t in t2.label_typos + t3.label_typos + t4.label_typos}
    assert printed == {squash(typo) for typo in spec.layout.typos.values()}
