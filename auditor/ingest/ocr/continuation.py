"""A table continued from one scanned page onto the next, laid on the same columns.

A part of a table whose rows all span some columns lacks those column lines, and so has fewer columns
than the other parts; the extraction reads a regular grid by column index. Scanned pages lie each a
little differently on the scanner, so the parts are compared by their column lines on the straightened
page, measured from their first line: where the lines of one part are a subset of the other's, it is
laid on the other's columns (a merged cell stays one cell, at its first column).
"""

from __future__ import annotations

import re

from ...model import RawCell
from ...textnorm import squash
from .page import ScannedPage, ScannedTable

# page numbers may sit below a table's first part and above its next one
_FURNITURE = re.compile(r"^[-—–－]*(?:第?\d{1,4}页?(?:共\d+页)?|\d+/\d+)[-—–－]*$")


def align_continued_tables(pages: list[ScannedPage], tolerance: float = 2.5) -> None:
    """Lay the parts of each table continued across consecutive scanned pages on the same columns."""
    for before, after in zip(pages, pages[1:]):
        if after.number != before.number + 1 or not before.tables or not after.tables:
            continue
        last, first = before.tables[-1], after.tables[0]
        if _text_below(before, last) or _text_above(after, first):
            continue
        wide, narrow = (last, first) if len(last.edges) >= len(first.edges) else (first, last)
        if len(narrow.edges) < len(wide.edges):
            _lay_on(narrow, wide.edges, tolerance)


def _text_below(page: ScannedPage, table: ScannedTable) -> bool:
    bottom = table.bbox[3]
    return any(line.top > bottom and not _FURNITURE.match(squash(line.text)) for line in page.lines)


def _text_above(page: ScannedPage, table: ScannedTable) -> bool:
    top = table.bbox[1]
    return any(line.bottom < top and not _FURNITURE.match(squash(line.text)) for line in page.lines)


def _lay_on(part: ScannedTable, edges: list[float], tolerance: float) -> None:
    index = []
    for x in part.edges:
        nearest = min(range(len(edges)), key=lambda i: abs(edges[i] - x))
        if abs(edges[nearest] - x) > tolerance:
            return  # a column line the other part lacks: not the same table
        index.append(nearest)
    if index[0] != 0 or index[-1] != len(edges) - 1 or len(set(index)) != len(index):
        return
    rows = []
    for row in part.grid.rows:
        placed: list[RawCell | None] = [None] * (len(edges) - 1)
        for column, cell in enumerate(row):
            if cell is not None:
                placed[index[column]] = cell
        rows.append(placed)
    part.grid.rows = rows
    part.edges = list(edges)
