"""Ruling lines of a page image (OpenCV morphology) and the tables they enclose, as cells with spans.

Long thin runs of ink are the candidate lines; a vertical run counts only where it meets or crosses two
horizontal lines, and a horizontal one only where it crosses two vertical ones, so strokes of
characters and rules under a letterhead are not taken for a table. Lines that cross each other form one
table. Between its line positions a table has elementary cells; two neighbours are one (merged) cell
where the line between them is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np


@dataclass(frozen=True)
class Segment:
    """A straight run of ink: `at` is its y (horizontal) or x (vertical); it spans [start, end]; `label` is
    its blob in the mask it was found in."""

    at: float
    start: float
    end: float
    label: int = 0


@dataclass(frozen=True)
class CellBox:
    """A cell of a ruled table: its position in the elementary grid, its span, and its pixel box."""

    row: int
    column: int
    rows: int
    columns: int
    x0: float
    top: float
    x1: float
    bottom: float

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.top <= y <= self.bottom


@dataclass
class RuledTable:
    xs: list[float]  # column line positions, left to right
    ys: list[float]  # row line positions, top to bottom
    cells: list[CellBox] = field(default_factory=list)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def contains(self, x: float, y: float) -> bool:
        x0, top, x1, bottom = self.bbox
        return x0 <= x <= x1 and top <= y <= bottom


@dataclass
class Rulings:
    tables: list[RuledTable]
    mask: np.ndarray  # the pixels of the tables' lines (255), to erase before reading the text


def ink_of(gray: np.ndarray) -> np.ndarray:
    """Dark pixels (255) of a grayscale page, whatever its brightness (Otsu), light speckles ignored."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def _segments(mask: np.ndarray, horizontal: bool, minimum: float) -> tuple[list[Segment], np.ndarray]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found = []
    for label in range(1, count):
        x, y, w, h, _area = stats[label]
        if horizontal and w >= minimum:
            found.append(Segment(y + h / 2, float(x), float(x + w - 1), label))
        elif not horizontal and h >= minimum:
            found.append(Segment(x + w / 2, float(y), float(y + h - 1), label))
    return found, labels


def _crosses(h: Segment, v: Segment, tolerance: float) -> bool:
    return (h.start - tolerance <= v.at <= h.end + tolerance) and (v.start - tolerance <= h.at <= v.end + tolerance)


def find_rulings(ink: np.ndarray, dpi: int) -> Rulings:
    """The ruled tables of a straightened page: line positions, merged cells, and the line pixels."""
    long_h = max(20, int(dpi * 0.35))  # a horizontal rule is at least ~25 pt long: longer than a glyph
    long_v = max(12, int(dpi * 0.14))  # a vertical one at least ~10 pt: one row of 9 pt text and its padding
    tolerance = max(4.0, dpi * 0.04)  # ~3 pt: how far a line may stop short of the one it meets
    thick_h = cv2.dilate(ink, np.ones((3, 1), np.uint8))  # one-pixel steps of a line left by a tiny skew
    thick_v = cv2.dilate(ink, np.ones((1, 3), np.uint8))
    h_mask = cv2.morphologyEx(thick_h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (long_h, 1)))
    v_mask = cv2.morphologyEx(thick_v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, long_v)))
    horizontals, h_labels = _segments(h_mask, True, long_h)
    verticals, v_labels = _segments(v_mask, False, long_v)
    # a vertical line meets or crosses two horizontal ones (a page border broken by a gap still does);
    # a horizontal one crosses two verticals
    verticals = [v for v in verticals if sum(1 for h in horizontals if _crosses(h, v, tolerance)) >= 2]
    horizontals = [h for h in horizontals if sum(1 for v in verticals if _crosses(h, v, tolerance)) >= 2]
    groups = _groups(horizontals, verticals, tolerance)
    tables = [t for t in (_table(hs, vs, tolerance) for hs, vs in groups) if t is not None]
    # only the lines of the tables are erased: never a run of strokes in text that happens to be long
    lines = np.isin(h_labels, [h.label for hs, _ in groups for h in hs])
    lines |= np.isin(v_labels, [v.label for _, vs in groups for v in vs])
    mask = cv2.dilate(lines.astype(np.uint8) * 255, np.ones((3, 3), np.uint8))
    return Rulings(tables, mask)


def _groups(horizontals: list[Segment], verticals: list[Segment], tolerance: float):
    """Horizontal and vertical lines that cross, directly or through others: one table each."""
    parent = list(range(len(horizontals) + len(verticals)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(horizontals):
        for j, v in enumerate(verticals):
            if _crosses(h, v, tolerance):
                parent[find(i)] = find(len(horizontals) + j)
    groups: dict[int, tuple[list, list]] = {}
    for i, h in enumerate(horizontals):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(verticals):
        groups.setdefault(find(len(horizontals) + j), ([], []))[1].append(v)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


def _positions(segments: list[Segment], tolerance: float) -> list[list[Segment]]:
    """Segments grouped by position (one ruling line may be found as several pieces)."""
    lines: list[list[Segment]] = []
    for segment in sorted(segments, key=lambda s: s.at):
        if lines and segment.at - lines[-1][-1].at <= tolerance:
            lines[-1].append(segment)
        else:
            lines.append([segment])
    return lines


def _covered(pieces: list[Segment], start: float, end: float, tolerance: float) -> bool:
    """Whether a ruling line drawn as `pieces` covers most of [start, end]."""
    inner_start, inner_end = start + tolerance, end - tolerance
    if inner_end <= inner_start:
        return True
    covered = 0.0
    for piece in pieces:
        covered += max(0.0, min(piece.end, inner_end) - max(piece.start, inner_start))
    return covered >= 0.6 * (inner_end - inner_start)


def _table(horizontals: list[Segment], verticals: list[Segment], tolerance: float) -> RuledTable | None:
    rows = _positions(horizontals, tolerance)
    columns = _positions(verticals, tolerance)
    if len(rows) < 2 or len(columns) < 2:
        return None
    ys = [float(np.median([s.at for s in line])) for line in rows]
    xs = [float(np.median([s.at for s in line])) for line in columns]
    n_rows, n_columns = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_columns))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n_rows):
        for j in range(n_columns):
            if j + 1 < n_columns and not _covered(columns[j + 1], ys[i], ys[i + 1], tolerance):
                parent[find(i * n_columns + j)] = find(i * n_columns + j + 1)
            if i + 1 < n_rows and not _covered(rows[i + 1], xs[j], xs[j + 1], tolerance):
                parent[find(i * n_columns + j)] = find((i + 1) * n_columns + j)
    spans: dict[int, list[tuple[int, int]]] = {}
    for i in range(n_rows):
        for j in range(n_columns):
            spans.setdefault(find(i * n_columns + j), []).append((i, j))
    table = RuledTable(xs, ys)
    for members in sorted(spans.values()):
        r0, c0 = min(i for i, _ in members), min(j for _, j in members)
        r1, c1 = max(i for i, _ in members), max(j for _, j in members)
        if len(members) != (r1 - r0 + 1) * (c1 - c0 + 1):
            # missing line pieces that do not leave a rectangle (noise, a broken line): cell by cell
            table.cells += [CellBox(i, j, 1, 1, xs[j], ys[i], xs[j + 1], ys[i + 1]) for i, j in members]
            continue
        table.cells.append(CellBox(r0, c0, r1 - r0 + 1, c1 - c0 + 1, xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]))
    table.cells.sort(key=lambda c: (c.row, c.column))
    return table
