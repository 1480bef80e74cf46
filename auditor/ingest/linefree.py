"""Tables without ruling lines (cells placed with spaces or tab stops), found from the positions of words.

A text line of a PDF page is cut into segments where a wide gap separates its words. Prose has no wide gaps; a
table row has several. A run of such lines with numbers in them is a table: its value columns are the clusters of
the numbers' centres, the labels are what lies left of them, and every line of the run becomes a row of one
regular Grid, an empty column position being a blank cell. The table builders then read it like a ruled table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..model import BBox, Grid, RawCell

CELL_GAP = 0.8  # a gap wider than this many font sizes separates two cells of a row
_MIN_ROWS = 3  # a table has at least this many lines of several cells …
_MIN_VALUE_ROWS = 2  # … of which this many have two or more numbers, unless one row has many (表四's one data row)
_MANY_VALUES = 5
_MAX_CAPTION = 4  # lines above the first row of several cells that still belong to the table (its header)
_MAX_WRAPPED = 6  # lines of one or two cells between rows (wrapped labels) kept inside the table
_COLUMN_TOLERANCE = 6.0  # points between the centres of numbers in one column
_NUMBER = re.compile(r"^[+-]?\d[\d,.]*(?:%|万元|件|条)?$|^[/\\—–-]$")


@dataclass(frozen=True)
class Segment:
    """Words of a line between two wide gaps, with the left and right edge of each character."""

    text: str
    x0: float
    x1: float
    edges: tuple[tuple[float, float], ...] = ()

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def numeric(self) -> bool:
        return bool(_NUMBER.match(self.text.replace(" ", "")))

    def split_at(self, x: float) -> tuple[Segment, Segment] | None:
        """The segment cut before the first character that starts at or right of `x`, or None."""
        cut = next((i for i, (left, _) in enumerate(self.edges) if left >= x - 1.0), None)
        if not cut or len(self.edges) != len(self.text):
            return None
        width = (self.x1 - self.x0) / len(self.edges)
        if self.edges[cut][0] - self.edges[cut - 1][1] < 0.25 * width:
            return None  # no gap there: one label across merged columns, not two cells
        head, tail = self.edges[:cut], self.edges[cut:]
        return (Segment(self.text[:cut].strip(), head[0][0], head[-1][1], head),
                Segment(self.text[cut:].strip(), tail[0][0], tail[-1][1], tail))


class Line(Protocol):
    page: int
    top: float
    bottom: float
    size: float
    segments: Sequence[Segment]


def split_segments(chars: list[dict], size: float) -> list[Segment]:
    """The segments of one line's characters (sorted left to right): cut where the gap exceeds CELL_GAP sizes."""
    segments: list[Segment] = []
    start = 0
    for i in range(1, len(chars) + 1):
        if i == len(chars) or chars[i]["x0"] - chars[i - 1]["x1"] > CELL_GAP * size:
            part = [c for c in chars[start:i] if not c["text"].isspace()]
            if part:
                segments.append(Segment("".join(c["text"] for c in part), part[0]["x0"], max(c["x1"] for c in part),
                                        tuple((c["x0"], c["x1"]) for c in part)))
            start = i
    return segments


def _tabular(line: Line) -> bool:
    segments = line.segments
    return len(segments) >= 3 or (len(segments) >= 2 and any(s.numeric for s in segments))


def find_tables(lines: list[Line]) -> tuple[list[Grid], list[Line]]:
    """(grids of the line-free tables among `lines` (one page, top to bottom), the lines that are not in them)."""
    grids: list[Grid] = []
    rest: list[Line] = []
    i = 0
    while i < len(lines):
        run = _run(lines, i)
        if run is None:
            rest.append(lines[i])
            i += 1
            continue
        begin = i
        while begin > i - _MAX_CAPTION and rest and rest[-1] is lines[begin - 1] and _caption(lines[begin - 1],
                                                                                          lines[begin]):
            rest.pop()
            begin -= 1
        grids.append(_grid(lines[begin:run]))
        i = run
    return grids, rest


def _caption(line: Line, following: Line) -> bool:
    """A line just above a table that belongs to it: its header's upper rows or a sub-table's title
    (第二十条第（一）项, 申请人情况), in the table's type size, close above, not a sentence."""
    text = "".join(s.text for s in line.segments)
    return (line.page == following.page and abs(line.size - following.size) <= 0.5
            and following.top - line.bottom <= 1.5 * line.size and not text.endswith(("。", "；", "：", ":")))


