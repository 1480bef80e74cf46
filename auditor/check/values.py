"""Cell-level rules: counts are non-negative integers, the fee a non-negative number; blanks should be 0."""

from __future__ import annotations

from ..config import Settings
from ..model import CellState, Finding, Report, Table
from .findings import cell_name, finding, number

_DECIMAL_ALLOWED = {("table2", "fees")}
_TABLE_NAMES = {"table2": "表二", "table3": "表三", "table4": "表四"}
_PER_CELL_UP_TO = 3  # more blank cells than this become one finding for the table


def check_values(report: Report, settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    for name, table in report.tables.items():
        if table is not None:
            findings += _check_table(table, settings)
    return findings


def _check_table(table: Table, settings: Settings) -> list[Finding]:
    prefix = {"table2": "T2", "table3": "T3", "table4": "T4"}[table.name]
    findings, blanks = [], []
    for row, columns in table.cells.items():
        for column, cell in columns.items():
            if cell.state is CellState.BLANK:
                blanks.append((row, column))
                continue
            if cell.state is not CellState.NUMBER:
                continue
            decimal_ok = (table.name, row) in _DECIMAL_ALLOWED
            if cell.value < 0 or (not decimal_ok and isinstance(cell.value, float) and not cell.value.is_integer()):
                what = "非负数" if decimal_ok else "非负整数"
                findings.append(finding(
                    f"{prefix}.value_invalid",
                    f"{cell_name(table.name, row, column, settings)}填写为{number(cell.value)}，应为{what}。",
                    settings=settings, table=table.name, row=row, column=None if column == "value" else column,
                    page=cell.page or table.page, evidence=cell.raw, actual=cell.value))
    if 0 < len(blanks) <= _PER_CELL_UP_TO:
        for row, column in blanks:
            cell = table.cells[row][column]
            findings.append(finding(
                f"{prefix}.blank_cell",
                f"{cell_name(table.name, row, column, settings)}为空白；按年报格式，没有发生的事项应填写0，不应留空。",
                settings=settings, table=table.name, row=row, column=None if column == "value" else column,
                page=cell.page or table.page))
    elif blanks:
        names = "、".join(cell_name(table.name, r, c, settings, short=True) for r, c in blanks[:3])
        findings.append(finding(
            f"{prefix}.blank_cell",
            f"{_TABLE_NAMES[table.name]}中{names}等{len(blanks)}个单元格为空白；按年报格式，没有发生的事项应填写0，不应留空。",
            settings=settings, table=table.name, page=table.page,
            evidence="；".join(cell_name(table.name, r, c, settings, short=True) for r, c in blanks[:25])))
    return findings
