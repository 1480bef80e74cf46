"""A scanned page → the Grids and text lines the PDF reader builds from a text layer, by OCR.

The page is rendered, straightened (±2°), its ruling lines found and erased, and its text lines
detected once (rapidocr); each line in a table cell is cut to the cell before it is recognised. A cell
with ink but no text (a faint digit), a box running over a line into the next cell, or a column of
characters written one per line is read again from the cell's own image; a number read with a speck
beside it is read again from its glyphs. Boxes outside ruled tables are cut at wide blank gaps and
grouped into tables without lines where their rows look like one, into text lines otherwise. Every
position is in PDF points of the page as displayed, and every cell keeps the recogniser's confidence
(the lowest of its lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ...config import Settings
from ...model import BBox, Grid, PageNote, RawCell
from ...textnorm import squash
from .deskew import Straightened, straighten
from .engine import TextBox, detect, read_boxes, read_crops
from .layout import LooseTable, is_numeric, join_text, loose_tables, visual_lines
from .lines import RuledTable, find_rulings, ink_of
from .render import render_page

_BLANK_INK_SHARE = 0.0005  # fewer dark pixels than this: a blank page (or an empty scan)
_MIN_INK_PIXELS = 25  # a cell with fewer dark pixels than this (after erasing its lines) is empty
_INSIDE_SHARE = 0.8  # a box is a cell's when this much of it lies inside the cell
_BLANK_CONFIDENCE = 1.0  # a cell with no ink at all is surely blank
_CLEAN_NUMBER = re.compile(r"^[+-]?\d[\d,]*(?:\.\d+)?$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SIDE_BY_SIDE = re.compile(r"\d[.,]?\s+[+-]?\d")  # two numbers with a blank between them


@dataclass(frozen=True)
class OcrLine:
    """A line of running text read by OCR, in PDF points; `size` is the font size it looks like."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    confidence: float


@dataclass
class ScannedTable:
    """A table read from a page image, and its column lines where the page is straight.

    `edges` are the x positions (points) of its column lines on the straightened page, relative to the
    first: the same for every page a table is printed on, however each page lay on the scanner.
    """

    grid: Grid
    edges: list[float]

    @property
    def bbox(self) -> BBox:
        boxes = [c.bbox for row in self.grid.rows for c in row if c is not None and c.bbox is not None]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                max(b[3] for b in boxes))


@dataclass
class ScannedPage:
    """What OCR read on one page. status: "read", "blank" (no ink) or "no_text" (ink, but no text found)."""

    number: int
    status: str
    tables: list[ScannedTable] = field(default_factory=list)
    lines: list[OcrLine] = field(default_factory=list)
    angle: float = 0.0  # the rotation undone, degrees

    @property
    def grids(self) -> list[Grid]:
        return [table.grid for table in self.tables]

    @property
    def chars(self) -> int:
        cells = sum(len(squash(c.text)) for g in self.grids for row in g.rows for c in row if c is not None)
        return cells + sum(len(squash(line.text)) for line in self.lines)

    @property
    def note(self) -> PageNote | None:
        """What a reviewer must know about a page OCR could not read."""
        if self.status == "blank":
            return PageNote(self.number, "blank_image", f"第{self.number}页是空白图片，没有可识别的内容。")
        if self.status == "no_text":
            return PageNote(self.number, "unreadable_image",
                            f"第{self.number}页是图片，但 OCR 未能从中识别出文字（图片可能过于模糊、过暗，"
                            "或不是文字），该页内容未参与审核，请人工查看。")
        return None


