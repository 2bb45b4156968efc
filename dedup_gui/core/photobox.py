"""Where a photo sits inside a larger picture: a phone or desktop screenshot (bars, toolbars, window chrome), a
letterbox, a border, a blurred fill. The embedding of the whole screenshot is far from the photo's; the embedding
of the box is close, so the scan also queries with the box.

Three views of one idea, tried in turn on the grey thumbnail:
- a plain frame around the picture on all sides (phone screenshots, letterbox, borders);
- profiles: the photo is the dense rectangle of "content", pixels far from the frame's colour (a plain frame) or
  with detail (chrome and blurred fill are flat), found by row and column profiles;
- edges: the photo's sides are long straight steps, the rectangle they close has far more detail inside than out.
A box must be a clear rectangle of photo, neither a sliver nor nearly the whole picture; an ordinary photo (a
subject on a plain background, a horizon, a building) gives none.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive), px

_FAR = 20.0  # grey levels from the frame colour that count as "not frame"
_DETAIL_VAR = 9.0  # local grey variance (5x5) that counts as detail: UI chrome and blurred fill stay below
_MIN_AREA, _MAX_AREA = 0.05, 0.85  # share of the picture a photo box covers
_MIN_SIDE = 0.15  # share of the picture's width (height) a photo box spans at least
_MIN_DENSITY = 0.6  # share of the box's pixels that are content
_OUTSIDE = 0.25  # content outside the box, relative to its density inside: chrome is mostly empty
_EDGE_FILL = 0.6  # content along each edge just inside the box: a photo fills its rectangle to the border
_STEP = 10.0  # grey-level step (Sobel / 4) that makes an edge pixel
_SIDE_RUN = 0.25  # a side is a straight edge run over at least this share of the picture's height or width
_SIDE_COVER = 0.6  # share of a side's length the edge must cover
_CANDIDATES = 6  # strongest edge columns (rows) tried as sides
_FINE_STEP = 6.0  # |Laplacian| of a pixel with fine detail: a blurred fill stays under it (dev: 0-2 % of its
# pixels above, the photo inside it 34-99 % per row)
_FINE_ROW = 0.1  # share of a row's pixels with fine detail in a photo (a night sky's rows: 0.15; dev: 0.34-0.5)
_FINE_FILL = 0.08  # ... and in the rows of a blurred fill around it (at most 0.02 on dev)
_BUSY_BORDER = 0.6  # detail share of the picture's outer band above which it has no frame, chrome or bars


def _longest_run(mask: np.ndarray) -> tuple[int, int]:
    """[start, end) of the longest run of True."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    if len(edges) == 0:
        return 0, 0
    starts, ends = edges[::2], edges[1::2]
    k = int(np.argmax(ends - starts))
    return int(starts[k]), int(ends[k])


def _runs(content: np.ndarray, rows_first: bool) -> Box | None:
    """The dense rectangle of a content mask by profiles: one axis, the other within it, the first again."""
    mask = content if rows_first else content.T
    rows = mask.mean(axis=1)
    if rows.max() <= 0:
        return None
    top, bottom = _longest_run(rows >= 0.5 * rows.max())
    cols = mask[top:bottom].mean(axis=0)
    if bottom - top < 4 or cols.max() <= 0:
        return None
    left, right = _longest_run(cols >= 0.5 * cols.max())
    rows = mask[:, left:right].mean(axis=1)
    if right - left < 4 or rows.max() <= 0:
        return None
    top, bottom = _longest_run(rows >= 0.5 * rows.max())
    return (left, top, right, bottom) if rows_first else (top, left, bottom, right)


def _trim(content: np.ndarray, box: Box) -> Box:
    """Drop rows (columns) at the box's ends that are content across the whole picture: bars, not photo."""
    left, top, right, bottom = box
    h, w = content.shape
    if right - left < 0.8 * w:
        bar = content.mean(axis=1) >= 0.9
        while bottom - top > 8 and bar[top]:
            top += 1
        while bottom - top > 8 and bar[bottom - 1]:
            bottom -= 1
    if bottom - top < 0.8 * h:
        bar = content.mean(axis=0) >= 0.9
        while right - left > 8 and bar[left]:
            left += 1
        while right - left > 8 and bar[right - 1]:
            right -= 1
    return left, top, right, bottom


def _sized(shape: tuple[int, ...], box: Box) -> bool:
    """Neither a sliver (a toolbar, a status bar) nor nearly the whole picture, and not the part of a photo below
    its sky: a framed picture touches at most two opposite edges of the frame (bars above and below it)."""
    h, w = shape[:2]
    left, top, right, bottom = box
    area = (bottom - top) * (right - left) / (h * w)
    touches = (left <= 1, top <= 1, right >= w - 1, bottom >= h - 1)
    if sum(touches) > 2 or (
        sum(touches) == 2 and touches not in ((True, False, True, False), (False, True, False, True))
    ):
        return False
    return right - left >= _MIN_SIDE * w and bottom - top >= _MIN_SIDE * h and _MIN_AREA <= area <= _MAX_AREA


