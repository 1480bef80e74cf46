"""A PDF page as a grayscale image (pypdfium2, the renderer pdfplumber already ships with)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium


def render_page(path: Path, index: int, dpi: int) -> np.ndarray:
    """Page `index` (0-based) of the PDF at `dpi`, as displayed (the page's /Rotate applied), uint8 0–255."""
    document = pdfium.PdfDocument(str(path))
    try:
        bitmap = document[index].render(scale=dpi / 72, grayscale=True)
        image = bitmap.to_numpy()
    finally:
        document.close()
    if image.ndim == 3:
        image = image[:, :, 0]
    return np.ascontiguousarray(image)
