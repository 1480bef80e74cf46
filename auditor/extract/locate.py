"""Which grids form 表二, 表三 and 表四. Grids split by a page break are joined first."""

from __future__ import annotations

import re

from ..model import Document, Grid, Paragraph
from ..textnorm import squash

# page furniture that may sit between two halves of a table: page numbers, running footers
_FURNITURE = re.compile(r"^(?:[-—–]?\d{1,3}[-—–]?|第\d+页(?:共\d+页)?|\d+/\d+|-\d+-)$")


def is_furniture(paragraph: Paragraph) -> bool:
    return bool(_FURNITURE.match(squash(paragraph.text)))


def logical_tables(document: Document) -> list[list[Grid]]:
    """Consecutive grids with nothing but page furniture between them belong to one table."""
    tables: list[list[Grid]] = []
    open_table = False
    for block in document.blocks:
        if isinstance(block, Grid):
            if open_table and not _starts_new_table(block):
                tables[-1].append(block)
            else:
                tables.append([block])
            open_table = True
        elif not is_furniture(block):
            open_table = False
    return tables


def grid_text(grids: list[Grid]) -> str:
    return squash("".join(c.text for g in grids for row in g.rows for c in row if c is not None))


def _starts_new_table(grid: Grid) -> bool:
    head = grid_text([Grid(rows=grid.rows[:3])])
    return any(marker in head for marker in ("第二十条", "勾稽关系", "申请人情况", "行政复议"))


def classify(grids: list[Grid]) -> str | None:
    """table2 / table3 / table4, or None for any other table in the report."""
    text = grid_text(grids)
    if "本年新收" in text or "结转下年度" in text or "申请人情况" in text:
        return "table3"
    if "行政复议" in text and ("行政诉讼" in text or "复议后起诉" in text):
        return "table4"
    if "第二十条" in text or ("规章" in text and "规范性文件" in text):
        return "table2"
    return None