def _contrast(content: np.ndarray, box: Box) -> tuple[float, float]:
    """Content density inside the box and outside it."""
    left, top, right, bottom = box
    area = (bottom - top) * (right - left)
    inside = float(content[top:bottom, left:right].mean())
    return inside, (float(content.sum()) - inside * area) / max(content.size - area, 1)


def _valid(content: np.ndarray, box: Box) -> bool:
    """A clear rectangle of photo: a sensible size, mostly content inside, little outside, filled to its edges."""
    if not _sized(content.shape, box):
        return False
    inside, outside = _contrast(content, box)
    if inside < _MIN_DENSITY or outside > _OUTSIDE * inside:
        return False
    left, top, right, bottom = box
    edges = (
        content[top : top + 2, left:right],
        content[bottom - 2 : bottom, left:right],
        content[top:bottom, left : left + 2],
        content[top:bottom, right - 2 : right],
    )
    return min(float(e.mean()) for e in edges) >= _EDGE_FILL  # else a subject on a plain background


def _by_profiles(content: np.ndarray) -> Box | None:
    """The largest valid rectangle found rows-first or columns-first (full-width bars mislead the one, full-height
    sidebars the other)."""
    found = [_trim(content, b) for b in (_runs(content, True), _runs(content, False)) if b is not None]
    found = [b for b in found if _valid(content, b)]
    return max(found, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), default=None)


def _sides(edges: np.ndarray, need: int) -> list[int]:
    """Positions (columns of `edges`) whose longest edge run is at least `need` long, strongest first."""
    closed = cv2.morphologyEx(edges.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((max(3, need // 6), 1), np.uint8))
    run = np.zeros(closed.shape[1], np.int32)
    longest = np.zeros_like(run)
    for row in closed:  # one vector step per row: the current run down each column, and its best
        run = (run + 1) * row
        np.maximum(longest, run, out=longest)
    picked: list[int] = []
    for x in np.argsort(-longest, kind="stable"):  # one position per edge: its neighbours are the same edge
        if longest[x] < need or len(picked) == _CANDIDATES:
            break
        if all(abs(int(x) - p) > 2 for p in picked):
            picked.append(int(x))
    return picked


def _by_edges(gray: np.ndarray, detail: np.ndarray) -> Box | None:
    """The rectangle closed by long straight steps (or the picture's border) with the most detail inside and
    little outside: a photo in a window, on a blurred fill, between bars."""
    h, w = gray.shape
    g = cv2.GaussianBlur(gray, (0, 0), 0.7)
    gx = np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0)) / 4
    gy = np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1)) / 4
    vertical = (gx > _STEP) & (gx > 2 * gy)
    horizontal = (gy > _STEP) & (gy > 2 * gx)
    vertical = cv2.dilate(vertical.astype(np.uint8), np.ones((1, 3), np.uint8)) > 0
    horizontal = cv2.dilate(horizontal.astype(np.uint8), np.ones((3, 1), np.uint8)) > 0
    xs = sorted({0, w, *_sides(vertical, round(_SIDE_RUN * h))})
    ys = sorted({0, h, *_sides(horizontal.T, round(_SIDE_RUN * w))})
    cum_v = np.vstack([np.zeros((1, w), np.int32), np.cumsum(vertical, axis=0, dtype=np.int32)])
    cum_h = np.hstack([np.zeros((h, 1), np.int32), np.cumsum(horizontal, axis=1, dtype=np.int32)])
    area = np.zeros((h + 1, w + 1), np.int64)  # summed-area table of the detail mask
    area[1:, 1:] = np.cumsum(np.cumsum(detail, axis=0), axis=1)
    total = int(area[h, w])

    def cover_v(x: int, top: int, bottom: int) -> float | None:  # None: the picture's border
        if x in (0, w):
            return None
        return float(cum_v[bottom, x] - cum_v[top, x]) / (bottom - top)

    def cover_h(y: int, left: int, right: int) -> float | None:
        if y in (0, h):
            return None
        return float(cum_h[y, right] - cum_h[y, left]) / (right - left)

    best: tuple[float, Box] | None = None
    spans_x = [(a, b) for a, b in itertools.combinations(xs, 2) if b - a >= _MIN_SIDE * w]
    spans_y = [(a, b) for a, b in itertools.combinations(ys, 2) if b - a >= _MIN_SIDE * h]
    for (left, right), (top, bottom) in itertools.product(spans_x, spans_y):
        box = (left, top, right, bottom)
        if not _sized(gray.shape, box):
            continue
        sides = [
            cover_v(left, top, bottom),
            cover_v(min(right, w - 1), top, bottom) if right < w else None,
            cover_h(top, left, right),
            cover_h(min(bottom, h - 1), left, right) if bottom < h else None,
        ]
        real = [c for c in sides if c is not None]
        if len(real) < 2 or min(real) < _SIDE_COVER:
            continue
        size = (bottom - top) * (right - left)
        inside_sum = int(area[bottom, right] - area[top, right] - area[bottom, left] + area[top, left])
        inside, outside = inside_sum / size, (total - inside_sum) / max(h * w - size, 1)
        if inside < _MIN_DENSITY or outside > _OUTSIDE * inside:
            continue
        score = sum(real) / len(real) + 0.1 * len(real)
        if best is None or score > best[0]:
            best = (score, box)
    return None if best is None else best[1]


