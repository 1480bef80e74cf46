"""Grid rows → (label, value cells): the layout-independent part of reading a table row.

Regular grids (PDF, HTML, DOCX) are read by column position. Ragged rows (text extracted from a
PDF) are read by sequence: the label first, then the trailing run of value cells, with the
artefacts seen in real extractions undone and every such decision recorded.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from ..model import Cell, CellState, Grid, RawCell
from ..textnorm import squash
from .cells import is_value_text, parse_value, to_cell


@dataclass
class Row:
    """One table row: its label cells and the cells after them, positions kept."""

    cells: list[RawCell | None]
    grid: Grid
    label_cells: list[tuple[int, RawCell]] = field(default_factory=list)
    region: list[tuple[int, RawCell | None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "".join(c.text for _, c in self.label_cells)

    @property
    def last_label(self) -> str:
        return self.label_cells[-1][1].text if self.label_cells else ""

    @property
    def page(self) -> int | None:
        for cell in self.cells:
            if cell is not None and cell.page is not None:
                return cell.page
        return self.grid.page

    @property
    def field_count(self) -> int:
        return len(self.cells)

    @property
    def numeric_count(self) -> int:
        return sum(1 for _, c in self.region if c is not None and parse_value(c.text)[1] is CellState.NUMBER)

    @property
    def has_values(self) -> bool:
        return any(c is not None and squash(c.text) for _, c in self.region)


_CJK = re.compile(r"[\u3400-\u9fff]")


def is_label(cell: RawCell | None) -> bool:
    """A cell holding text that is not a value. Read by OCR, a label has Chinese in it: a value cell read
    with noise (".0", "1l") is a value that cannot be read, not a label."""
    if cell is None or is_value_text(cell.text):
        return False
    return cell.confidence is None or bool(_CJK.search(cell.text))


def split_row(cells: list[RawCell | None], grid: Grid) -> Row:
    """Label cells are the cells holding text that is not a value; the region is what follows the last one."""
    row = Row(cells=cells, grid=grid)
    last = -1
    for index, cell in enumerate(cells):
        if is_label(cell):
            row.label_cells.append((index, cell))
            last = index
    row.region = [(j, cells[j]) for j in range(last + 1, len(cells))]
    return row


def grid_rows(grids: list[Grid]) -> list[Row]:
    return [split_row(cells, grid) for grid in grids for cells in grid.rows]


@dataclass
class Aligned:
    """Values of one row in column order, or None per position that could not be read, plus how."""

    cells: list[Cell]
    note: str | None = None  # Chinese, when the reading was not direct
    kind: str | None = None  # ExtractionNote kind for that note
    candidates: list[list[int]] | None = None  # several digit splits fit: the caller may decide


def by_position(row: Row, positions: list[int]) -> Aligned:
    """Regular grids: the value of each column sits at that column's index."""
    label_end = row.label_cells[-1][0] if row.label_cells else -1
    cells = []
    for j in positions:
        if j <= label_end or j >= len(row.cells):
            cells.append(to_cell(None, note="该列位置被行标签占用或不存在"))
        else:
            cells.append(to_cell(row.cells[j]))
    return Aligned(cells)


def by_sequence(row: Row, k: int, filled_style: bool, row_check=None) -> Aligned:
    """Ragged rows: map the value cells after the label onto k columns, or say why that is impossible.

    `filled_style`: the table writes every value (0 rather than blank), so a missing number in a
    short row is a lost cell, not a blank. `row_check(values) -> bool` tells a digit split that
    fits the row's own identity (总计 = sum of the others) from one that does not.
    """
    region = [c for _, c in row.region]
    # trailing padding first, then the spacer that follows a label spanning two columns
    while len(region) > k and (region[-1] is None or not squash(region[-1].text)):
        region.pop()
    while len(region) > k and (region[0] is None or not squash(region[0].text)):
        region.pop(0)
    page = row.page
    if len(region) > k:
        return _unreadable_row(row, k, f"该行在标签后有{len(region)}个非空单元格，多于{k}列，无法确定对应关系")
    numeric = [c for c in region if c is not None and squash(c.text)]
    if len(region) < k or (filled_style and 0 < len(numeric) < k and not row.grid.regular):
        split = _split_digits(numeric, k, row_check)
        if split is not None:
            return split
        if (len(region) < k and row.grid.width_cap and row.field_count >= row.grid.width_cap
                and len(numeric) == len(region)):
            # every line was cut at the same width: the lost cells are the last ones
            lost = k - len(region)
            cells = [to_cell(c) for c in region] + [
                Cell(None, CellState.UNREADABLE, "", page, None, "原文本在此处被截断，单元格缺失") for _ in range(lost)]
            return Aligned(cells, f"该行只识别到{len(region)}个数值（每行文本在第{row.grid.width_cap}个字段处被截断），最后{lost}列缺失",
                           "row_truncated")
        runs = [squash(c.text) for c in numeric if parse_value(c.text)[1] is not CellState.NUMBER]
        if runs:  # digits and signs run together ("35-15"): no split can be trusted
            return _unreadable_row(row, k, f"原文数字连写为“{' '.join(runs)}”，无法确定各列数值")
        return _unreadable_row(row, k, f"该行只识别到{len(numeric)}个数值，应为{k}个，无法确定缺失的是哪一列")
    return Aligned([to_cell(c) for c in region])


