"""Text boxes → reading structure: boxes in one visual line, and tables without ruling lines.

A table printed without lines is found from its rows: several boxes side by side, most of them numbers.
Its columns are the bands where the numbers of those rows overlap; the label is what stands left of the
first band. Header rows directly above (text only, several boxes) are laid on the same bands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...textnorm import squash
from .engine import TextBox

_NUMERIC = re.compile(r"^[+-]?[\d,，.．]+$|^[/\\—–\-－]+$")


def is_numeric(box: TextBox) -> bool:
    return bool(_NUMERIC.match(squash(box.text)))


def visual_lines(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into lines (vertical overlap of at least half the smaller height), each left to right."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: (b.top, b.x0)):
        for line in lines[-3:]:
            top, bottom = min(b.top for b in line), max(b.bottom for b in line)
            overlap = min(bottom, box.bottom) - max(top, box.top)
            if overlap >= 0.5 * min(box.height, bottom - top):
                line.append(box)
                break
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def join_text(boxes: list[TextBox]) -> str:
    """The text of boxes on one line: joined directly, with a space between two Latin letters or digits."""
    text = ""
    for box in boxes:
        if text and text[-1].isascii() and text[-1].isalnum() and box.text[:1].isascii() and box.text[:1].isalnum():
            text += " "
        text += box.text
    return text


@dataclass
class LooseTable:
    """A table found without ruling lines: header rows and body rows of boxes, and its column bands."""

    bands: list[tuple[float, float]]  # x ranges of the value columns, left to right
    label_right: float  # labels end here
    rows: list[list[TextBox]] = field(default_factory=list)
    header_rows: int = 0

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        boxes = [b for row in self.rows for b in row]
        return (min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes),
                max(b.bottom for b in boxes))

    def column_of(self, box: TextBox) -> int:
        """0 for the label column, 1… for the bands; a box goes to the band nearest its centre."""
        x = box.center[0]
        if x < self.label_right:
            return 0
        return 1 + min(range(len(self.bands)), key=lambda i: _distance(x, self.bands[i]))


def _distance(x: float, band: tuple[float, float]) -> float:
    return 0.0 if band[0] <= x <= band[1] else min(abs(x - band[0]), abs(x - band[1]))


def _tabular(line: list[TextBox]) -> bool:
    numbers = sum(1 for b in line if is_numeric(b))
    return numbers >= 3 or (numbers >= 2 and len(line) >= 3)


def _bands(rows: list[list[TextBox]]) -> list[tuple[float, float]]:
    intervals = sorted((b.x0 - 0.3 * b.height, b.x1 + 0.3 * b.height) for row in rows for b in row if is_numeric(b))
    bands: list[list[float]] = []
    for start, end in intervals:
        if bands and start <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], end)
        else:
            bands.append([start, end])
    return [(a, b) for a, b in bands]


def loose_tables(boxes: list[TextBox], max_gap_rows: int = 2) -> tuple[list[LooseTable], list[TextBox]]:
    """Tables without ruling lines among `boxes`, and the boxes left over (running text)."""
    lines = visual_lines(boxes)
    runs: list[list[int]] = []
    current: list[int] = []
    gap = 0
    for i, line in enumerate(lines):
        if _tabular(line):
            current.append(i)
            gap = 0
        elif current and gap < max_gap_rows:
            current.append(i)
            gap += 1
        else:
            if current:
                runs.append(current)
            current, gap = [], 0
    if current:
        runs.append(current)
    tables: list[LooseTable] = []
    used: set[int] = set()
    for run in runs:
        while run and not _tabular(lines[run[-1]]):
            run.pop()  # trailing text rows belong to what follows the table
        body = [lines[i] for i in run if _tabular(lines[i])]
        if len(body) < 2:
            continue
        bands = _bands(body)
        if len(bands) < 2:
            continue
        label_right = bands[0][0]
        members = [i for i in run if _tabular(lines[i]) or all(b.x1 <= label_right + b.height for b in lines[i])]
        if len(members) < len(run):
            continue  # a text row that reaches into the value columns: not one table
        header = []
        for i in range(run[0] - 1, max(-1, run[0] - 4), -1):
            line = lines[i]
            if len(line) < 2 or any(is_numeric(b) for b in line) or i in used:
                break
            header.insert(0, i)
        table = LooseTable(bands, label_right, [lines[i] for i in header + run], len(header))
        tables.append(table)
        used.update(header + run)
    rest = [b for i, line in enumerate(lines) if i not in used for b in line]
    return tables, rest
