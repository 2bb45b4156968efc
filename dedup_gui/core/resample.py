"""One picture at the long side verification works at: its pixel thresholds mean the same for every image."""

from __future__ import annotations

import cv2
import numpy as np


def at_long_side(img: np.ndarray, side: int) -> np.ndarray:
    """`img` (grey or colour) scaled up or down so its long side is `side`, aspect kept; `img` itself at that size."""
    h, w = img.shape[:2]
    f = side / max(h, w)
    if abs(f - 1) < 1e-6:
        return img
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
