"""A second, larger decode for the few pairs the 256-px thumbnails cannot settle (star fields, small crops with few
keypoints, a photo small inside a screenshot): grey, long side up to DETAIL_SIDE, EXIF orientation applied.

Only verification asks for it, pair by pair; a file that cannot be read again (moved, damaged, a format this
decoder does not handle) just leaves the thumbnail's verdict standing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from PIL import Image

from dedup_gui.core.decoding import DecodeError
from dedup_gui.core.pictures import gray_picture

log = logging.getLogger("dedup_gui.detail")

# Long side of the larger decode: stars, text and small crops survive; still one JPEG draft. SIFT works on the picture
# doubled, so its cost grows fast with this side (a dev-large photo: 81 ms at 768 px, 176 ms at 1024), and a 12 MP
# JPEG decodes at 1/4 instead of 1/2. Against 1024, near mode gave the same pairs on eight evaluation sets; a
# camera-sized one gained a local-contrast copy (and a keystone, lost a pair), and matplotlib's images lost 3
# pairs of different plots (README, "Larger decodes at 768 px").
DETAIL_SIDE = 768


def decode_gray(path: str, side: int, box: tuple[float, float, float, float] | None = None) -> np.ndarray | None:
    """The picture at `path` as grey uint8 with its long side at most `side` (never enlarged), or None.

    `box` (left, top, right, bottom as shares of the displayed width and height) cuts a part out first, decoded
    at the resolution that part has in the file. The scan's own display decoder does the work: every format it
    reads (RAWs from their full-size preview), orientation applied, the same size and memory guards, in grey.
    """
    want = side
    if box is not None:  # the part must come out at `side`: ask for the whole accordingly
        want = round(side / max(box[2] - box[0], box[3] - box[1], 1e-3))
    try:
        gray = gray_picture(path, want)
    except DecodeError as exc:
        log.info("no larger decode of %s: %s", path, exc)
        return None
    if box is not None:
        bw, bh = gray.size
        gray = gray.crop((round(box[0] * bw), round(box[1] * bh), round(box[2] * bw), round(box[3] * bh)))
    if max(gray.size) > side:
        gray.thumbnail((side, side), Image.Resampling.BOX)
    return np.asarray(gray, dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a content's pixels can be read again, and how large they are."""

    path: str
    long_side: int  # displayed long side, px
    tones: float = 0.0  # the decoded picture's share in a few flat tones (ImageInfo.tones): a drawing's, or not
