"""Elements one of two aligned pictures adds on the other's blank ground that repeat an element it already has.

An overlay brings something new: a watermark, a logo, a caption, a sticker. Two pictures of one set differ by more
or fewer of their own elements: the five and the eight of spades are one card with three more pips, two frames of an
animated icon one drawing with a part of it drawn again elsewhere. Both add solid detail where the other picture is
blank, so the share of the picture that differs cannot tell them apart (a single pip is 3 % of a card, a corner logo
as much); whether the added element is a copy of one the picture shows elsewhere can. On dev and dev-large no copy
adds anything solid on blank ground inside its frame (their overlays sit at the edges or over texture); on 1,567
image files shipped in other projects' wheels, 145 pairs taken for copies did: 143 cards of one deck with other
pips, a switch icon with and without its knob, two frames of an hourglass (README, "Two pictures of one set are not
copies").
"""

from __future__ import annotations

import cv2
import numpy as np

CLEAR = 100.0  # local grey variance (9x9, after a 1-px blur) of clear detail
_BLANK = 4.0  # ... below which the other picture shows nothing there
_FLAT = 0.5  # median variance of the other picture under an added element: truly blank, not faint texture made
# clear by an edit (a local-contrast look over a white backdrop: 1.19 there, card pips 0.0)
_SOLID = 64  # 90th percentile of the grey difference an added element makes: an object, not texture (the same
# local-contrast look: 42; pips 104-156)
_REPEAT = 0.9  # normalised correlation with a place of the picture outside what it adds: a repeated element (pips
# 0.91-0.99; the local-contrast look's texture 0.885, the aces' suit signs 0.80)
_MIN_SHARE = 0.004  # an element at least this share of the frame (a pip is 2-3 % of a card's thumbnail; a letter,
# a speck of noise less)
_BAND = 0.06  # share of the overlap's width or height along its edges where bars, borders and a screen's chrome sit
_RADIUS = 3  # px at 256: strokes of one element closer than twice this are one element; separate pips stay apart


def repeated_additions(a: np.ndarray, b: np.ndarray, mask: np.ndarray, va: np.ndarray, vb: np.ndarray) -> int:
    """How many solid elements either picture adds inside the overlap (`mask`) where the other is blank, that repeat,
    as they are or turned half round, an element the picture shows outside what it adds. `va`, `vb`: local grey
    variances of the aligned grey pictures `a` and `b` (9x9 windows after a 1-px blur)."""
    min_core = _MIN_SHARE * mask.size
    sides = []
    for own, other, v_own, v_other in ((a, b, va, vb), (b, a, vb, va)):
        added = (v_other < _BLANK) & (v_own > CLEAR) & mask  # nearly empty for a photo: the rest is skipped
        if np.count_nonzero(added) >= min_core:
            sides.append((own, other, v_other, added))
    if not sides:
        return 0
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    box = (int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1]))
    radius = max(1, round(_RADIUS * max(mask.shape) / 256))
    return sum(_repeated_on(*side, mask, box, radius, min_core) for side in sides)


def _repeated_on(
    own: np.ndarray,
    other: np.ndarray,
    v_other: np.ndarray,
    added: np.ndarray,
    mask: np.ndarray,
    box: tuple[int, int, int, int],
    radius: int,
    min_core: float,
) -> int:
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(added.view(np.uint8), disc), connectivity=8)
    y0, y1, x0, x1 = box
    band_y, band_x = _BAND * (y1 - y0), _BAND * (x1 - x0)
    sized, elements = [], []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        core = added[y : y + h, x : x + w] & (labels[y : y + h, x : x + w] == i)
        if np.count_nonzero(core) < min_core:
            continue
        sized.append((x, y, w, h))
        inside = x > x0 + band_x and y > y0 + band_y and x + w < x1 - band_x and y + h < y1 - band_y
        if inside and _solid(own, other, v_other, core, (x, y, w, h)):
            elements.append((x, y, w, h))
    if not elements:
        return 0
    # the picture outside the overlap and outside everything it adds: an element must repeat what is left
    fill = int(np.median(own[mask]))
    rest = np.where(mask, own, np.uint8(fill))
    for x, y, w, h in sized:
        rest[max(0, y - radius) : y + h + radius, max(0, x - radius) : x + w + radius] = fill
    return sum(_repeats(own[y : y + h, x : x + w], rest) for x, y, w, h in elements)


def _solid(
    own: np.ndarray, other: np.ndarray, v_other: np.ndarray, core: np.ndarray, rect: tuple[int, int, int, int]
) -> bool:
    """An object put on truly blank ground, not faint texture an edit made clear."""
    x, y, w, h = rect
    if float(np.median(v_other[y : y + h, x : x + w][core])) >= _FLAT:
        return False
    apart = np.abs(own[y : y + h, x : x + w].astype(np.int16) - other[y : y + h, x : x + w].astype(np.int16))[core]
    return float(np.percentile(apart, 90)) >= _SOLID


def _repeats(patch: np.ndarray, rest: np.ndarray) -> bool:
    if patch.shape[0] >= rest.shape[0] or patch.shape[1] >= rest.shape[1] or float(patch.std()) < 1.0:
        return False
    for turned in (patch, np.ascontiguousarray(patch[::-1, ::-1])):
        if float(cv2.matchTemplate(rest, turned, cv2.TM_CCOEFF_NORMED).max()) >= _REPEAT:
            return True
    return False
