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
_HEADING = re.compile(r"^[一二三四五六七八九十]+、")  # a section heading above a table is not its header


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


def _in_band(box: TextBox, bands: list[tuple[float, float]]) -> bool:
    return any(start <= box.center[0] <= end for start, end in bands)


def _tabular(line: list[TextBox]) -> bool:
    numbers = sum(1 for b in line if is_numeric(b))
    return numbers >= 3 or (numbers >= 2 and len(line) >= 3)


def _bands(rows: list[list[TextBox]]) -> list[tuple[float, float]]:
    """The value columns: the centres of the numbers, clustered; a cluster met in fewer than 40 % of the rows
    is a stray (two numbers read as one box sit between columns) and no column."""
    numbers = sorted((b for row in rows for b in row if is_numeric(b)), key=lambda b: b.center[0])
    if not numbers:
        return []
    height = sorted(b.height for b in numbers)[len(numbers) // 2]
    clusters: list[list[TextBox]] = [[numbers[0]]]
    for box in numbers[1:]:
        if box.center[0] - clusters[-1][-1].center[0] > 0.9 * height:
            clusters.append([box])
        else:
            clusters[-1].append(box)
    bands = []
    for cluster in clusters:
        if len(cluster) < 0.4 * len(rows):
            continue
        width = sorted(b.width for b in cluster)[len(cluster) // 2]
        usual = [b for b in cluster if b.width <= 1.5 * width]
        bands.append((min(b.x0 for b in usual) - 0.3 * height, max(b.x1 for b in usual) + 0.3 * height))
    return bands


def _gap(a: list[TextBox], b: list[TextBox]) -> float:
    """Blank space between two lines (negative where their boxes overlap)."""
    return max(min(x.top for x in b) - max(x.bottom for x in a), min(x.top for x in a) - max(x.bottom for x in b))


def _join_wrapped_labels(rows: list[list[TextBox]]) -> list[list[TextBox]]:
    """A line holding only label text, much closer to one row of numbers than to the other line beside it,
    is a wrapped part of that row's label (the numbers sit on its middle line): it joins that row. A line
    as far from both (a row whose cells are all blank) stays a row."""
    merged = [list(row) for row in rows]
    owner = list(range(len(rows)))
    for i, row in enumerate(rows):
        if any(is_numeric(b) for b in row):
            continue
        height = sorted(b.height for b in row)[len(row) // 2]
        beside = [j for j in (i - 1, i + 1) if 0 <= j < len(rows)]
        gaps = {j: _gap(row, rows[j]) for j in beside}
        numbers = [j for j in beside if any(is_numeric(b) for b in rows[j])]
        if not numbers:
            continue
        nearest = min(numbers, key=gaps.get)
        others = [gaps[j] for j in beside if j != nearest]
        if gaps[nearest] <= (min(others) if others else 0.0) - 0.15 * height:
            owner[i] = nearest
    result = []
    for i in range(len(rows)):
        if owner[i] != i:
            continue
        result.append([b for j in range(len(rows)) if owner[j] == i for b in merged[j]])
    return result


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
        if used & set(run):
            continue  # taken in by the table above
        while run and not _tabular(lines[run[-1]]):
            run.pop()  # trailing text rows belong to what follows the table
        body = [lines[i] for i in run if _tabular(lines[i])]
        if len(body) < 2 and not (body and sum(1 for b in body[0] if is_numeric(b)) >= 5):
            continue  # one row of numbers is a table only when it is a long one (表四 has a single row)
        bands = _bands(body)
        if len(bands) < 2:
            continue
        label_right = bands[0][0]
        row_height = sorted(b.height for b in body[0])[len(body[0]) // 2]
        width = bands[-1][1] - label_right

        def fits(line: list[TextBox]) -> bool:
            """Label text left of the numbers, numbers in the columns of the table, or a header over some of
            them (a sub-table's own header: 信息内容 | 本年处理决定数量), but no line of running text."""
            return not _HEADING.match(squash(line[0].text)) and all(
                b.x1 <= label_right + b.height or (_in_band(b, bands) and (is_numeric(b) or b.width < 0.6 * width))
                for b in line)

        def within(box: TextBox) -> bool:  # a number in the value columns (or over two of them: one misread box)
            return bands[0][0] <= box.center[0] <= bands[-1][1]

        if not all(_tabular(lines[i]) and all(not is_numeric(b) or within(b) for b in lines[i])
                   or fits(lines[i]) for i in run):
            continue  # a text row that reaches into the value columns: not one table
        extra: list[int] = []  # rows below that carry on the table: labels, rows of one number (表二's items)
        following = run[-1] + 1
        while (following < len(lines) and following not in used and fits(lines[following])
               and _gap(lines[following - 1], lines[following]) <= row_height):
            extra.append(following)
            following += 1
        while extra and not any(is_numeric(b) for b in lines[extra[-1]]):
            extra.pop()
        run = run + extra
        header: list[int] = []
        top = min(b.top for b in lines[run[0]])
        above = range(run[0] - 1, max(-1, run[0] - 5), -1)  # nearest first; lines may overlap (vertical text)
        for i in sorted(above, key=lambda i: -max(b.bottom for b in lines[i])):
            line = lines[i]
            close = top - max(b.bottom for b in line) <= 0.8 * row_height
            if not close or any(is_numeric(b) for b in line) or i in used or _HEADING.match(squash(line[0].text)):
                break
            header.append(i)
            top = min(top, min(b.top for b in line))
        header.sort()
        body_rows = _join_wrapped_labels([lines[i] for i in run])
        table = LooseTable(bands, label_right, [lines[i] for i in header] + body_rows, len(header))
        tables.append(table)
        used.update(header + run)
    rest = [b for i, line in enumerate(lines) if i not in used for b in line]
    return tables, rest
