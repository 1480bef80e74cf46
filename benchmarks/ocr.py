"""OCR benchmark: scanned copies of the generated fixtures, read cell by cell (not a test; prints a table).

Every generated PDF fixture (tests/fixtures/reports/: the formats' fixtures and the PDF-only layouts) is
scanned under each profile (resolution, rotation, noise, JPEG quality; tests/fixtures/builder/render_scan.py)
into a temporary folder and audited. Per
report and profile: pages read by OCR, seconds per OCR page, the share of the audit spent in OCR, and
how many cells of 表二/表三/表四 were read right (against the fixture's own numbers), wrong, or
unreadable (a wrong value is worse than an unreadable one: the checks say 无法校验 for the latter).
Usage: python benchmarks/ocr.py [--profiles clean-150,clean-200,rough-150] [--fixtures standard,...] [--committed]
(--committed adds the scans the tests read; --profiles "" --committed reads only those).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.config import Settings  # noqa: E402
from auditor.ingest import pdf as pdf_reader  # noqa: E402
from auditor.pipeline import audit_file  # noqa: E402
from auditor.present.json_report import table_to_contract  # noqa: E402
from tests.fixtures.builder.render_scan import SCANS_DIR, Scan, arithmetic_spec, scan  # noqa: E402
from tests.fixtures.builder.spec import (FIXTURES, LAYOUT_FIXTURES, expected_table2, expected_table3,  # noqa: E402
                                         expected_table4, flat_cells)

PROFILES = {
    "clean-150": Scan(dpi=150, angle=0.8, noise=4.0, quality=60, seed=1),
    "clean-200": Scan(dpi=200, angle=-1.2, noise=4.0, quality=60, seed=2),
    "rough-150": Scan(dpi=150, angle=1.8, noise=9.0, specks=0.001, quality=35, seed=3),
}


class OcrClock:
    """Wraps the PDF reader's OCR hook to count pages and the seconds spent in them."""

    def __init__(self):
        self.pages, self.seconds = 0, 0.0
        self.read = pdf_reader.read_scanned_page

    def __enter__(self):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self.read(*args, **kwargs)
            finally:
                self.pages += 1
                self.seconds += time.perf_counter() - start
        pdf_reader.read_scanned_page = timed
        return self

    def __exit__(self, *exc):
        pdf_reader.read_scanned_page = self.read


def score_cells(report, spec) -> tuple[int, int, int, list[str]]:
    """(right, wrong, unreadable, what was wrong) over every cell the fixture prints in its three tables;
    a cell of a table not found at all counts as wrong and is listed as "→ absent"."""
    right = wrong = unreadable = 0
    wrongs = []
    for name, expected in (("table2", expected_table2(spec)), ("table3", expected_table3(spec)),
                           ("table4", expected_table4(spec))):
        table = report.tables.get(name)
        got = dict(flat_cells(table_to_contract(table))) if table is not None else {}
        for key, value in flat_cells(expected):
            read = got.get(key, "absent")
            if read == value:
                right += 1
                continue
            cell = table.cells.get(key[0], {}).get(key[1] if len(key) > 1 else "value") if table else None
            if cell is not None and cell.state.value == "unreadable":
                unreadable += 1
            else:
                wrong += 1
                wrongs.append(f"{name}{list(key)}: {value} → {read}")
    return right, wrong, unreadable, wrongs


def committed_scans() -> list[tuple[Path, object]]:
    """The scans the tests read (tests/fixtures/scans/), with the spec each was made from."""
    standard = next(s for s in FIXTURES if s.name == "standard")
    line_free = next(s for s in LAYOUT_FIXTURES if s.name == "line-free-tables")
    return [(SCANS_DIR / "standard.pdf", standard), (SCANS_DIR / "line-free-tables.pdf", line_free),
            (SCANS_DIR / "arithmetic-defects.pdf", arithmetic_spec())]


def row(name: str, profile: str, clock: OcrClock, audit: float, scored: tuple) -> str:
    right, wrong, unreadable, _ = scored
    total = right + wrong + unreadable
    return (f"{name[:27]:<28}{profile:<11}{clock.pages:>10}{clock.seconds / max(clock.pages, 1):>8.2f}"
            f"{audit:>9.2f}{clock.seconds / audit:>10.1%}{f'{right}/{total}':>13}{wrong:>7}{unreadable:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--fixtures", default=",".join(s.name for s in FIXTURES + LAYOUT_FIXTURES))
    parser.add_argument("--show-wrong", action="store_true")
    parser.add_argument("--committed", action="store_true", help="also the scans of tests/fixtures/scans/")
    args = parser.parse_args()
    specs = [s for s in FIXTURES + LAYOUT_FIXTURES if s.name in args.fixtures.split(",")]
    settings = Settings()
    audit_file(ROOT / "tests" / "fixtures" / "reports" / "standard.pdf", settings)  # warm imports and data
    header = (f"{'report':<28}{'profile':<11}{'OCR pages':>10}{'s/page':>8}{'audit s':>9}{'OCR share':>10}"
              f"{'cells right':>13}{'wrong':>7}{'unread.':>9}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for profile in filter(None, args.profiles.split(",")):
            totals = [0, 0, 0, 0, 0.0, 0.0]  # right, wrong, unreadable, pages, ocr s, audit s
            for spec in specs:
                scanned = scan(ROOT / "tests" / "fixtures" / "reports" / f"{spec.name}.pdf",
                               Path(tmp) / f"{spec.name}-{profile}.pdf", PROFILES[profile])
                with OcrClock() as clock:
                    start = time.perf_counter()
                    result = audit_file(scanned, settings)
                    audit = time.perf_counter() - start
                right, wrong, unreadable, wrongs = score_cells(result.report, spec)
                print(row(spec.name, profile, clock, audit, (right, wrong, unreadable, wrongs)))
                if args.show_wrong:
                    for line in wrongs:
                        print(f"    {line}")
                for i, value in enumerate((right, wrong, unreadable, clock.pages, clock.seconds, audit)):
                    totals[i] += value
            right, wrong, unreadable, pages, ocr, audit = totals
            cells = right + wrong + unreadable
            print(f"{'all':<28}{profile:<11}{pages:>10}{ocr / pages:>8.2f}{audit:>9.2f}{ocr / audit:>10.1%}"
                  f"{f'{right}/{cells}':>13}{wrong:>7}{unreadable:>9}   {right / cells:.2%} right")
            print("-" * len(header))
    if args.committed:
        for path, spec in committed_scans():
            with OcrClock() as clock:
                start = time.perf_counter()
                result = audit_file(path, settings)
                audit = time.perf_counter() - start
            scored = score_cells(result.report, spec)
            print(row(f"scans/{path.name}", "committed", clock, audit, scored))
            for line in scored[3] if args.show_wrong else []:
                print(f"    {line}")


if __name__ == "__main__":
    main()
