"""Which cells and labels of the printed tables a finding points at, so views can highlight them.

A finding names its table and, where it can, a row and a column (spec/audit-json.md). Findings about
several cells name them in their evidence, as printed labels: 「row」×「column」 pairs, or
“row label=value” items for an identity that fails in one column. Those labels are mapped back to
keys here; this reads what the checks wrote and decides nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..extract.labels import labels
from ..model import AuditResult, Finding, Severity
from ..textnorm import squash

_PAIR = re.compile(r"「([^」]+)」×「([^」]+)」")
_ASSIGNMENT = re.compile(r"([^；;=]+)=")
_NAMED_ROW = re.compile(r"[“「]([^”」]+)[”」]行")
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Target:
    """A value cell (row and column), a row label (column None) or a column header (row None)."""

    table: str
    row: str | None
    column: str | None

    @property
    def is_cell(self) -> bool:
        return self.row is not None and self.column is not None


@lru_cache(maxsize=4)
def _reverse_labels(name: str) -> tuple[dict[str, str], dict[str, str]]:
    """Printed label (squashed) → key, for the rows and the columns of one table."""
    spec = labels(name)
    rows: dict[str, str] = {}
    columns: dict[str, str] = {}
    if name == "table2":
        for sub in spec["subtables"]:
            for row in sub["rows"]:
                rows[squash(row["label"])] = row["key"]
            for column in sub.get("columns", []):
                columns[squash(column["label"])] = column["key"]
    elif name == "table3":
        rows = {squash(r["label"]): r["key"] for r in spec["rows"]}
        columns = {squash(c["label"]): c["key"] for c in spec["columns"]}
    else:
        rows = {squash(g["label"]): g["key"] for g in spec["groups"]}
        columns = {squash(c["label"]): c["key"] for c in spec["columns"]}
    return rows, columns


def _row_key(table: str, label: str) -> str | None:
    return _reverse_labels(table)[0].get(squash(label))


def _column_key(table: str, label: str) -> str | None:
    return _reverse_labels(table)[1].get(squash(label))


def finding_targets(finding: Finding) -> list[Target]:
    """The cells, row labels or column headers of `finding.table` the finding is about, in order."""
    table = finding.table
    if table not in ("table2", "table3", "table4"):
        return []
    targets: list[Target] = []

    def add(row: str | None, column: str | None) -> None:
        target = Target(table, row, column)
        if target not in targets:
            targets.append(target)

    if finding.rule == "STRUCT.label_typo":
        # the misprinted label itself, not the numbers under it
        add(finding.row, None) if finding.row else add(None, finding.column)
        return targets
    flat = table == "table2" and finding.row in ("licensing", "punishment", "coercion", "fees")
    if finding.row and (finding.column or flat):
        add(finding.row, finding.column or "value")
    evidence = finding.evidence or ""
    for row_label, column_label in _PAIR.findall(evidence):
        row, column = _row_key(table, row_label), _column_key(table, column_label)
        if row and column:
            add(row, column)
    if finding.column and not finding.row:
        for label in _ASSIGNMENT.findall(evidence):
            row = _row_key(table, label.strip())
            if row:
                add(row, finding.column)
    if not targets:
        for label in _NAMED_ROW.findall(evidence):
            row = _row_key(table, label)
            if row:
                add(row, None)
    if not targets:
        if finding.column:
            add(finding.row, finding.column) if finding.row else add(None, finding.column)
        elif finding.row:
            add(finding.row, None)
    return targets


def table_marks(result: AuditResult, table: str) -> dict[Target, list[Finding]]:
    """For one table: each highlighted target → the findings on it, the most severe first."""
    marks: dict[Target, list[Finding]] = {}
    for finding in result.findings:
        if finding.table != table:
            continue
        for target in finding_targets(finding):
            marks.setdefault(target, []).append(finding)
    for found in marks.values():
        found.sort(key=lambda f: _ORDER[f.severity])
    return marks


def marks_for(marks: dict[Target, list[Finding]], table: str, row: str | None, column: str | None,
              kind: str, missing: bool = False) -> list[Finding]:
    """The findings on one printed form cell: a value cell, a row label or a column header.

    A value cell the report lacks also carries the findings on its missing column or row.
    """
    if kind == "value":
        found = list(marks.get(Target(table, row, column), []))
        if missing:
            found += marks.get(Target(table, None, column), []) + marks.get(Target(table, row, None), [])
        return found
    if kind == "label" and row is not None:
        return marks.get(Target(table, row, None), [])
    if kind == "head":
        if column is not None:
            return marks.get(Target(table, None, column), [])
        if row is not None:
            return marks.get(Target(table, row, None), [])
    return []
