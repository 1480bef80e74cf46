"""Questions about table cells, answered from the extracted tables only: the value of one cell, a sum over a group
of rows or columns, or a share; every cell used is cited with its table, row, column, page, value and raw text.

A blank, "/" or unreadable cell is said to be so, never read as 0; a row or column the report's table lacks is
said to be missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..check.findings import TABLE_NAMES, cell_name, column_label, row_label
from ..config import Settings
from ..model import Cell, CellState, Report
from ..textnorm import squash, strip_enumerator
from .answer import CELL, Citation
from .vocabulary import EACH, ONE, SUM, TABLES, Term, Vocabulary, contains_any

_STATE_TEXT = {CellState.BLANK: "空白（未填写数字，空白不等于0）", CellState.SLASH: "“/”",
               CellState.UNREADABLE: "未能识别"}


@dataclass(frozen=True)
class Selection:
    """Rows (or columns) named by one phrase: one key, a group to add up, or several to list one by one."""

    keys: tuple[str, ...]
    combine: str = ONE
    name: str = ""


@dataclass(frozen=True)
class CellRequest:
    table: str
    rows: tuple[Selection, ...] = ()
    columns: tuple[Selection, ...] = ()
    share: bool = False
    named_table: bool = False  # the question said 表二/表三/表四

    def merged(self, follow_up: "CellRequest") -> "CellRequest":
        """A follow-up ("那法人呢？") keeps what it does not say from this request."""
        if follow_up.table != self.table and (follow_up.rows or follow_up.named_table):
            return follow_up
        return CellRequest(self.table, follow_up.rows or self.rows, follow_up.columns or self.columns,
                           follow_up.share or self.share, self.named_table)


@dataclass
class CellFacts:
    """The numbers behind an answer: what the text says and the cells it rests on."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)  # computed numbers (sums, shares) the answer may state
    items: list[dict] = field(default_factory=list)  # one per value asked for, for the LLM tool


def parse_request(question: str, vocab: Vocabulary) -> CellRequest | None:
    """The cells a question names, or None when it names no row or column."""
    found = vocab.find_terms(question)
    if not found:
        return None
    table = _choose_table(found)
    if table is None:
        return None
    terms = [next(t for t in meanings if t.table == table) for meanings in found
             if any(t.table == table for t in meanings)]
    # "法人 合计": a word for adding up is not the 总计 column when another column is named
    text = squash(question)
    sum_words = set(vocab.cues("cells", "sum"))
    columns_named = [t for t in terms if t.axis == "column"]
    if len(columns_named) > 1:
        terms = [t for t in terms if not (t.axis == "column" and text[t.start:t.end] in sum_words)]
    rows = _narrowest(tuple(Selection(t.keys, t.combine, t.name) for t in terms if t.axis == "row"))
    columns = _narrowest(tuple(Selection(t.keys, t.combine, t.name) for t in terms if t.axis == "column"))
    named = any(t.axis == "table" for t in terms)
    if not rows and not columns and not named:
        return None
    share = contains_any(question, vocab.cues("cells", "share")) is not None
    base = vocab.tables[table].get("share_base_row")
    if share and len(rows) > 1 and base:  # "予以公开占办理结果的比例": 办理结果 is the base, not a row asked for
        rows = tuple(r for r in rows if r.keys != (base,)) or rows
    return CellRequest(table, rows, columns, share, named)


def _narrowest(selections: tuple[Selection, ...]) -> tuple[Selection, ...]:
    """"属于国家秘密不予公开的": the one row named inside a group stands for the group."""
    singles = {s.keys[0] for s in selections if len(s.keys) == 1}
    return tuple(s for s in selections if len(s.keys) == 1 or not singles & set(s.keys))


def _choose_table(found: list[list[Term]]) -> str | None:
    """The table the question is about: the one it names, else the one whose rows/columns it names most."""
    named = [t.table for meanings in found for t in meanings if t.axis == "table"]
    if named:
        return named[0]
    score = {table: 0.0 for table in TABLES}
    for meanings in found:
        for term in meanings:
            # a phrase that means something in one table only says more than one shared by several
            score[term.table] += term.length * (2 if term.axis == "row" else 1) / len(meanings)
    best = max(TABLES, key=lambda t: (score[t], t == "table3"))
    return best if score[best] > 0 else None


