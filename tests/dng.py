"""Real, small DNG files written with tifffile: a Bayer mosaic of a photo that LibRaw demosaics, an optional
embedded JPEG preview, a 256 px first-IFD thumbnail (what Pillow shows of a DNG) and EXIF-like tags."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import tifffile
from PIL import Image


def _jpeg_codec(data: np.ndarray, level: Any = None, **kwargs: Any) -> bytes:
    """A JPEG encoder (Pillow) for tifffile's strip writer, which otherwise needs the imagecodecs package."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(data).reshape(data.shape[-3:])).save(buf, "JPEG", quality=90)
    return buf.getvalue()


tifffile.TIFF.COMPRESSORS._codecs[7] = _jpeg_codec


def make_dng(
    path: Path,
    rgb: Image.Image,
    *,
    preview: bool = False,
    orientation: int = 1,
    make: str = "Nikon",
    model: str = "Nikon Z 6",
) -> Path:
    """A DNG of `rgb` as the sensor saw it (RGGB mosaic, 12 bits), stored unrotated with `orientation`.

    IFD0 is a 256 px thumbnail, as Adobe's converter writes; the raw CFA image is in a SubIFD, and with `preview`
    a full-size JPEG preview too.
    """
    w, h = rgb.size
    lin = ((np.asarray(rgb, dtype=np.float64) / 255.0) ** 2.2 * 4000 + 64).astype(np.uint16)
    cfa = np.empty((h, w), np.uint16)
    cfa[0::2, 0::2] = lin[0::2, 0::2, 0]
    cfa[0::2, 1::2] = lin[0::2, 1::2, 1]
    cfa[1::2, 0::2] = lin[1::2, 0::2, 1]
    cfa[1::2, 1::2] = lin[1::2, 1::2, 2]
    thumb = np.asarray(rgb.resize((256, 256 * h // w)))
    identity = (10000, 10000, 0, 10000, 0, 10000) * 2 + (0, 10000, 0, 10000, 10000, 10000)
    ifd0 = [
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, "s", 0, model, True),  # UniqueCameraModel
        (271, "s", 0, make, True),
        (272, "s", 0, model, True),
        (274, "H", 1, orientation, True),
        (50721, "2i", 9, identity, True),  # ColorMatrix1
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
        (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral
    ]
    cfa_tags = [
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: RGGB
        (50714, "H", 1, 64, True),  # BlackLevel
        (50717, "H", 1, 4095, True),  # WhiteLevel
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with tifffile.TiffWriter(path) as tif:
        tif.write(
            thumb,
            photometric="rgb",
            subfiletype=1,
            subifds=2 if preview else 1,
            extratags=ifd0,
            datetime="2021:05:06 07:08:09",
            metadata=None,
        )
        tif.write(cfa, photometric=32803, subfiletype=0, extratags=cfa_tags, metadata=None)
        if preview:
            tif.write(
                np.asarray(rgb), photometric="rgb", compression="jpeg", rowsperstrip=h, subfiletype=1, metadata=None
            )
    return path
