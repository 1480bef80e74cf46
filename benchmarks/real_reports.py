"""The real reports, one line each: what was read and what was found (not a test; nothing passes or fails).

For every real report (tests/fixtures/real: a WPS PDF, saved web pages, crawler text; tests/fixtures/seeds: text
extracted from PDFs): the parts found, the tables found, cells read / unreadable, identities verified / failed /
无法校验, findings by severity, the rules that fired, and seconds. Read every error it shows once by hand: a false
one is a bug.

Usage: python benchmarks/real_reports.py [--messages] [FILE ...]
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = [*sorted(p for p in (ROOT / "tests" / "fixtures" / "real").iterdir() if p.suffix in (".pdf", ".html", ".txt")),
          *sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"))]


def width(text: str) -> int:
    """Columns a text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def line_of(path: Path, show_messages: bool) -> tuple[list[str], list[str]]:
    from auditor.check.arithmetic import identity_outcomes
    from auditor.config import Settings
    from auditor.model import CellState
    from auditor.pipeline import audit_file

    start = time.perf_counter()
    result = audit_file(path, Settings())
    seconds = time.perf_counter() - start
    report = result.report
    cells = [cell for table in report.tables.values() if table is not None
             for row in table.cells.values() for cell in row.values()]
    unreadable = sum(1 for cell in cells if cell.state is CellState.UNREADABLE)
    status = Counter(outcome for _, _, outcome in identity_outcomes(report))
    severity = Counter(f.severity.value for f in result.findings)
    rules = Counter(f.rule for f in result.findings)
    row = [path.name[:28],
           "".join(k if s.present else "·" for k, s in report.sections.items()),
           "".join(("二三四"[i] if report.tables[name] is not None else "·")
                   for i, name in enumerate(("table2", "table3", "table4"))),
           f"{len(cells) - unreadable}/{unreadable}",
           f"{status['ok']}/{status['fail'] + status['fail_with_blanks']}/{status['unverifiable']}",
           f"{severity['error']}/{severity['warning']}/{severity['info']}",
           " ".join(f"{rule}×{n}" if n > 1 else rule for rule, n in sorted(rules.items())) or "-",
           f"{seconds:.2f}"]
    messages = [f"    {f.severity.value:<7} {f.rule:<26} {f.message}" for f in result.findings
                if show_messages or f.severity.value == "error"]
    return row, messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--messages", action="store_true", help="print every finding's message, not only errors")
    args = parser.parse_args()
    header = ["report", "parts", "tables", "cells read/unreadable", "identities ok/failed/无法校验",
              "error/warning/info", "rules", "seconds"]
    rows, notes = [], []
    for path in args.files or CORPUS:
        row, messages = line_of(path, args.messages)
        rows.append(row)
        notes.append((row[0], messages))
    widths = [max(width(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 2)]
    for r in [header, *rows]:
        print("  ".join(pad(str(v), w) for v, w in zip(r, widths)) + f"  {r[-1]:>7}  {r[-2]}")
    for name, messages in notes:
        if messages:
            print(f"\n{name}")
            print("\n".join(messages))


if __name__ == "__main__":
    main()
