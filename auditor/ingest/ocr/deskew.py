"""Small rotations of a scanned page (±2°) measured from its text lines and ruling lines, and undone.

The angle that makes the rows of ink sharpest (the horizontal projection profile with the largest
variation) is the page's skew; coordinates found on the straightened image are mapped back to the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_WORK_WIDTH = 900  # the angle is searched on a copy this wide


@dataclass(frozen=True)
class Straightened:
    """The page image turned upright by `angle` degrees, and the way back to the original pixels."""

    image: np.ndarray
    angle: float
    inverse: np.ndarray  # 2×3 affine: straightened pixel → original pixel

    def to_original(self, x: float, y: float) -> tuple[float, float]:
        m = self.inverse
        return (m[0, 0] * x + m[0, 1] * y + m[0, 2], m[1, 0] * x + m[1, 1] * y + m[1, 2])

    def box_to_original(self, x0: float, top: float, x1: float, bottom: float) -> tuple[float, float, float, float]:
        """The envelope, in original pixels, of an upright box of the straightened image."""
        corners = [self.to_original(x, y) for x, y in ((x0, top), (x1, top), (x0, bottom), (x1, bottom))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        return (min(xs), min(ys), max(xs), max(ys))


def _rotation(shape: tuple[int, int], angle: float) -> np.ndarray:
    height, width = shape
    return cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)


def _sharpness(ink: np.ndarray, angle: float) -> float:
    turned = cv2.warpAffine(ink, _rotation(ink.shape, angle), (ink.shape[1], ink.shape[0]),
                            flags=cv2.INTER_NEAREST, borderValue=0)
    profile = turned.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(profile)).sum())


def skew_angle(gray: np.ndarray, limit: float = 2.0) -> float:
    """The rotation (degrees, counter-clockwise) that straightens the page, within ±`limit`."""
    scale = min(1.0, _WORK_WIDTH / gray.shape[1])
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.sum() < 0.002 * ink.size:
        return 0.0  # (almost) nothing printed: nothing to straighten
    best = max(np.arange(-limit, limit + 1e-9, 0.2), key=lambda a: _sharpness(ink, float(a)))
    fine = np.arange(best - 0.2, best + 0.2 + 1e-9, 0.04)
    return round(float(max(fine, key=lambda a: _sharpness(ink, float(a)))), 2)


def straighten(gray: np.ndarray, limit: float = 2.0) -> Straightened:
    angle = skew_angle(gray, limit)
    if abs(angle) < 0.05:
        identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        return Straightened(gray, 0.0, identity)
    matrix = _rotation(gray.shape, angle)
    turned = cv2.warpAffine(gray, matrix, (gray.shape[1], gray.shape[0]), flags=cv2.INTER_LINEAR,
                            borderValue=255)
    return Straightened(turned, angle, cv2.invertAffineTransform(matrix))
