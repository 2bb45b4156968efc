"""A key for the displayed pixels of a losslessly stored picture: a PNG, a TIFF, a BMP, a PGM or a WebP holding
the same pixels get the same key, whatever their format, compression or metadata.

The decode already holds every pixel of these formats (only JPEG is decoded in draft mode, so JPEG keeps its own
key over the compressed data, see bytechecks.jpeg_pixel_key). Pixels are compared as displayed: orientation
applied, grey and palette pictures as the RGB they show, transparent pixels as transparent whatever colour they
hide. A picture with several frames (an animation, a multi-page TIFF) gets no key: its first frame is not all
of it.
"""

from __future__ import annotations

import struct

import numpy as np
import xxhash
from PIL import Image

_AS_RGB = {"1", "L", "P", "RGB"}
_WITH_ALPHA = {"RGBA", "LA", "PA", "La", "RGBa"}


def decoded_pixel_key(img: Image.Image) -> str | None:
    """Key of the picture's displayed pixels (loaded, orientation applied), or None for a multi-frame file."""
    if getattr(img, "n_frames", 1) != 1:
        return None
    mode = img.mode
    if mode in _WITH_ALPHA or (mode == "P" and "transparency" in img.info):
        rgba = np.array(img.convert("RGBA"))
        rgba[rgba[..., 3] == 0] = 0  # what a transparent pixel hides is not shown
        mode, data = "RGBA", rgba.tobytes()
    elif mode in _AS_RGB:
        mode, data = "RGB", img.convert("RGB").tobytes()
    else:  # 16-bit, float, CMYK, ...: the stored values themselves
        data = img.tobytes()
    h = xxhash.xxh3_128()
    h.update(mode.encode())
    h.update(struct.pack("<II", *img.size))
    h.update(data)
    return "px:" + h.hexdigest()