def read_scanned_page(path: Path, number: int, settings: Settings) -> ScannedPage:
    """Read page `number` (1-based) of the PDF at `path` from its image."""
    dpi = settings.ocr_dpi
    gray = render_page(path, number - 1, dpi)
    if _blank(gray):
        return ScannedPage(number, "blank")
    upright = straighten(gray, settings.ocr_max_skew)
    ink = ink_of(upright.image)
    rulings = find_rulings(ink, dpi)
    clean = upright.image.copy()
    clean[rulings.mask > 0] = 255  # lines erased: they would join boxes of neighbouring cells
    ink[rulings.mask > 0] = 0
    ink = _without_dust(ink, max(4, dpi // 30))
    envelopes = [_inside_cell(e, rulings.tables) for e in detect(clean, settings.ocr_threads)]
    boxes = read_boxes(clean, envelopes, settings.ocr_threads)
    in_ruled = [b for b in boxes if any(t.contains(*b.center) for t in rulings.tables)]
    boxes = in_ruled + _split_at_gaps([b for b in boxes if b not in in_ruled], ink, clean, settings.ocr_threads)
    reader = _Reader(number, clean, ink, upright, 72 / dpi, settings.ocr_threads)
    loose, rest = loose_tables([b for b in boxes if b not in in_ruled])
    tables = [reader.ruled(table, [b for b in in_ruled if table.contains(*b.center)]) for table in rulings.tables]
    tables += [reader.loose(table) for table in loose]
    reader.read_pending()
    reader.read_past_specks()
    tables = [part for table in tables for part in table()]
    lines = reader.text_lines(rest + reader.prose_boxes)
    page = ScannedPage(number, "read", sorted(tables, key=lambda t: t.bbox[1]), lines, upright.angle)
    if not page.chars:
        page.status = "no_text"
    return page


def _inside_cell(envelope: tuple[float, float, float, float], tables: list[RuledTable]) -> tuple[float, ...]:
    """A text line that lies in a table cell, cut to the cell's inside: no remnant of its lines is read."""
    x0, top, x1, bottom = envelope
    center = ((x0 + x1) / 2, (top + bottom) / 2)
    for table in tables:
        cell = next((c for c in table.cells if c.contains(*center)), None) if table.contains(*center) else None
        if cell is None:
            continue
        inner = (max(x0, cell.x0 + 3), max(top, cell.top + 3), min(x1, cell.x1 - 2), min(bottom, cell.bottom - 2))
        area = (x1 - x0) * (bottom - top)
        if (inner[2] - inner[0]) * (inner[3] - inner[1]) >= _INSIDE_SHARE * area:
            return inner
    return envelope


def _split_at_gaps(boxes: list[TextBox], ink: np.ndarray, clean: np.ndarray, threads: int) -> list[TextBox]:
    """Boxes spanning wide blank gaps (cells of a table without lines, read as one line: "行政许可   2916",
    "12  8  3  1  24") cut at the gaps. The parts take the words of the reading where those pair up with
    them, and are read again one by one otherwise."""
    result: list[TextBox] = []
    again: list[tuple[TextBox, int, int]] = []
    for box in boxes:
        inked = ink[int(box.top):int(box.bottom), int(box.x0):int(box.x1)] > 0
        columns = np.flatnonzero(inked.sum(axis=0) > max(1, 0.05 * inked.shape[0]))  # noise leaves a gap blank
        parts = np.split(columns, np.flatnonzero(np.diff(columns) > 1.2 * box.height) + 1) if len(columns) else []
        if len(parts) < 2:
            result.append(box)
            continue
        spans = [(int(box.x0 + part[0]), int(box.x0 + part[-1] + 1)) for part in parts]
        words = box.text.split()
        if len(words) == len(spans):
            result += [TextBox(word, box.score, a, box.top, b, box.bottom) for word, (a, b) in zip(words, spans)]
        else:
            again += [(box, a, b) for a, b in spans]
    pad = 3
    crops = [clean[int(box.top):int(box.bottom), max(0, a - pad):b + pad] for box, a, b in again]
    for (box, a, b), (text, score) in zip(again, read_crops(crops, threads)):
        if text.strip():
            result.append(TextBox(text, score, a, box.top, b, box.bottom))
    return result


def _without_dust(ink: np.ndarray, smallest: int) -> np.ndarray:
    """The ink without its specks (blobs of fewer than `smallest` pixels): strokes keep their full width."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= smallest
    keep[0] = False
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _blank(gray: np.ndarray) -> bool:
    dark = cv2.medianBlur(gray, 3) < 128
    return dark.mean() < _BLANK_INK_SHARE


@dataclass
class _Slot:
    """One cell being read: its pixel box, the boxes that fell in it, or a crop still to be read."""

    x0: float
    top: float
    x1: float
    bottom: float
    boxes: list[TextBox] = field(default_factory=list)
    reread: bool = False
    text: str = ""
    confidence: float = _BLANK_CONFIDENCE

    def share_inside(self, box: TextBox) -> float:
        w = max(0.0, min(self.x1, box.x1) - max(self.x0, box.x0))
        h = max(0.0, min(self.bottom, box.bottom) - max(self.top, box.top))
        return w * h / max(1.0, box.width * box.height)


class _Reader:
    """Turns boxes and cell boxes of one straightened page into RawCells and lines in PDF points."""

    def __init__(self, number: int, clean: np.ndarray, ink: np.ndarray, upright: Straightened, points_per_pixel: float,
                 threads: int):
        self.number, self.clean, self.ink, self.upright = number, clean, ink, upright
        self.points_per_pixel, self.threads = points_per_pixel, threads
        self.pending: list[tuple[_Slot, list[np.ndarray]]] = []
        self.slots: list[_Slot] = []
        self.prose_boxes: list[TextBox] = []  # text of ruled rows that are prose (headings inside a page border)

    # ---------------------------------------------------------------- cells

    def ruled(self, table: RuledTable, boxes: list[TextBox]):
        slots = {(c.row, c.column): _Slot(c.x0, c.top, c.x1, c.bottom) for c in table.cells}
        by_cell = list(zip(table.cells, slots.values()))
        flat = [b.height for b in boxes if b.width >= b.height]  # one line of text, or a short number
        line_height = float(np.median(flat)) if flat else 0.0
        for box in boxes:
            home = next((s for c, s in by_cell if c.contains(*box.center)), None)
            if home is None:
                continue
            if home.share_inside(box) >= _INSIDE_SHARE and not _vertical(box, line_height):
                home.boxes.append(box)
                continue
            for _, slot in by_cell:  # over a line, or a column of vertical text: read each cell from its image
                if slot.share_inside(box) > 0.15:
                    slot.reread = True
        for slot in slots.values():
            self._settle(slot)
        rows, columns = len(table.ys) - 1, len(table.xs) - 1

        def build() -> list[ScannedTable]:
            """The table, cut at rows that are one cell across its whole width holding prose or nothing: a
            page border joins a heading's rule and the tables below it into one grid (WPS); those rows are
            the page's text, not cells."""
            whole = {c.row: c for c in table.cells if c.columns == columns}  # rows that are one cell across
            prose = {row for row, c in whole.items() if _prose(slots[(c.row, c.column)].text)}
            parts, start = [], 0
            for row in [*sorted(prose), rows]:
                if row > start:
                    parts.append((start, row))
                start = row + 1
            kept = []
            for first, end in parts:
                if all(row in whole for row in range(first, end)):
                    prose.update(range(first, end))  # text in a box (a title in a frame), no table
                elif any(squash(slots[(c.row, c.column)].text) for c in table.cells if first <= c.row < end):
                    kept.append((first, end))
            for row in prose:
                self.prose_boxes += slots[(whole[row].row, whole[row].column)].boxes
            built = []
            for first, end in kept:
                grid: list[list[RawCell | None]] = [[None] * columns for _ in range(end - first)]
                for cell in table.cells:
                    if first <= cell.row < end:
                        grid[cell.row - first][cell.column] = self._raw(slots[(cell.row, cell.column)])
                built.append(ScannedTable(Grid(rows=grid, page=self.number, regular=True), self._edges(table.xs)))
            return built
        return build

    def loose(self, table: LooseTable):
        edges = [table.label_right] + [(a[1] + b[0]) / 2 for a, b in zip(table.bands, table.bands[1:])]
        left = min(b.x0 for row in table.rows for b in row)
        right = max(table.bands[-1][1], max(b.x1 for row in table.rows for b in row))
        xs = [left, *edges, right]
        grid_slots: list[list[_Slot]] = []
        for row in table.rows:
            top, bottom = min(b.top for b in row), max(b.bottom for b in row)
            slots = [_Slot(xs[j], top, xs[j + 1], bottom) for j in range(len(xs) - 1)]
            for box in row:
                slots[table.column_of(box)].boxes.append(box)
            numbers = any(is_numeric(b) for b in row)
            for slot in slots:
                if slot.boxes or numbers:  # header text runs over several columns: no ink of a column's own
                    self._settle(slot)
            grid_slots.append(slots)

        def build() -> list[ScannedTable]:
            grid = Grid(rows=[[self._raw(slot) for slot in slots] for slots in grid_slots], page=self.number,
                        regular=True)
            return [ScannedTable(grid, self._edges(xs))]
        return build

    def _settle(self, slot: _Slot) -> None:
        """Text from the boxes; or, where there is ink the boxes do not explain, a re-read to schedule."""
        self.slots.append(slot)
        if not slot.reread and slot.boxes:
            _read_as(slot, [(join_text(line), min(b.score for b in line)) for line in visual_lines(slot.boxes)])
            return
        crops = self._line_crops(slot)
        if crops:
            self.pending.append((slot, crops))
        elif slot.boxes:  # a box over a line, but no ink of this cell's own: keep what was read
            _read_as(slot, [(join_text(line), min(b.score for b in line)) for line in visual_lines(slot.boxes)])

    def _line_crops(self, slot: _Slot) -> list[np.ndarray]:
        """The cell's ink cut into lines of text (rows of ink with blank rows between), padded.

        A column of characters written one per line (a vertical header) becomes one line: its characters,
        cut at the column's width (a character may have blank rows inside it), set side by side.
        """
        x0, top = int(slot.x0) + 3, int(slot.top) + 3
        x1, bottom = int(slot.x1) - 2, int(slot.bottom) - 2
        if x1 <= x0 or bottom <= top:
            return []
        ink = self.ink[top:bottom, x0:x1]
        if int(np.count_nonzero(ink)) < _MIN_INK_PIXELS:
            return []
        rows = np.flatnonzero(ink.any(axis=1))
        runs = [(int(r[0]), int(r[-1])) for r in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)]
        tallest = max(end - start + 1 for start, end in runs)
        joined: list[tuple[int, int]] = []
        for start, end in runs:  # a stroke broken by a blank row or two is one line
            if joined and start - joined[-1][1] - 1 <= max(2, 0.15 * tallest):
                joined[-1] = (joined[-1][0], end)
            else:
                joined.append((start, end))
        runs = [(start, end) for start, end in joined if end - start + 1 >= 4]
        if not runs:
            return []  # specks, or what is left of a line
        cols = np.flatnonzero(ink[runs[0][0]:runs[-1][1] + 1].any(axis=0))
        width = int(cols[-1] - cols[0] + 1)
        if runs[-1][1] - runs[0][0] + 1 > 1.8 * width and len(runs) >= 2:
            chars = []
            for start, end in runs:
                if chars and end - chars[-1][0] + 1 <= 1.25 * width:
                    chars[-1] = (chars[-1][0], end)
                else:
                    chars.append((start, end))
            left, right = x0 + int(cols[0]), x0 + int(cols[-1]) + 1
            return [_side_by_side([self.clean[top + a:top + b + 1, left:right] for a, b in chars])]
        crops = []
        for start, end in runs:
            line = np.flatnonzero(ink[start:end + 1].any(axis=0))
            image = self.clean[top + start:top + end + 1, x0 + line[0]:x0 + line[-1] + 1]
            pad = max(4, (end - start + 1) // 3)
            crops.append(cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255))
        return crops

    def read_pending(self) -> None:
        """All scheduled re-reads of the page in one batch."""
        crops = [crop for _, crops in self.pending for crop in crops]
        results = iter(read_crops(crops, self.threads))
        for slot, slot_crops in self.pending:
            lines = [next(results) for _ in slot_crops]
            _read_as(slot, [(text, score) for text, score in lines if text.strip()])
        self.pending = []

    def read_past_specks(self) -> None:
        """Numbers read with a stray mark beside them (".0", "12。"): each read again without the specks.

        The cell is cut to the span of its glyphs (specks are not in the page's ink, which is cleaned of
        them; a dash is a glyph), so marks beside the digits go and nothing between them (a decimal point)
        is lost; the new reading is kept only if it is a clean number.
        """
        todo = []
        for slot in self.slots:
            text = squash(slot.text)
            if re.search(r"\d", text) and not _CLEAN_NUMBER.match(text) and not _CJK.search(text):
                crop = self._without_specks(slot)
                if crop is not None:
                    todo.append((slot, crop))
        for (slot, _), (text, score) in zip(todo, read_crops([crop for _, crop in todo], self.threads)):
            if _CLEAN_NUMBER.match(squash(text)):
                slot.text, slot.confidence = text, score

    def _without_specks(self, slot: _Slot) -> np.ndarray | None:
        x0, top = int(slot.x0) + 3, int(slot.top) + 3
        x1, bottom = int(slot.x1) - 2, int(slot.bottom) - 2
        if x1 <= x0 or bottom <= top:
            return None
        count, _, stats, _ = cv2.connectedComponentsWithStats(self.ink[top:bottom, x0:x1], connectivity=8)
        parts = [tuple(int(v) for v in stats[i][:4]) for i in range(1, count)]
        if not parts:
            return None
        tallest = max(h for _, _, _, h in parts)
        glyphs = [p for p in parts if p[3] >= 0.4 * tallest or (p[2] >= 1.5 * p[3] and p[2] >= 0.3 * tallest)]
        left, right = min(p[0] for p in glyphs), max(p[0] + p[2] for p in glyphs)
        upper, lower = min(p[1] for p in glyphs), max(p[1] + p[3] for p in glyphs)
        image = self.clean[top + upper:top + lower, x0 + left:x0 + right]
        pad = max(4, (lower - upper) // 3)
        return cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)

    def _edges(self, xs: list[float]) -> list[float]:
        return [round((x - xs[0]) * self.points_per_pixel, 2) for x in xs]

    def _raw(self, slot: _Slot) -> RawCell:
        return RawCell(slot.text, self.number, self._points(slot.x0, slot.top, slot.x1, slot.bottom),
                       confidence=round(slot.confidence, 3))

    # ---------------------------------------------------------------- running text

    def text_lines(self, boxes: list[TextBox]) -> list[OcrLine]:
        grouped = visual_lines(boxes)
        heights = [max(b.height for b in line) * self.points_per_pixel for line in grouped]
        sizes = _font_sizes(heights)
        lines = []
        for line, size in zip(grouped, sizes):
            x0, top, x1, bottom = self._points(min(b.x0 for b in line), min(b.top for b in line),
                                               max(b.x1 for b in line), max(b.bottom for b in line))
            lines.append(OcrLine(join_text(line), x0, top, x1, bottom, size, round(min(b.score for b in line), 3)))
        return lines

    def _points(self, x0: float, top: float, x1: float, bottom: float) -> BBox:
        box = self.upright.box_to_original(x0, top, x1, bottom)
        return tuple(round(v * self.points_per_pixel, 2) for v in box)  # type: ignore[return-value]


def _read_as(slot: _Slot, lines: list[tuple[str, float]]) -> None:
    """A cell's text from its lines read. Ink that reads as nothing has no confidence; nor have several
    numbers in one cell, one under the other or side by side ("286 28"): a cell holds one number, so those
    are a number misread in pieces or the numbers of two cells, never to be run together into another."""
    slot.text = "\n".join(text for text, _ in lines)
    slot.confidence = min((score for _, score in lines), default=0.0)
    if not any(_CJK.search(text) for text, _ in lines) and (len(lines) > 1 or _SIDE_BY_SIDE.search(slot.text)):
        slot.confidence = 0.0


def _side_by_side(images: list[np.ndarray]) -> np.ndarray:
    """Character images set on one line, centred on a common height, a little apart, with a margin."""
    height = max(image.shape[0] for image in images)
    gap = max(2, height // 6)
    placed = []
    for image in images:
        above = (height - image.shape[0]) // 2
        placed.append(cv2.copyMakeBorder(image, above, height - image.shape[0] - above, gap, gap,
                                         cv2.BORDER_CONSTANT, value=255))
    line = np.hstack(placed)
    pad = max(4, height // 3)
    return cv2.copyMakeBorder(line, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


_HEADING = re.compile(r"^[一二三四五六七八九十]+、")


def _prose(text: str) -> bool:
    """The text of a ruled row one cell wide that is not part of a table: nothing (a band between tables), a
    part heading (三、收到和处理…), or a paragraph. A table's own full-width rows (第二十条第（一）项) are none."""
    text = squash(text)
    return not text or bool(_HEADING.match(text)) or len(text) >= 40


def _vertical(box: TextBox, line_height: float) -> bool:
    """A tall narrow box of several lines' height: characters written one per line (竖排表头 结/果/维/持),
    which the recogniser cannot read as one line; the cell is read again line by line."""
    return box.height > 1.8 * box.width and box.height > 1.6 * line_height


def _font_sizes(heights: list[float], box_per_font: float = 1.75, spread: float = 0.2) -> list[float]:
    """Font sizes from the heights of text-line boxes (a box is ~1.75 × the body text's size, margin included).

    Box heights of one font vary with the characters in the line (brackets, quotes), so every line within
    `spread` of the page's median height is given the median's size: the body text gets one size, and
    lines of one paragraph can be joined. Other lines (titles, notes) keep their own, to 0.5 pt.
    """
    if not heights:
        return []
    median = float(np.median(heights))
    return [round((median if abs(h - median) <= spread * median else h) / box_per_font * 2) / 2 for h in heights]