def _unreadable_row(row: Row, k: int, why: str) -> Aligned:
    raw = " ".join(squash(c.text) for _, c in row.region if c is not None and squash(c.text))
    cells = [Cell(None, CellState.UNREADABLE, raw, row.page, None, why) for _ in range(k)]
    return Aligned(cells, why, "row_short")


def digit_splits(tokens: list[str], k: int, accept=None, limit: int = 50, budget: int = 300_000) -> list[list[int]]:
    """Ways to cut digit strings into k numbers (no leading zeros), keeping token boundaries.

    Only splits `accept` agrees with are kept, at most `limit` of them, after trying at most
    `budget` splits in all (a 20-digit row has about 12,000).
    """
    results: list[list[int]] = []
    tried = 0

    def cuts(token: str, parts: int):
        if parts == 1:
            if len(token) == 1 or token[0] != "0":
                yield [int(token)]
            return
        for i in range(1, len(token) - parts + 2):
            head = token[:i]
            if len(head) > 1 and head[0] == "0":
                break
            for rest in cuts(token[i:], parts - 1):
                yield [int(head), *rest]

    def parts_per_token(index: int, remaining: int):
        if index == len(tokens) - 1:
            if 1 <= remaining <= len(tokens[index]):
                yield [remaining]
            return
        for n in range(1, min(len(tokens[index]), remaining - (len(tokens) - index - 1)) + 1):
            for rest in parts_per_token(index + 1, remaining - n):
                yield [n, *rest]

    for counts in parts_per_token(0, k):
        for combo in itertools.product(*(list(cuts(t, n)) for t, n in zip(tokens, counts))):
            tried += 1
            values = [v for part in combo for v in part]
            if accept is None or accept(values):
                results.append(values)
                if len(results) >= limit:
                    return results
            if tried >= budget:
                return results
    return results


def _split_digits(numeric: list[RawCell], k: int, row_check) -> Aligned | None:
    tokens = [squash(c.text) for c in numeric]
    if not tokens or not all(t.isdigit() for t in tokens) or sum(len(t) for t in tokens) < k or len(tokens) >= k:
        return None
    raw = " ".join(tokens)
    page = numeric[0].page
    only = digit_splits(tokens, k, limit=2)
    if len(only) == 1:  # the digits allow one reading whatever the identities say ("7000008": seven digits, seven cells)
        values = only[0]
        note = f"原文数字连写为“{raw}”，只有一种拆分方式，读作 {'、'.join(map(str, values))}"
        return Aligned([Cell(v, CellState.NUMBER, raw, page, None, note) for v in values], note, "digits_split")
    candidates = digit_splits(tokens, k, accept=row_check)
    if not candidates:
        return None
    if len(candidates) == 1:
        values = candidates[0]
        note = f"原文数字连写为“{raw}”，按本行勾稽关系唯一可行的拆分读作 {'、'.join(map(str, values))}"
        return Aligned([Cell(v, CellState.NUMBER, raw, page, None, note) for v in values], note, "digits_split")
    note = f"原文数字连写为“{raw}”，有{len(candidates)}种拆分均符合本行勾稽关系，无法唯一确定"
    cells = [Cell(None, CellState.UNREADABLE, raw, page, None, note) for _ in range(k)]
    return Aligned(cells, note, "ambiguous_split", candidates=candidates)