def answer_cells(report: Report, request: CellRequest, vocab: Vocabulary, settings: Settings) -> CellFacts:
    table = report.tables.get(request.table)
    name = TABLE_NAMES[request.table]
    if table is None:
        return CellFacts(f"报告中未找到{name}，无法回答。")
    spec = vocab.tables[request.table]
    rows = request.rows or ((Selection((spec["default_row"],)),) if spec.get("default_row") else ())
    columns = request.columns or ((Selection((spec["default_column"],)),) if spec.get("default_column") else ())
    if not rows:
        return CellFacts(f"请说明要查{name}的哪一行（例如{_example(request.table, settings)}）。")
    flat = set(spec.get("flat_rows") or [])
    lines: list[str] = []
    facts = CellFacts("")
    for row_sel in _expand(rows):
        for column_sel in _expand(columns):
            if all(r in flat for r in row_sel.keys):
                column_sel = Selection(("value",))
            line = _one(report, request, row_sel, column_sel, vocab, settings, facts)
            if line not in lines:
                lines.append(line)
    facts.text = "；".join(lines) + "。"
    return facts


def _expand(selections: tuple[Selection, ...]) -> list[Selection]:
    out = []
    for sel in selections:
        if sel.combine == EACH:
            out += [Selection((key,)) for key in sel.keys]
        else:
            out.append(sel)
    return out


def _example(table: str, settings: Settings) -> str:
    return {"table2": "“规章 本年制发”", "table3": "“本年新收”“予以公开”", "table4": "“行政复议 结果纠正”"}[table]


def _cells(report: Report, table: str, rows: tuple[str, ...], columns: tuple[str, ...]) -> list[tuple[str, str, Cell | None]]:
    grid = report.tables[table].cells
    return [(r, c, grid.get(r, {}).get(c)) for r in rows for c in columns]


def cite_cell(table: str, row: str, column: str, cell: Cell, settings: Settings) -> Citation:
    return Citation(kind=CELL, label=cell_name(table, row, column, settings), table=table, row=row,
                    column=None if column == "value" else column, value=cell.value, raw=cell.raw,
                    state=cell.state.value, page=cell.page, bbox=cell.bbox)