def _run(lines: list[Line], start: int) -> int | None:
    """End (exclusive) of the table that starts at `start`, or None when no table starts there."""
    if not _tabular(lines[start]):
        return None
    size = lines[start].size
    end, wrapped = start + 1, 0
    for j in range(start + 1, len(lines)):
        line, previous = lines[j], lines[j - 1]
        if (line.page != previous.page or line.top - previous.bottom > 1.5 * max(line.size, previous.size)
                or abs(line.size - size) > 0.5):  # a heading in a larger type ends the table
            break
        if _tabular(line):
            end, wrapped = j + 1, 0
        elif wrapped < _MAX_WRAPPED and len(line.segments) <= 2:
            wrapped += 1
        else:
            break
    run = lines[start:end]
    tabular = [line for line in run if _tabular(line)]
    counts = [sum(s.numeric for s in line.segments) for line in run]
    enough = sum(c >= 2 for c in counts) >= _MIN_VALUE_ROWS or max(counts) >= _MANY_VALUES
    if len(tabular) < _MIN_ROWS or not enough:
        return None
    return end


@dataclass
class _Row:
    """One table row: the line holding its values (or its header cells) and the label lines around it."""

    anchor: Line
    labels: list[tuple[Line, Segment]]
    values: list[Segment]


def _grid(lines: list[Line]) -> Grid:
    numbers = [s for line in lines for s in line.segments if s.numeric]
    centre = _clusters([s.centre for s in numbers])
    value_left = min(s.x0 for s in numbers) - _COLUMN_TOLERANCE
    starts = [x for x in _clusters([s.x0 for line in lines for s in line.segments if s.x1 <= value_left], True)]
    rows = _rows(lines, value_left, starts)
    width = len(starts) + len(centre)
    grid_rows = []
    for row in rows:
        cells: list[RawCell | None] = [None] * len(starts) + [RawCell("", row.anchor.page) for _ in centre]
        for line, segment in row.labels:
            slot = max((k for k, x in enumerate(starts) if segment.x0 >= x - 1.0), default=0)
            cell = _cell(segment, line)
            current = cells[slot]
            cells[slot] = cell if current is None else RawCell(current.text + cell.text, current.page, _union(
                current.bbox, cell.bbox))
        for segment in row.values:
            column = len(starts) + min(range(len(centre)), key=lambda k: abs(centre[k] - segment.centre))
            current, cell = cells[column], _cell(segment, row.anchor)
            cells[column] = cell if not current.text else RawCell(f"{current.text} {cell.text}", current.page,
                                                                   _union(current.bbox, cell.bbox))
        grid_rows.append(cells[:width])
    return Grid(rows=grid_rows, page=lines[0].page, regular=True)


def _clusters(xs: list[float], frequent_only: bool = False) -> list[float]:
    """Centres of the groups of nearby positions (within _COLUMN_TOLERANCE); with `frequent_only`, only groups
    of two or more (a column of labels starts where several labels start)."""
    groups: list[list[float]] = []
    for x in sorted(xs):
        if groups and x - groups[-1][-1] <= _COLUMN_TOLERANCE:
            groups[-1].append(x)
        else:
            groups.append([x])
    return [min(g) if frequent_only else sum(g) / len(g) for g in groups if not frequent_only or len(g) >= 2]


def _rows(lines: list[Line], value_left: float, starts: list[float]) -> list[_Row]:
    """Lines gathered into rows. A line of labels alone is part of the row next to it when it is closer to that
    row than rows are to each other (a label wrapped above and below its values); else it is a row of its own
    (第二十条第（五）项, a group title)."""
    rows: list[_Row] = []
    for line in lines:
        labels = [(line, part) for segment in line.segments if segment.x1 <= value_left
                  for part in _split(segment, starts)]
        rows.append(_Row(line, labels, [s for s in line.segments if s.x1 > value_left]))
    anchors = [row for row in rows if row.values]
    gaps = sorted(b.anchor.top - a.anchor.bottom for a, b in zip(anchors, anchors[1:]) if a.anchor.page == b.anchor.page)
    row_gap = gaps[len(gaps) // 2] if gaps else 0.0
    merged: list[_Row] = []
    for i, row in enumerate(rows):
        if row.values:
            merged.append(row)
            continue
        before = merged[-1] if merged and merged[-1].values else None
        after = next((r for r in rows[i + 1:] if r.values), None)
        gap_before = row.anchor.top - before.anchor.bottom if before else float("inf")
        gap_after = after.anchor.top - row.anchor.bottom if after else float("inf")
        wrapped = 0.8 * row_gap
        if min(gap_before, gap_after) < wrapped:
            target = before if gap_before <= gap_after else after
            target.labels += row.labels
        else:
            merged.append(row)
    for row in merged:
        row.labels.sort(key=lambda item: (item[1].x0 // 1, item[0].top))
    return merged


def _split(segment: Segment, starts: list[float]) -> list[Segment]:
    """A label segment that runs over the start of the next label column, cut there."""
    parts = [segment]
    for x in starts:
        last = parts[-1]
        if last.x0 < x - 1.0 < last.x1:
            cut = last.split_at(x)
            if cut is not None:
                parts[-1:] = [p for p in cut if p.text]
    return parts


def _cell(segment: Segment, line: Line) -> RawCell:
    box: BBox = (round(segment.x0, 2), round(line.top, 2), round(segment.x1, 2), round(line.bottom, 2))
    return RawCell(segment.text, line.page, box)


def _union(a: BBox | None, b: BBox | None) -> BBox | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
