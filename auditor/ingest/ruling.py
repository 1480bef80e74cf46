"""Which drawings of a PDF page rule a table, and which parts of a ruled grid are a table.

Real reports draw lines that rule nothing: WPS paints every line of prose on a white box, browsers print the
site's coloured page behind the article, WPS frames pages and underlines headings up to the frame, and Word leaves
a table open where it breaks across pages. Pure functions over pdfplumber's objects (dicts) and table rows;
the reader (pdf.py) applies them.
"""

from __future__ import annotations

import re

from ..model import BBox
from ..textnorm import squash

_BACKGROUND = 0.2  # a filled area covering this share of the page is a background, not a table's ruling


def ruling_filter(page_area: float):
    """The test that keeps a page's text and the drawings that can rule a table."""
    def keep(obj: dict) -> bool:
        return obj.get("object_type") not in ("rect", "line", "curve") or _visible(obj, page_area)
    return keep


def _visible(obj: dict, page_area: float = float("inf")) -> bool:
    """False for a rect, line or curve drawn in white (or not drawn at all), and for a filled area as large as
    a page background (a browser prints the site's coloured page behind the article): their edges are no ruling."""
    stroked = obj.get("stroke", obj.get("object_type") == "line") and not _white(obj.get("stroking_color"))
    filled = obj.get("fill") and not _white(obj.get("non_stroking_color"))
    if filled and not stroked and float(obj.get("width", 0)) * float(obj.get("height", 0)) >= _BACKGROUND * page_area:
        return False
    return bool(stroked or filled)


def open_ends(edges: list[dict], tolerance: float = 2.0) -> list[dict]:
    """Closing lines for grids left open at a page break.

    Word and WPS draw no border where a table breaks across pages, so the last row on the page has its column
    lines but no bottom line (and the first row of the next page may lack its top line); without one, pdfplumber
    finds no cell there and the row falls out of the table. Where three or more column lines end (or start) at
    the same height with no horizontal line there, one is added across them.
    """
    verticals = [e for e in edges if e["orientation"] == "v"]
    horizontals = [e for e in edges if e["orientation"] == "h"]
    added = []
    for end in ("bottom", "top"):
        for y, group in _cluster(verticals, end, tolerance):
            if len(group) < 3:
                continue
            x0, x1 = min(e["x0"] for e in group), max(e["x1"] for e in group)
            closed = any(abs(h["top"] - y) <= tolerance and h["x0"] <= x0 + tolerance and h["x1"] >= x1 - tolerance
                         for h in horizontals)
            if not closed:
                added.append({"object_type": "line", "orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y,
                              "width": x1 - x0, "height": 0})
    return added


def _cluster(edges: list[dict], key: str, tolerance: float) -> list[tuple[float, list[dict]]]:
    """Edges grouped by the value of `key` (within `tolerance`), as (value, edges)."""
    groups: list[tuple[float, list[dict]]] = []
    for edge in sorted(edges, key=lambda e: e[key]):
        if groups and edge[key] - groups[-1][0] <= tolerance:
            groups[-1][1].append(edge)
        else:
            groups.append((edge[key], [edge]))
    return groups


def _white(color) -> bool:
    """White in gray (1), RGB (1, 1, 1) or CMYK (0, 0, 0, 0); patterns and unknowns are not white."""
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (tuple, list)) or not color or not all(isinstance(c, (int, float)) for c in color):
        return False
    if len(color) == 4:
        return all(c <= 0.02 for c in color)
    return all(c >= 0.98 for c in color)


def table_parts(rows, texts: list[list[str | None]]) -> list[tuple[BBox, list, list]]:
    """(bbox, rows, texts) of each part of a ruled grid that is a table; none when no part is.

    Ruling around prose (a page border, rules under headings, boxes around paragraphs) joins with a table's own
    lines into one grid. Whole-width rows of prose split it (a heading, a sentence, several lines of text), and
    each part must prove it is a table by its shape: a row with two or more filled cells, in two or more columns.
    What is not kept is left to the text flow, in reading order.
    """
    parts, current = [], []
    for row, row_texts in zip(rows, texts):
        if _prose_row(row, row_texts):
            parts.append(current)
            current = []
        else:
            current.append((row, row_texts))
    parts.append(current)
    kept = []
    for part in parts:
        filled = [[j for j, text in enumerate(row_texts) if text and text.strip()] for _, row_texts in part]
        if len({j for row in filled for j in row}) < 2 or not any(len(row) >= 2 for row in filled):
            continue
        boxes = [bbox for row, _ in part for bbox in row.cells if bbox is not None]
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        kept.append((bbox, [row for row, _ in part], [row_texts for _, row_texts in part]))
    return kept


_SECTION_NUMERAL = re.compile(r"^[一二三四五六七八九十]+、\D*$")


def _prose_row(row, texts: list[str | None]) -> bool:
    """A row that is one cell across the whole grid holding prose: a sentence, a heading such as
    二、主动公开…, several lines of text, or nothing (the band between a heading's rule and the next line)."""
    cells = [bbox for bbox in row.cells if bbox is not None]
    if len(cells) != 1:
        return False
    raw = next((t for t in texts if t), "") or ""
    text = squash(raw)
    return (not text or len(text) >= 40 or text.endswith(("。", "；", "！", "？")) or bool(_SECTION_NUMERAL.match(text))
            or ("\n" in raw.strip() and len(text) >= 20))
