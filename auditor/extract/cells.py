"""Raw cell text → a value and its state (number / blank / "/" / unreadable). Never repairs a value."""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Cell, CellState, RawCell, Table
from ..textnorm import squash

_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:件|条|个|项|次|万元)?$")
_SLASH = {"/", "\\", "-", "—", "——", "–", "－", "―", "无", "×", "x", "X"}


def parse_value(text: str) -> tuple[int | float | None, CellState]:
    """Return (value, state) for one cell's raw text; `value` is None unless the state is NUMBER."""
    s = squash(text)
    if not s:
        return None, CellState.BLANK
    if s in _SLASH:
        return None, CellState.SLASH
    if _NUMBER.match(s):
        digits = re.sub(r"[件条个项次万元,+]", "", s)
        number = float(digits) if "." in digits else int(digits)
        return number, CellState.NUMBER
    return None, CellState.UNREADABLE


_NUMERIC_RUN = re.compile(r"^[\d.,+\-]+$")  # digits and signs run together ("2648-18538"): values, never a label


def is_value_text(text: str | None) -> bool:
    """True when the text can stand in a value cell (a number, blank, a slash, or digits run together), not a label."""
    if text is None:
        return True
    return parse_value(text)[1] is not CellState.UNREADABLE or bool(_NUMERIC_RUN.match(squash(text)))


def to_cell(raw: RawCell | None, note: str | None = None) -> Cell:
    """A Cell for one raw cell; a position with no cell at all (None) reads as unreadable."""
    if raw is None:
        return Cell(None, CellState.UNREADABLE, "", note=note or "此位置无单元格")
    value, state = parse_value(raw.text)
    return Cell(value, state, raw.text, raw.page, raw.bbox, note, raw.confidence)


def distrust_uncertain_ocr(table: Table, threshold: float) -> None:
    """Cells read by OCR less surely than `threshold` become unreadable; what OCR read stays as `raw`.

    A blank cell read with no confidence at all is ink OCR could not make out, not a blank.
    """
    for columns in table.cells.values():
        for column, cell in columns.items():
            if cell.confidence is None or cell.confidence >= threshold or cell.state is CellState.UNREADABLE:
                continue
            if squash(cell.raw):
                why = f"OCR 识别为“{squash(cell.raw)}”，置信度 {cell.confidence:.2f} 低于 {threshold:.2f}，不足以采信"
            else:
                why = "扫描图像中此格有笔迹，但 OCR 未能识别"
            columns[column] = replace(cell, value=None, state=CellState.UNREADABLE, note=why)


def unreadable(raw_text: str, page: int | None, note: str) -> Cell:
    return Cell(None, CellState.UNREADABLE, raw_text, page, None, note)
