"""OCR for pages without a usable text layer (scans): rapidocr for the text, OpenCV for the table lines.

`needs_ocr` tells the PDF reader which pages to read from their image; `read_scanned_page` reads one
and returns its Grids (cells with their OCR confidence) and text lines, in PDF points. OpenCV, numpy
and the engine are imported only when a page is read, so reading PDFs with a text layer stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ...config import Settings

if TYPE_CHECKING:
    from .page import ScannedPage

__all__ = ["align_continued_tables", "needs_ocr", "read_scanned_page"]

_MIN_CHARS = 20  # a text layer with fewer characters than this does not hold the page's content
_MAX_GARBLED_SHARE = 0.3


def needs_ocr(chars: int, garbled: int, cjk: int, images: int) -> bool:
    """Whether a page must be read from its image.

    `chars`: non-blank characters of its text layer; `garbled`: of which undecodable ((cid:n), private
    use, U+FFFD); `cjk`: of which Chinese; `images`: images drawn on the page. A page with almost no text
    but an image is a scan; a text layer that is mostly undecodable, or holds no Chinese at all, is
    garbage (a font without a ToUnicode map, or a scanner's failed OCR layer).
    """
    if chars < _MIN_CHARS:
        return images > 0
    return garbled > _MAX_GARBLED_SHARE * chars or cjk == 0


def align_continued_tables(pages: list[ScannedPage]) -> None:
    """Lay the parts of a table continued over consecutive scanned pages on the same columns (continuation.py)."""
    if len(pages) < 2:
        return  # nothing to align, and OpenCV stays unloaded for PDFs with a text layer
    from .continuation import align_continued_tables as align

    align(pages)


def read_scanned_page(path: Path, number: int, settings: Settings) -> ScannedPage:
    """Read page `number` (1-based) of the PDF at `path` from its image (see page.py)."""
    from .page import read_scanned_page as read

    return read(path, number, settings)
