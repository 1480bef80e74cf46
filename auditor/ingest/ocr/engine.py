"""The OCR engine: rapidocr with the PP-OCR models shipped inside its wheel, created once per process.

Nothing is downloaded: the detection and recognition models are files of the installed package.
Detection runs on the page scaled to at most `_DETECT_SIDE` pixels (text lines are large enough there);
recognition runs on crops of the full-resolution page, in batches, each crop on rapidocr's usual 48×320
canvas (a narrower one is twice as fast but lowers the scores of short numbers: a clean "0" from 0.98 to
0.94 on a 64-pixel canvas). The only importer of rapidocr in the project.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

_LOCK = threading.Lock()  # one engine per process, used by one page at a time
_DETECT_SIDE = 1600  # longest side of the image text lines are detected on, pixels


@dataclass(frozen=True)
class TextBox:
    """One line of text found on the page image: its envelope in pixels and the recogniser's score (0–1)."""

    text: str
    score: float
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.top + self.bottom) / 2)


@lru_cache(maxsize=2)
def engine(threads: int = 0):
    """The process's RapidOCR instance (one per thread setting; 0 = as many threads as cores)."""
    from rapidocr import RapidOCR

    params = {
        "Global.log_level": "error",
        "Global.use_cls": False,  # pages are upright once rendered; 180° lines are not worth the time
        "Global.use_rec": False,  # the pipeline detects; recognition is batched by read_crops
        "Global.max_side_len": _DETECT_SIDE,
    }
    if threads > 0:  # e.g. one per worker of a process pool, so that workers do not oversubscribe the cores
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return RapidOCR(params=params)


def detect(image: np.ndarray, threads: int = 0) -> list[tuple[float, float, float, float]]:
    """Envelopes (x0, top, x1, bottom), in pixels of `image`, of the text lines of a grayscale page."""
    with _LOCK:
        result = engine(threads)(image)
    if getattr(result, "boxes", None) is None or len(result.boxes) == 0:
        return []
    return [(float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()))
            for q in np.asarray(result.boxes)]


def read_crops(crops: list[np.ndarray], threads: int = 0) -> list[tuple[str, float]]:
    """Recognise small grayscale images that each hold one line of text: (text, score 0–1) each."""
    if not crops:
        return []
    from rapidocr.ch_ppocr_rec import TextRecInput

    images = [cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) for crop in crops]
    with _LOCK:
        recogniser = engine(threads)._load_rec_model()  # rapidocr 3.10: the pipeline's batch recogniser
        result = recogniser(TextRecInput(img=images))
    return [(text, float(score)) for text, score in zip(result.txts or [], result.scores)]


def read_boxes(image: np.ndarray, envelopes: list[tuple[float, float, float, float]],
               threads: int = 0) -> list[TextBox]:
    """Recognise the text in each envelope (x0, top, x1, bottom) of a grayscale page; empty readings dropped."""
    height, width = image.shape[:2]
    kept = []
    for x0, top, x1, bottom in envelopes:
        x0, top = max(0, int(np.floor(x0))), max(0, int(np.floor(top)))
        x1, bottom = min(width, int(np.ceil(x1))), min(height, int(np.ceil(bottom)))
        if x1 - x0 >= 2 and bottom - top >= 2:
            kept.append((x0, top, x1, bottom))
    texts = read_crops([image[top:bottom, x0:x1] for x0, top, x1, bottom in kept], threads)
    return [TextBox(text, score, x0, top, x1, bottom)
            for (x0, top, x1, bottom), (text, score) in zip(kept, texts) if text.strip()]
