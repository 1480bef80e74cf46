"""Every real report of tests/fixtures/real/ (copied from shared/real: a WPS PDF, saved web pages, crawler text):
its parts, every cell of the three tables, and every finding, as checked by hand in expected.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor.config import Settings
from auditor.model import CellState
from auditor.pipeline import audit_file

REAL = Path(__file__).parent / "fixtures" / "real"
EXPECTED = yaml.safe_load((REAL / "expected.yaml").read_text(encoding="utf-8"))
UNREADABLE_KINDS = {"ambiguous_split", "row_short", "row_truncated", "header_unreadable", "no_data_row"}


@pytest.fixture(scope="module")
def audited():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = audit_file(REAL / name, Settings())
        return cache[name]
    return get


def _read(cell) -> object:
    """A cell as expected.yaml writes it: the number, None for blank, '?' for unreadable, '/' for a slash."""
    return {CellState.NUMBER: cell.value, CellState.BLANK: None, CellState.UNREADABLE: "?",
            CellState.SLASH: "/"}[cell.state]


def _rows(table) -> dict:
    rows = {}
    for row, cells in table.cells.items():
        if table.name == "table2":
            rows[row] = _read(cells["value"]) if set(cells) == {"value"} else {c: _read(v) for c, v in cells.items()}
        else:
            rows[row] = [_read(cell) for cell in cells.values()]
    return rows


def test_every_real_report_has_expectations():
    files = sorted(p.name for p in REAL.iterdir() if p.suffix in (".pdf", ".html", ".txt"))
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_parts_and_metadata(name, audited):
    expected, report = EXPECTED[name], audited(name).report
    assert (report.agency, report.year) == (expected["agency"], expected["year"])
    assert "".join(k for k, s in report.sections.items() if s.present) == expected["sections"]


@pytest.mark.parametrize("table", ["table2", "table3", "table4"])
@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_cell(name, table, audited):
    expected, got = EXPECTED[name][table], audited(name).report.tables[table]
    assert got.layout == expected["layout"]
    assert _rows(got) == expected["rows"]
    if "columns" in expected:
        assert all(list(cells) == expected["columns"] for cells in got.cells.values())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_unreadable_cell_says_why(name, audited):
    report = audited(name).report
    for table in filter(None, report.tables.values()):
        explained = {note.row for note in table.notes if note.kind in UNREADABLE_KINDS}
        for row, cells in table.cells.items():
            if any(cell.state is CellState.UNREADABLE for cell in cells.values()):
                assert row in explained, (table.name, row)
                assert all(cell.note for cell in cells.values() if cell.state is CellState.UNREADABLE)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_findings_are_the_real_defects(name, audited):
    result = audited(name)
    got = sorted([[f.rule, f.severity.value, f.table, f.row, f.column, f.section] for f in result.findings],
                 key=lambda x: [str(v) for v in x])
    assert got == EXPECTED[name]["findings"]
    assert result.verdict == ("fail" if any(f[1] == "error" for f in got) else "warn" if got else "pass")


@pytest.mark.parametrize("name", [n for n in EXPECTED if n.endswith(".html")])
def test_a_web_page_names_its_report_whatever_the_file_is_called(name, tmp_path):
    """Crawlers save every article as page.html: title, body and year come from the page itself."""
    from auditor.pipeline import read_report
    copy = tmp_path / "page.html"
    copy.write_bytes((REAL / name).read_bytes())
    report = read_report(copy, Settings())
    assert (report.agency, report.year) == (EXPECTED[name]["agency"], EXPECTED[name]["year"])
    assert report.title == Path(name).stem