def _number(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _label(table: str, sel: Selection, axis: str, settings: Settings) -> str:
    if len(sel.keys) == 1:
        key = sel.keys[0]
        if key == "value":
            return ""
        return f"「{(row_label if axis == 'row' else column_label)(table, key, settings)}」"
    return f"「{sel.name}」"


def _one(report: Report, request: CellRequest, row_sel: Selection, column_sel: Selection, vocab: Vocabulary,
         settings: Settings, facts: CellFacts) -> str:
    table = request.table
    grid = report.tables[table]
    name = TABLE_NAMES[table]
    where = name + _label(table, row_sel, "row", settings) + (
        ("×" + _label(table, column_sel, "column", settings)) if column_sel.keys != ("value",) else "")
    missing_columns = [c for c in column_sel.keys if c in grid.missing_columns]
    if column_sel.keys == ("total",) and missing_columns:
        # no 总计 column: add up the applicant columns instead, and say so
        applicants = tuple(c for c in _columns_of(vocab, table) if c != "total" and c not in grid.missing_columns)
        note = f"报告{name}没有「总计」列（表格结构被改动）"
        text = _combined(report, request, row_sel, Selection(applicants, SUM, "各类申请人"), vocab, settings, facts)
        if facts.items:
            facts.items[-1]["note"] = note
        return f"{note}；{text}"
    return _combined(report, request, row_sel, column_sel, vocab, settings, facts, where)


def _columns_of(vocab: Vocabulary, table: str) -> list[str]:
    return list((vocab.tables[table].get("columns") or {}).keys())


def _combined(report: Report, request: CellRequest, row_sel: Selection, column_sel: Selection, vocab: Vocabulary,
              settings: Settings, facts: CellFacts, where: str | None = None) -> str:
    table = request.table
    where = where or TABLE_NAMES[table] + _label(table, row_sel, "row", settings) + "×" + _label(
        table, column_sel, "column", settings)
    cells = _cells(report, table, row_sel.keys, column_sel.keys)
    unit = vocab.unit(table, row_sel.keys[0])
    present = [(r, c, cell) for r, c, cell in cells if cell is not None]
    for r, c, cell in present:
        facts.citations.append(cite_cell(table, r, c, cell, settings))
    absent = [(r, c) for r, c, cell in cells if cell is None]
    if not present:
        facts.items.append({"cell": where, "value": None, "state": "不存在（表格中缺少该行、列或单元格）"})
        return f"报告{where}不存在（表格中缺少该行、列或单元格）"
    numbers = [cell for _, _, cell in present if cell.state is CellState.NUMBER]
    others = [cell for _, _, cell in present if cell.state is not CellState.NUMBER]
    item = {"cell": where, "unit": unit, "cells": len(present)}
    if len(cells) == 1:
        cell = present[0][2]
        if cell.state is CellState.NUMBER:
            item["value"] = cell.value
            text = f"{where}为{_number(cell.value)}{unit}"
            text += _share(report, request, row_sel, column_sel, cell.value, vocab, settings, facts, item)
        else:
            item["value"] = None
            item["state"] = _STATE_TEXT[cell.state]
            raw = f"（原文“{cell.raw}”）" if cell.state is CellState.UNREADABLE and cell.raw else ""
            text = f"{where}为{_STATE_TEXT[cell.state]}{raw}"
        facts.items.append(item)
        return text + _page(present)
    total = sum(cell.value for cell in numbers)
    total = round(total, 2) if isinstance(total, float) else total
    parts = "、".join(f"{_part(table, r, c, row_sel, settings)}{_value_text(cell)}" for r, c, cell in present)
    if not numbers:
        item.update(value=None, state="均未填写数字")
        facts.items.append(item)
        return f"{where}共{len(present)}格，均未填写数字（{parts}），无法合计"
    facts.numbers.append(total)
    item["sum"] = total
    if others or absent:
        item["not_numbers"] = len(others) + len(absent)
        facts.items.append(item)
        return (f"{where}已填数字合计{_number(total)}{unit}，另有{len(others) + len(absent)}格不是数字（空白不等于0），"
                f"合计不完整（{parts}）")
    text = f"{where}合计{_number(total)}{unit}（{parts}）"
    text += _share(report, request, row_sel, column_sel, total, vocab, settings, facts, item)
    facts.items.append(item)
    return text + _page(present)


def _part(table: str, row: str, column: str, row_sel: Selection, settings: Settings) -> str:
    """How one cell of a sum is named inside the parentheses: by what varies, without its enumerator ("1.")."""
    if len(row_sel.keys) > 1 or column == "value":
        return strip_enumerator(squash(row_label(table, row, settings))).split("(")[0]
    return column_label(table, column, settings)


def _value_text(cell: Cell) -> str:
    if cell.state is CellState.NUMBER:
        return _number(cell.value)
    return {CellState.BLANK: "空白", CellState.SLASH: "“/”", CellState.UNREADABLE: "未识别"}[cell.state]


def _page(present: list[tuple[str, str, Cell]]) -> str:
    pages = sorted({cell.page for _, _, cell in present if cell.page})
    return f"（第{'、'.join(map(str, pages))}页）" if pages else ""


def _share(report: Report, request: CellRequest, row_sel: Selection, column_sel: Selection, value: float,
           vocab: Vocabulary, settings: Settings, facts: CellFacts, item: dict) -> str:
    """", 占… 的N%" when the question asks for a share: of （七）总计 for a result row, else of the row's 总计."""
    if not request.share:
        return ""
    spec = vocab.tables[request.table]
    grid = report.tables[request.table]
    if column_sel.keys != ("total",) and "total" not in grid.missing_columns and column_sel.keys != ("value",):
        base_rows, base_columns, base_name = row_sel.keys, ("total",), "总计"
    elif set(row_sel.keys) <= set(spec.get("result_rows") or []) and spec.get("share_base_row"):
        base = spec["share_base_row"]
        base_rows, base_columns = (base,), column_sel.keys
        base_name = row_label(request.table, base, settings)
    else:
        return "（无法确定占比的基数）"
    cells = [cell for _, _, cell in _cells(report, request.table, base_rows, base_columns)]
    if not cells or any(c is None or c.state is not CellState.NUMBER for c in cells):
        return "；占比的基数不是数字，无法计算占比"
    base_value = sum(c.value for c in cells)
    for r, c, cell in _cells(report, request.table, base_rows, base_columns):
        facts.citations.append(cite_cell(request.table, r, c, cell, settings))
    if not base_value:
        return f"；基数「{base_name}」为0，无法计算占比"
    share = round(100 * value / base_value, 1)
    facts.numbers += [share, base_value]
    item.update(share_percent=share, share_base=base_value)
    return f"，占「{base_name}」{_number(base_value)}的{share:g}%"