def _framed(far: np.ndarray) -> Box | None:
    """A picture inside a plain frame that spans most of its rows (phone screenshot, letterbox, border)."""
    h, w = far.shape
    top, bottom = _longest_run(far.mean(axis=1) >= 0.5)
    if bottom - top < h * 0.2:
        return None
    left, right = _longest_run(far[top:bottom].mean(axis=0) >= 0.5)
    area = (bottom - top) * (right - left) / (h * w)
    if not 0.15 <= area <= 0.85:
        return None
    outside = far.copy()
    outside[top:bottom, left:right] = False
    if outside.sum() > 0.25 * (h * w - (bottom - top) * (right - left)):
        return None
    return left, top, right, bottom


def photo_box(gray: np.ndarray) -> Box | None:
    """The box of a photo shown inside a larger picture (grey, thumbnail size), or None for an ordinary photo."""
    g = np.asarray(gray, dtype=np.float32)
    ring = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    far = np.abs(g - np.median(ring)) > _FAR
    box = _on_blurred_fill(g) or _framed(far)  # the strictest first: a fill's bands hold no fine detail at all
    if box is not None:
        return box
    box = _by_profiles(far)
    if box is not None:
        return box
    mean = cv2.boxFilter(g, -1, (5, 5))
    detail = (cv2.boxFilter(g * g, -1, (5, 5)) - mean * mean) > _DETAIL_VAR
    detail = cv2.morphologyEx(detail.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8)) > 0
    if _border_detail(detail) > _BUSY_BORDER:
        return None  # detail right up to the picture's edges: a photo, not a photo inside chrome or a frame
    box = _by_profiles(detail)
    if box is not None:
        return box
    half = cv2.resize(g, (max(8, g.shape[1] // 2), max(8, g.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    small = _by_edges(half, cv2.resize(detail.astype(np.uint8), half.shape[::-1], interpolation=cv2.INTER_NEAREST) > 0)
    if small is None:  # the sides found at half size, where the search is four times cheaper
        return None
    fy, fx = g.shape[0] / half.shape[0], g.shape[1] / half.shape[1]
    left, top, right, bottom = small
    return round(left * fx), round(top * fy), round(right * fx), round(bottom * fy)


def _on_blurred_fill(g: np.ndarray) -> Box | None:
    """A photo on a blurred fill (a landscape photo posted as a portrait story, the gaps filled with the photo blown
    up and blurred): the fill has the photo's colours and large shapes, so the other views miss it, but blurring
    leaves it no pixel-scale detail. Only a band across the whole picture with such empty bands on both sides."""
    fine = np.abs(cv2.Laplacian(g, cv2.CV_32F, ksize=1)) > _FINE_STEP
    fine = cv2.morphologyEx(fine.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8)) > 0
    for axis in (1, 0):  # letterbox (fill above and below), then pillarbox (fill left and right)
        profile = fine.mean(axis=axis)
        start, end = _longest_run(profile >= _FINE_ROW)
        if start == 0 or end == len(profile):
            continue  # fill on one side only: a smooth sky above a detailed landscape, not a fill
        outside = np.concatenate([profile[:start], profile[end:]])
        if float(np.percentile(outside, 90)) > _FINE_FILL:
            continue
        band = fine[start:end] if axis == 1 else fine[:, start:end]
        across = band.mean(axis=1 - axis)
        edge = max(2, len(across) // 64)
        if across[:edge].max() < _FINE_ROW and across[-edge:].max() < _FINE_ROW:
            continue  # empty at both ends too: a frame all round (a white border), which _framed boxes on 4 sides
        n = fine.shape[axis]  # the band spans the whole other side
        box = (0, start, n, end) if axis == 1 else (start, 0, end, n)
        if _sized(fine.shape, box):
            return box
    return None


def _border_detail(detail: np.ndarray) -> float:
    """Share of detail in the outer band (a twentieth of each side) of the picture."""
    h, w = detail.shape
    bh, bw = max(2, h // 20), max(2, w // 20)
    band = np.concatenate([detail[:bh].ravel(), detail[-bh:].ravel(), detail[:, :bw].ravel(), detail[:, -bw:].ravel()])
    return float(band.mean())
