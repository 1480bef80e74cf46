"""Where a finding's evidence is on the pages of a PDF: the boxes to draw, or the text to look for.

For a PDF the boxes come from the cells the finding names (each Cell keeps its page and bbox), else
from the printed text of the evidence found on the page, else from the paragraphs of the section, else
the whole table. The app draws them on the page image (ui/evidence.py); the annotated PDF puts its
highlights there (annotate.py). Both resolve a Location the same way, with `Location.resolve`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import BBox, Finding, Report, Table
from ..textnorm import squash
from .highlight import finding_targets

_LIST_SEPARATORS = re.compile(r"[；;\n]")
_QUOTED = re.compile(r"「([^」]+)」")


@dataclass
class Location:
    page: int | None
    boxes: list[BBox] = field(default_factory=list)
    search: list[str] = field(default_factory=list)  # texts to look for on the page when there are no boxes
    what: str = ""  # what the box shows, in Chinese
    prefer_search: bool = False  # a printed label: its text on the page beats the box of its cells

    def resolve(self, find: Callable[[str], list[BBox]]) -> tuple[list[BBox], bool]:
        """The boxes to draw on the page, and whether they are the searched text rather than `boxes`.

        `find(text)` returns the boxes of `text` on the located page (empty when it is not there).
        """
        if not self.boxes or self.prefer_search:
            for text in self.search:
                found = find(text)
                if found:
                    return found, True
        return list(self.boxes), False


def union(boxes: list[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _by_x(boxes: list[BBox]) -> list[BBox]:
    """One box per printed column: cells that share an x range are boxed together (表四 repeats its columns)."""
    groups: list[list[BBox]] = []
    for box in sorted(boxes):
        for group in groups:
            if abs(group[0][0] - box[0]) < 2 and abs(group[0][2] - box[2]) < 2:
                group.append(box)
                break
        else:
            groups.append([box])
    return [union(group) for group in groups]


def _table_cells(table: Table) -> list:
    return [cell for columns in table.cells.values() for cell in columns.values() if cell.bbox and cell.page]


def evidence_texts(finding: Finding) -> list[str]:
    """Pieces of the evidence worth searching for: whole, then list items, then labels of “label=value”."""
    evidence = (finding.evidence or "").strip()
    if not evidence:
        return []
    pieces = [evidence]
    for part in _QUOTED.findall(evidence) + _LIST_SEPARATORS.split(evidence):
        part = part.strip().strip("「」“”")
        label = part.split("=", 1)[0].strip() if "=" in part else part
        if len(label) >= 2 and label not in pieces:
            pieces.append(label)
    return pieces


def locate(finding: Finding, report: Report) -> Location:
    """Where on the page to box the evidence of `finding` (page numbers are 1-based)."""
    table = report.tables.get(finding.table) if finding.table else None
    if table is not None:
        boxes: list[tuple[int, BBox]] = []
        for target in finding_targets(finding):
            if target.is_cell:
                cell = table.cells.get(target.row, {}).get(target.column)
                if cell is not None and cell.bbox and cell.page:
                    boxes.append((cell.page, cell.bbox))
            elif target.column is not None:  # a whole column: box its cells together
                column = [c for c in _table_cells(table)
                          if any(c is cells.get(target.column) for cells in table.cells.values())]
                if column:
                    page = finding.page or column[0].page
                    boxes += [(page, b) for b in _by_x([c.bbox for c in column if c.page == page])]
            elif target.row is not None:
                row = [c for c in table.cells.get(target.row, {}).values() if c.bbox and c.page]
                if row:
                    boxes.append((row[0].page, union([c.bbox for c in row if c.page == row[0].page])))
        if boxes:
            page = finding.page if finding.page in {p for p, _ in boxes} else boxes[0][0]
            labels_only = not any(t.is_cell for t in finding_targets(finding))
            return Location(page, [b for p, b in boxes if p == page], evidence_texts(finding),
                            "表头或行标签" if labels_only else "单元格", prefer_search=labels_only)
        texts = evidence_texts(finding)
        cells = _table_cells(table)
        page = finding.page or table.page or (cells[0].page if cells else None)
        on_page = [c.bbox for c in cells if c.page == page]
        # the quoted text where it can be found on the page, else the whole table
        return Location(page, [union(on_page)] if on_page else [], texts, "表格", prefer_search=bool(texts))
    section = report.sections.get(finding.section) if finding.section else None
    texts = evidence_texts(finding)
    if section is not None and section.present:
        page = finding.page or section.page
        wanted = [squash(t) for t in texts]
        matched = [p for p in section.paragraphs if p.bbox and p.page
                   and any(w and w in squash(p.text) for w in wanted)]
        if matched:
            page = matched[0].page
            return Location(page, [p.bbox for p in matched if p.page == page], texts, "段落")
        return Location(page, [], texts or [section.heading or ""], "段落")
    return Location(finding.page, [], texts, "原文")
