"""The three standard tables laid out as the official form prints them (国办公开办函〔2021〕30号 附件).

`table_form(table, name)` returns a grid of FormCells with row and column spans and the printed labels
from data/labels; the HTML view and the Excel workbook both draw this one layout. A value cell keeps
its (row, column) key and the Cell it shows, so a renderer can highlight it and say where it came from.
Blank cells stay blank; a row, column or cell the report lacks is shown as “（缺）”.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...check.findings import TABLE_NAMES
from ...extract.labels import labels
from ...model import Cell, CellState, Table

MISSING_TEXT = "（缺）"


@dataclass(frozen=True)
class FormCell:
    text: str
    kind: str  # "title" | "head" | "label" | "value"
    rowspan: int = 1
    colspan: int = 1
    row: str | None = None  # contract row key: of a value cell, or of the row a label names
    column: str | None = None  # contract column key: of a value cell, or of the column a header names
    cell: Cell | None = None  # the value as read, for value cells
    missing: bool = False  # the report lacks this row, column or cell

    @property
    def state(self) -> str:
        if self.missing:
            return "missing"
        return self.cell.state.value if self.cell is not None else ""


@dataclass
class Form:
    name: str  # table2 / table3 / table4
    title: str  # 表三 收到和处理政府信息公开申请情况
    width: int  # columns of the grid
    rows: list[list[FormCell]] = field(default_factory=list)
    found: bool = True


def display_value(cell: Cell | None) -> str:
    """What a value cell shows: the number, "" for a blank, "/" and "？" (unreadable) as such."""
    if cell is None:
        return MISSING_TEXT
    if cell.state is CellState.NUMBER:
        return f"{cell.value:g}" if isinstance(cell.value, float) else str(cell.value)
    return {CellState.BLANK: "", CellState.SLASH: "/", CellState.UNREADABLE: "？"}[cell.state]


def _value(table: Table, row: str, column: str) -> FormCell:
    cell = table.cells.get(row, {}).get(column)
    return FormCell(display_value(cell), "value", row=row, column=column, cell=cell, missing=cell is None)


def table_form(table: Table | None, name: str) -> Form:
    """The official layout of 表二/表三/表四 filled with the table's cells; `found` is False without a table."""
    spec = labels(name)
    form = Form(name=name, title=f"{TABLE_NAMES[name]} {spec['title']}", width=0, found=table is not None)
    if table is None:
        return form
    {"table2": _table2, "table3": _table3, "table4": _table4}[name](table, spec, form)
    return form


def _table2(table: Table, spec: dict, form: Form) -> None:
    form.width = 4
    for sub in spec["subtables"]:
        form.rows.append([FormCell(sub["item"], "title", colspan=4)])
        columns = sub.get("columns")
        if columns:
            form.rows.append([FormCell(sub["header"][0], "head")]
                             + [FormCell(c["label"], "head", column=c["key"]) for c in columns])
            for row in sub["rows"]:
                form.rows.append([FormCell(row["label"], "label", row=row["key"])]
                                 + [_value(table, row["key"], c["key"]) for c in columns])
        else:
            form.rows.append([FormCell(sub["header"][0], "head"), FormCell(sub["header"][1], "head", colspan=3)])
            for row in sub["rows"]:
                value = _value(table, row["key"], "value")
                form.rows.append([FormCell(row["label"], "label", row=row["key"]),
                                  FormCell(value.text, "value", colspan=3, row=row["key"], column="value",
                                           cell=value.cell, missing=value.missing)])


def _table3(table: Table, spec: dict, form: Form) -> None:
    columns = spec["columns"]
    orgs = next(g for g in spec["column_groups"])
    org_keys = set(orgs["columns"])
    form.width = 3 + len(columns)

    def head(column: dict, rowspan: int = 1) -> FormCell:
        return FormCell(column["label"], "head", rowspan=rowspan, column=column["key"],
                        missing=column["key"] in table.missing_columns)

    form.rows.append([FormCell(spec["note"], "head", rowspan=3, colspan=3),
                      FormCell("申请人情况", "head", colspan=len(columns))])
    second = []
    for column in columns:
        if column["key"] == orgs["columns"][0]:
            second.append(FormCell(orgs["label"], "head", colspan=len(orgs["columns"])))
        elif column["key"] not in org_keys:
            second.append(head(column, rowspan=2))
    form.rows.append(second)
    form.rows.append([head(c) for c in columns if c["key"] in org_keys])

    rows = spec["rows"]
    groups = {g["key"]: g["label"] for g in spec["groups"]}
    results = [r for r in rows if r["key"] not in ("new_received", "carried_over", "carried_forward")]
    for row in rows:
        key = row["key"]
        line: list[FormCell] = []
        if row is results[0]:
            line.append(FormCell(groups["results"], "label", rowspan=len(results)))
        group = row.get("group")
        label = FormCell(row["label"], "label", row=key, missing=key not in table.cells)
        if row in results and group:
            members = [r for r in results if r.get("group") == group]
            if row is members[0]:
                line.append(FormCell(groups[group], "label", rowspan=len(members)))
            line.append(label)
        elif row in results:
            line.append(FormCell(label.text, "label", colspan=2, row=key, missing=label.missing))
        else:
            line.append(FormCell(label.text, "label", colspan=3, row=key, missing=label.missing))
        line += [_value(table, key, c["key"]) for c in columns]
        form.rows.append(line)


def _table4(table: Table, spec: dict, form: Form) -> None:
    columns, groups = spec["columns"], spec["groups"]
    n = len(columns)
    form.width = n * len(groups)
    review, *litigation = groups
    form.rows.append([FormCell(review["label"], "head", colspan=n, row=review["key"]),
                      FormCell("行政诉讼", "head", colspan=n * len(litigation))])
    form.rows.append([FormCell(c["label"], "head", rowspan=2, row=review["key"], column=c["key"]) for c in columns]
                     + [FormCell(g["label"], "head", colspan=n, row=g["key"]) for g in litigation])
    form.rows.append([FormCell(c["label"], "head", row=g["key"], column=c["key"]) for g in litigation for c in columns])
    form.rows.append([_value(table, g["key"], c["key"]) for g in groups for c in columns])
