"""Pictures for the library simulator: distinct synthetic scenes, burst frames, and real edits of them.

A distinct picture is synthesised, not copied: a smooth colour field (sky, ground, light), a horizon, a few dozen
shapes at several scales (edges and corners for SIFT), and grain of its own. Each seed
gives a different low-frequency layout (so perceptual hashes spread) and different shapes (so the CNN and SIFT see
different content). Every copy is a real transform of those pixels (resize, crop, tone, rotation, re-encode,
format change, frame, caption), written by the same codecs a phone or an editor would use.
"""

from __future__ import annotations

import io
import string

import cv2
import numpy as np
from PIL import Image

cv2.setNumThreads(1)  # the simulator runs one process per core


def add_grain(img: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """img plus fresh grain of its own, in place (strength about 0.3-1: halved below 0.7, never scaled per pixel).

    Every picture's grain is drawn anew: fine noise (two small uniform integers, std about 5) over a softer mottle
    (noise at 1/8 size, enlarged; std 8). Grain cut from one shared noise texture, as this did before, lines up
    between pictures that share nothing else: at 1024 px two plain textures matched by their grain alone.
    """
    h, w = img.shape[:2]
    fine = rng.integers(-6, 7, (h, w), dtype=np.int16)
    fine += rng.integers(-6, 7, (h, w), dtype=np.int16)
    mottle = rng.normal(0, 8, (h // 8 + 1, w // 8 + 1)).astype(np.float32)
    grain = np.clip(fine + cv2.resize(mottle, (w, h), interpolation=cv2.INTER_CUBIC), -40, 40).astype(np.int16)
    if strength <= 0.7:
        grain //= 2
    pos = cv2.cvtColor(np.maximum(grain, 0).astype(np.uint8), cv2.COLOR_GRAY2RGB)
    neg = cv2.cvtColor(np.maximum(-grain, 0).astype(np.uint8), cv2.COLOR_GRAY2RGB)
    img[:] = cv2.subtract(cv2.add(img, pos), neg)
    return img


def _grid(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return y, x


def _pattern(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A random texture in 0..1 (float32, h x w): stripes, checks, rings, dots, blotches or a ramp."""
    kind = int(rng.integers(0, 6))
    period = float(rng.uniform(4, 60))
    if kind == 4:  # blotches: smooth noise at a random scale
        cells = rng.random((max(2, int(h / period)), max(2, int(w / period)))).astype(np.float32)
        return cv2.resize(cells, (w, h), interpolation=cv2.INTER_CUBIC)
    y, x = _grid(w, h)
    if kind == 0:  # stripes at an angle
        a = rng.uniform(0, np.pi)
        return 0.5 + 0.5 * np.sin((x * np.cos(a) + y * np.sin(a)) * (2 * np.pi / period))
    if kind == 1:  # checks
        return (((x // period) + (y // period)) % 2).astype(np.float32)
    if kind == 2:  # rings around a point
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        return 0.5 + 0.5 * np.sin(np.hypot(x - cx, y - cy) * (2 * np.pi / period))
    if kind == 3:  # dots
        return ((np.sin(x * (2 * np.pi / period)) * np.sin(y * (2 * np.pi / period))) > 0.5).astype(np.float32)
    return (x / w * rng.uniform(-1, 1) + y / h * rng.uniform(-1, 1)) % 1.0


def _colours(rng: np.random.Generator, n: int) -> np.ndarray:
    """n colours of one random scheme: muted, vivid, dark, pale or grey (whole pictures differ in mood)."""
    scheme = int(rng.integers(0, 5))
    lo, hi = ((60, 180), (0, 255), (0, 110), (150, 255), (40, 220))[scheme]
    c = rng.uniform(lo, hi, (n, 3)).astype(np.float32)
    return np.repeat(c.mean(axis=1, keepdims=True), 3, axis=1) if scheme == 4 else c


# Share of distinct pictures without clutter (skies, snow, walls): with it, the share of thumbnails short of
# keypoints and detail matches dev-large's real photos (see scene)
PLAIN_SHARE = 0.05


def scene(seed: int, w: int, h: int) -> np.ndarray:
    """A distinct RGB uint8 picture of w x h for this seed.

    Layers of random textures (stripes, checks, rings, dots, blotches, ramps) in a random colour scheme, under
    flat shapes and lines: each picture has its own layout (perceptual hashes spread), its own textures (the CNN
    sees different pictures) and corners (SIFT has something to match). Drawn at most 768 px wide and scaled up
    (as soft as a phone photo at full size), then grain is added at the final size.
    """
    rng = np.random.default_rng(seed)
    f = min(1.0, 768 / max(w, h))
    bw, bh = max(8, round(w * f)), max(8, round(h * f))
    colours = _colours(rng, 12)
    # the light: a smooth colour field made at 1/8 size, scaled up
    lw, lh = max(4, bw // 8), max(4, bh // 8)
    grid = colours[rng.integers(0, 12, (int(rng.integers(2, 5)), int(rng.integers(2, 5))))]
    low = cv2.resize(grid, (lw, lh), interpolation=cv2.INTER_CUBIC)
    img = np.clip(cv2.resize(low, (bw, bh), interpolation=cv2.INTER_LINEAR), 0, 255).astype(np.uint8)
    for layer in range(int(rng.integers(1, 4))):  # textured regions: the background, a horizon, big blobs
        a, b = colours[rng.integers(0, 12)], colours[rng.integers(0, 12)]
        lut = (a + (b - a) * np.linspace(0, 1, 256, dtype=np.float32)[:, None]).astype(np.uint8)[:, None, :]
        level = cv2.cvtColor((_pattern(rng, bw, bh) * 255).astype(np.uint8), cv2.COLOR_GRAY2RGB)
        texture = cv2.LUT(level, lut)
        mask = np.zeros((bh, bw), np.uint8)
        if layer == 0 and rng.random() < 0.5:
            mask[:] = 255
        elif rng.random() < 0.5:
            y0, tilt = bh * rng.uniform(0.3, 0.7), rng.uniform(-0.2, 0.2) * bh
            pts = np.array([[0, y0], [bw, y0 + tilt], [bw, bh], [0, bh]], np.int32)
            cv2.fillPoly(mask, [pts], 255)
        else:
            for _ in range(int(rng.integers(1, 4))):
                centre = (int(rng.integers(0, bw)), int(rng.integers(0, bh)))
                axes = (int(bw * rng.uniform(0.1, 0.4)), int(bh * rng.uniform(0.1, 0.4)))
                cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 255, -1)
        cv2.copyTo(texture, mask, img)
    unit = max(bw, bh) / 100
    for _ in range(int(rng.integers(8, 35))):
        colour = tuple(int(c) for c in colours[rng.integers(0, 12)])
        cx, cy = int(rng.integers(0, bw)), int(rng.integers(0, bh))
        size = unit * rng.pareto(1.6) * 4 + unit
        kind = rng.random()
        if kind < 0.4:
            axes = (int(size), int(size * rng.uniform(0.3, 1.0)))
            cv2.ellipse(img, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_AA)
        elif kind < 0.75:
            n = int(rng.integers(3, 7))
            ang = np.sort(rng.uniform(0, 2 * np.pi, n))
            rad = size * rng.uniform(0.5, 1.2, n)
            pts = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1).astype(np.int32)
            cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)
        else:
            x2, y2 = int(cx + rng.normal(0, size * 2)), int(cy + rng.normal(0, size * 2))
            cv2.line(img, (cx, cy), (x2, y2), colour, max(1, int(size / 6)), cv2.LINE_AA)
    if rng.random() > PLAIN_SHARE:  # clutter (leaves, pebbles, fabric): photos have detail almost everywhere
        for _ in range(int(rng.integers(100, 400))):
            colour = tuple(int(c) for c in colours[rng.integers(0, 12)])
            cx, cy = int(rng.integers(0, bw)), int(rng.integers(0, bh))
            axes = (max(1, int(unit * rng.uniform(0.3, 2.0))), max(1, int(unit * rng.uniform(0.2, 1.2))))
            cv2.ellipse(img, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_AA)
    small = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.5, 1.5)))
    if (bw, bh) != (w, h):
        small = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return add_grain(small, rng, float(rng.uniform(0.3, 1.0)))


def burst(seed: int, w: int, h: int, frames: int) -> list[np.ndarray]:
    """Frames of one scene shot in a burst: the camera drifts a few percent, the light and the grain change."""
    rng = np.random.default_rng(seed ^ 0x5EED)
    big = scene(seed, int(w * 1.12), int(h * 1.12))
    out = []
    x, y = (big.shape[1] - w) // 2, (big.shape[0] - h) // 2
    for _ in range(frames):
        x = int(np.clip(x + rng.integers(-w // 40, w // 40 + 1), 0, big.shape[1] - w))
        y = int(np.clip(y + rng.integers(-h // 40, h // 40 + 1), 0, big.shape[0] - h))
        frame = tone(big[y : y + h, x : x + w], float(rng.uniform(0.92, 1.08)))
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))  # something moved in the scene
        cv2.circle(frame, (cx, cy), int(min(w, h) * 0.06), tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
        out.append(add_grain(frame, rng, 0.4))
    return out


def screenshot_ui(seed: int) -> np.ndarray:
    """A phone screenshot of an app: flat bars, cards and lines of text (these look alike, and are not copies)."""
    rng = np.random.default_rng(seed)
    w, h = 590, 1280
    bg = int(rng.choice([245, 250, 30, 18]))
    img = np.full((h, w, 3), bg, np.uint8)
    accent = tuple(int(c) for c in rng.integers(30, 230, 3))
    cv2.rectangle(img, (0, 0), (w, 40), (int(bg * 0.9),) * 3, -1)
    cv2.rectangle(img, (0, 40), (w, 130), accent, -1)
    ink = (20,) * 3 if bg > 128 else (230,) * 3
    y = 170
    while y < h - 60:
        if rng.random() < 0.3:
            card = tuple(int(c) for c in rng.integers(60, 220, 3))
            ch = int(rng.integers(120, 300))
            cv2.rectangle(img, (20, y), (w - 20, y + ch), card, -1)
            y += ch + 20
            continue
        text = "".join(rng.choice(list(string.ascii_letters + "    "), int(rng.integers(10, 34))))
        cv2.putText(img, text, (24, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, ink, 1, cv2.LINE_AA)
        y += int(rng.integers(30, 44))
    return img


# -- edits: each takes and returns an RGB uint8 array ------------------------------------------------------------


def resize(img: np.ndarray, factor: float) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(img, (max(8, int(w * factor)), max(8, int(h * factor))), interpolation=cv2.INTER_AREA)


def fit(img: np.ndarray, side: int) -> np.ndarray:
    h, w = img.shape[:2]
    return resize(img, side / max(h, w)) if max(h, w) > side else img


def crop(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    keep = rng.uniform(0.72, 0.92)
    ch, cw = int(h * keep), int(w * keep)
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    return img[y : y + ch, x : x + cw]


def tone(img: np.ndarray, gain: float, offset: float = 0.0) -> np.ndarray:
    return np.clip(img.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)


def contrast(img: np.ndarray, factor: float) -> np.ndarray:
    mean = img.mean()
    return np.clip((img.astype(np.float32) - mean) * factor + mean, 0, 255).astype(np.uint8)


def saturation(img: np.ndarray, factor: float) -> np.ndarray:
    grey = img.astype(np.float32).mean(axis=2, keepdims=True)
    return np.clip(grey + (img - grey) * factor, 0, 255).astype(np.uint8)


def grayscale(img: np.ndarray) -> np.ndarray:
    return np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)


def blur(img: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), 1.5)


def sharpen(img: np.ndarray) -> np.ndarray:
    soft = cv2.GaussianBlur(img, (0, 0), 2.0)
    return cv2.addWeighted(img, 1.6, soft, -0.6, 0)


def border(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    pad = int(max(h, w) * rng.uniform(0.04, 0.12))
    colour = [int(rng.choice([0, 255]))] * 3
    return cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=colour)


def watermark(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = img.copy()
    h, w = out.shape[:2]
    scale = max(h, w) / 900
    text = "(c) " + "".join(rng.choice(list(string.ascii_uppercase), 8))
    cv2.putText(out, text, (int(w * 0.05), int(h * 0.92)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 2)
    return out


def phone_screenshot(img: np.ndarray) -> np.ndarray:
    """The photo shown full-width on a phone screen: status bar above, black below, as a screenshot."""
    w, h = 590, 1280
    screen = np.zeros((h, w, 3), np.uint8)
    photo = resize(img, w / img.shape[1])
    top = (h - photo.shape[0]) // 2
    screen[top : top + photo.shape[0]] = photo[: h - top]
    screen[:40] = 24
    return screen


# -- encoding -------------------------------------------------------------------------------------------------------


def exif_bytes(taken: str | None, camera: str | None, orientation: int = 1) -> bytes:
    exif = Image.Exif()
    if camera:
        make, _, model = camera.partition(" ")
        exif[0x010F], exif[0x0110] = make, model or make
    if orientation != 1:
        exif[0x0112] = orientation
    if taken:
        exif[0x0132] = taken
        exif.get_ifd(0x8769)[0x9003] = taken
    return exif.tobytes()


def encode(img: np.ndarray, fmt: str, *, quality: int = 90, exif: bytes = b"") -> bytes:
    pil = Image.fromarray(img)
    buf = io.BytesIO()
    if fmt == "JPEG":
        pil.save(buf, "JPEG", quality=quality, exif=exif)
    elif fmt == "PNG":
        pil.save(buf, "PNG", compress_level=1)
    elif fmt == "WEBP":
        pil.save(buf, "WEBP", quality=quality, method=0)
    elif fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
        pil.save(buf, "HEIF", quality=quality)
    else:
        raise ValueError(fmt)
    return buf.getvalue()


def orientation_copy(img: np.ndarray, orientation: int) -> np.ndarray:
    """The pixels a camera stores for EXIF `orientation`, so that a viewer applying the tag shows `img`."""
    t = Image.Transpose
    # the inverse of the transform a viewer applies for each tag (ImageOps.exif_transpose's table)
    inverse = {2: t.FLIP_LEFT_RIGHT, 3: t.ROTATE_180, 4: t.FLIP_TOP_BOTTOM, 5: t.TRANSPOSE, 6: t.ROTATE_90,
               7: t.TRANSVERSE, 8: t.ROTATE_270}[orientation]  # fmt: skip
    return np.asarray(Image.fromarray(img).transpose(inverse))


def with_comment(jpeg: bytes, text: str) -> bytes:
    """The same JPEG with a comment segment added: other bytes, identical pixels (a metadata-only edit)."""
    comment = text.encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return jpeg[:2] + segment + jpeg[2:]


# XYZ (D65) to linear sRGB, as DNG's SRATIONAL pairs: a converter then renders the sensor's values as the picture's
# colours (an identity matrix made every RAW far more saturated than its JPEG)
_XYZ_TO_SRGB = tuple(v for x in (32406, -15372, -4986, -9689, 18758, 415, 557, -2040, 10570) for v in (x, 10000))


def linear_dng(img: np.ndarray, camera: str, taken: str) -> bytes:
    """A linear DNG (demosaiced 16-bit RGB, as some cameras and converters write): a RAW original of `img`.

    Its values are linear light, as a sensor's are (the picture's values raised to 2.2), so a RAW converter's gamma
    renders about the picture again, as a camera's JPEG and its RAW look alike; before, the picture's values were
    written as they were and a converter's gamma washed them out. The date and the camera are in its own tags, as a
    camera writes them.
    """
    import tifffile

    data = np.round((img.astype(np.float32) / 255) ** 2.2 * 16383).astype(np.uint16)  # 14-bit, as a sensor gives
    make, _, model = camera.partition(" ")
    buf = io.BytesIO()
    extratags = [
        (271, "s", 0, make, True),  # Make
        (272, "s", 0, model or make, True),  # Model
        (306, "s", 0, taken, True),  # DateTime
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, "s", 0, camera, True),  # UniqueCameraModel
        (50717, "I", 1, 16383, True),  # WhiteLevel
        (50721, "2i", 9, _XYZ_TO_SRGB, True),  # ColorMatrix1: the sensor's RGB is linear sRGB
        (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
    ]
    tifffile.imwrite(
        buf, data, photometric=34892, planarconfig="contig", extratags=extratags, subfiletype=0, metadata=None
    )
    return buf.getvalue()
