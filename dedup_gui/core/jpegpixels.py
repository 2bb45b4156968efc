"""A JPEG's pixels from libjpeg-turbo with its warnings heard.

libjpeg decodes damaged picture data without failing: it warns ("Corrupt JPEG data: premature end of data
segment", "bad Huffman code"), guesses the rest and returns garbage blocks or a colour shift down the picture.
Pillow never passes those warnings on, so a JPEG with overwritten data (bit rot, a bad sector, a copy that went
wrong) passed for a good photo: it could be grouped with its intact original and even kept in its place. simplejpeg
runs the same libjpeg-turbo at the same DCT scale and stops at the first warning: the same pixels as Pillow's for a
sound file (checked bit for bit on every JPEG of the evaluation sets), and a damaged file is told apart.
"""

from __future__ import annotations

import re

import simplejpeg
from PIL import Image, ImageFile

# Warnings that only damaged compressed data gives: a valid file never makes the decoder guess.
_DAMAGE = ("premature end of data segment", "bad huffman code", "bad arithmetic code", "instead of rst")
_ENDS_EARLY = ("premature end of jpeg file",)
# Compressed bytes the decoder never needed before a marker: a few may be an encoder's padding, this many mean it
# lost its place in damaged data (damaged copies of the evaluation sets' photos left 2 to 40,000; no sound file of
# the 2,000 JPEGs of dev, dev-large, Pillow's test images and camera-sized copies left any).
EXTRANEOUS_DAMAGE = 256
_EXTRANEOUS = re.compile(r"(\d+) extraneous bytes before marker")
# libjpeg's own names for the colour spaces whose pixels Pillow decodes to RGB or grey the same way
_SPACES = {"YCbCr": "RGB", "RGB": "RGB", "Gray": "L"}


class DataErrors(Exception):
    """libjpeg had to cover up errors in the picture data (`truncated`: the file ends before the picture does)."""

    def __init__(self, words: str, *, truncated: bool) -> None:
        super().__init__(words)
        self.truncated = truncated


def load_strict(img: ImageFile.ImageFile, data: bytes) -> bool:
    """Load the pixels of a JPEG opened (and drafted) by Pillow from `data`, at its drafted size (the smallest DCT
    scale that covers it, as Pillow's draft picked), with libjpeg's warnings heard; False where this decoder cannot
    match Pillow's (CMYK, 12-bit samples, a header it refuses) or warned of something else, and `img` is left for
    Pillow to load, as before. Everything else about `img` (its EXIF, read once, for the turn) stays Pillow's.
    Raises DataErrors for damaged picture data."""
    try:
        _, _, space, _ = simplejpeg.decode_jpeg_header(data)
    except ValueError:
        return False
    mode = _SPACES.get(space)
    if mode is None or mode != img.mode:
        return False
    colorspace = "GRAY" if mode == "L" else "RGB"
    try:
        pixels = simplejpeg.decode_jpeg(data, colorspace, min_width=img.width, min_height=img.height, strict=True)
    except ValueError as exc:
        words = str(exc)
        said = words.lower()
        if any(w in said for w in _DAMAGE) or _extraneous(said) >= EXTRANEOUS_DAMAGE:
            raise DataErrors(words, truncated=False) from exc
        if any(w in said for w in _ENDS_EARLY):
            raise DataErrors(words, truncated=True) from exc
        # a warning a sound file can give too (an unusual header or profile, a few bytes an encoder left after its
        # data), or words not known here: libjpeg stopped there, so what follows is unread; Pillow decodes it all,
        # as before (and says so if the file then ends early)
        return False
    if pixels.shape[1::-1] != img.size:
        return False
    img.im = Image.fromarray(pixels[..., 0] if pixels.ndim == 3 and mode == "L" else pixels).im
    img.tile = []  # loaded: Pillow's load() decodes nothing more
    return True


def _extraneous(said: str) -> int:
    """The bytes libjpeg skipped before a marker, from its warning; 0 when it is another warning."""
    found = _EXTRANEOUS.search(said)
    return int(found.group(1)) if found else 0
