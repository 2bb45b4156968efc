"""How near a picture is to a few flat tones: what tells a drawing (text, a chart, an icon) from a photo."""

from __future__ import annotations

import numpy as np
from PIL import Image

# A picture whose greys lie this close together or closer shows next to nothing: a white glyph laid on white is one
# grey, a light-grey one (232 and up) is under 10 % contrast (decoding lays such a picture with transparency on black)
BLANK_SPREAD = 24


def tone_mass(gray: np.ndarray) -> float:
    """Share of the pixels within +-3 grey levels of the picture's four strongest tones."""
    counts = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    near = np.convolve(counts, np.ones(7), mode="same")
    taken = np.zeros(256, dtype=bool)
    for _ in range(4):
        k = int(np.argmax(np.where(taken, -1.0, near)))
        taken[max(0, k - 3) : k + 4] = True
    return float(counts[taken].sum() / max(1.0, counts.sum()))


def grey_spread(img: Image.Image) -> int:
    """How far apart the darkest and the lightest grey of a picture are."""
    low, high = img.convert("L").getextrema()  # one band: (lowest, highest)
    assert isinstance(low, int) and isinstance(high, int)
    return high - low
