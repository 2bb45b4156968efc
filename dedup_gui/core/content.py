"""A distinct file content as the matching stages see it: its byte-identical copies, its decode facts, its hashes."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from dedup_gui.core.hashing import TRANSFORMS, best_transform
from dedup_gui.core.types import ImageInfo, PairEvidence, Problem, Tier, seconds_between
from dedup_gui.core.verify import DRAWN_TONES, Verification

# Another shot of the same scene taken this close in time by the same camera is a burst, a similar shot whatever its
# cosine. Burst frames in dev-large are 1-12 s apart (cosine 0.64-0.85, where a third were lost); look-alike shots
# of other moments that verification also calls "another shot" are 342 s or more apart.
BURST_SECONDS = 60.0


@dataclass
class Content:
    """One distinct file content: its byte-identical copies share one decode and one node in the graph."""

    paths: list[str]
    file_ids: list[int]
    size: int
    info: ImageInfo | None = None
    phash: np.ndarray | None = None
    dhash: np.ndarray | None = None
    pixel_key: str | None = None
    problem: Problem | None = None
    # float16 as stored (half the memory of float32: 256 MB for 100,000 photos), L2-normalised CNN embedding
    vector: np.ndarray | None = None  # (dim,)
    # (m, dim): extra queries: the picture turned 90, 180 and 270 degrees when the scan embedded rotations, then
    # the picture inside a frame when one was seen (see rotated_rows)
    queries: np.ndarray | None = None
    # which of file_ids the store keeps this content's decode, verdicts and keypoints under: the first of its files
    # with a stored decode. A byte copy added later may sort first, and has none of them (see `key`)
    stored_at: int = 0

    @property
    def key(self) -> int:
        """The file id this content's thumbnail, verdicts and keypoints are stored under."""
        return self.file_ids[self.stored_at]


ROTATIONS = 3  # rows of rotated queries, first in `queries`; a frame adds one row, so 3 or more rows mean rotations


def rotated_rows(queries: np.ndarray | None) -> int:
    """How many of these extra queries are rotations of the picture (the rest: the picture inside its frame)."""
    return ROTATIONS if queries is not None and len(queries) >= ROTATIONS else 0


def scene_cosine(a: Content, b: Content, cosine: float | None) -> float | None:
    """The candidate's cosine as evidence of another shot of the same scene: without the rotated queries when one of
    them gave it. Shots of one scene stand the same way up, and a quarter turn makes a checkerboard or a facade look
    like another (dev-large, similar mode: 5 calibration shots joined a group through rotated queries)."""
    if cosine is None or a.vector is None or b.vector is None:
        return cosine
    if not (rotated_rows(a.queries) or rotated_rows(b.queries)):
        return cosine  # no rotated query: the candidate's cosine is an upright one
    upright = float(np.dot(a.vector.astype(np.float32), b.vector.astype(np.float32)))
    turned = -1.0
    for q, v in ((a.queries, b.vector), (b.queries, a.vector)):
        if q is None:
            continue
        rows = rotated_rows(q)
        scores = np.asarray(q, dtype=np.float32) @ v.astype(np.float32)
        if rows:
            turned = max(turned, float(scores[:rows].max()))
        if len(scores) > rows:
            upright = max(upright, float(scores[rows:].max()))
    return upright if turned > upright else cosine


def best_cosine(a: Content, b: Content) -> float:
    """Cosine of two contents, over their extra queries too (a rotated copy is close only to a rotated query)."""
    assert a.vector is not None and b.vector is not None
    best = float(a.vector @ b.vector)
    for q, v in ((a.queries, b.vector), (b.queries, a.vector)):
        if q is not None:
            best = max(best, float((q @ v).max()))
    return best


def hash_evidence(a: Content, b: Content, tier: Tier) -> PairEvidence:
    """Evidence that b is a copy of a by their hashes, naming the transform that turns a into b."""
    assert a.phash is not None and b.phash is not None and a.dhash is not None and b.dhash is not None
    t, dp, dd = best_transform(a.phash, b.phash, a.dhash, b.dhash)
    name = _INVERSE[TRANSFORMS[t]]
    what = "" if name == "identity" else f", {TRANSFORM_WORDS[name]}"
    return PairEvidence(
        a.paths[0],
        b.paths[0],
        tier,
        score=round(max(0.0, 1.0 - dp / 32.0), 3),
        method="hash",
        hash_distance=dp,
        transform=None if name == "identity" else name,
        description=f"looks the same{what} (perceptual hashes {dp} and {dd} bits apart of 64)",
    )


# T(b) ~ a means b looks like T^-1(a): name the inverse so the text describes b relative to a.
_INVERSE = {"identity": "identity", "rot90": "rot270", "rot180": "rot180", "rot270": "rot90"} | {
    t: t for t in TRANSFORMS if t.startswith("mirror")
}

# How b differs from a, in words (the transform names of PairEvidence; np.rot90 turns counter-clockwise).
TRANSFORM_WORDS = {
    "rot90": "turned 90° left",
    "rot180": "upside down",
    "rot270": "turned 90° right",
    "mirror": "mirrored",
    "mirror+rot90": "mirrored and turned 90° left",
    "mirror+rot180": "flipped upside down",
    "mirror+rot270": "mirrored and turned 90° right",
}


def _seconds_apart(a: Content, b: Content) -> float | None:
    """Seconds between two capture times written by one camera (None: a time or the camera unknown or different)."""
    if a.info is None or b.info is None or a.info.camera != b.info.camera:
        return None
    gap = seconds_between(a.info, b.info)
    return None if gap is None else abs(gap)


def burst(a: Content, b: Content) -> bool:
    """Taken by one camera within seconds of each other (both capture times known): frames of one burst."""
    gap = _seconds_apart(a, b)
    return gap is not None and gap <= BURST_SECONDS


def another_exposure(a: Content, b: Content) -> bool:
    """Two exposures one camera dated apart: never copies of each other, however alike they look (frames of one
    burst; the same stretch of road filmed by a dash cam weeks apart, which lines up as a crop even at 941 px).
    Copies keep the original's capture time or lose it: on dev and dev-large no copy pair of one camera has two
    different times. An app that rewrites the time of a copy (a time-zone fix) makes it another exposure here: a
    copy shown as a similar shot, never different photos shown as copies. Beyond a burst's seconds both files must
    name the camera."""
    gap = _seconds_apart(a, b)
    if gap is None or gap == 0:
        return False
    return gap <= BURST_SECONDS or (a.info is not None and a.info.camera is not None)


def as_seen(a: Content, b: Content, v: Verification) -> Verification:
    """The verdict as linking and grouping read it: two exposures the camera dated apart are other shots, however
    alike they look; a drawing mirrored or turned is another drawing, and one with an overlay or other tones another
    version of it."""
    if v.verdict != "same-photo":
        return v
    if another_exposure(a, b):
        return replace(v, verdict="similar")
    if reoriented_drawing(v) or (_drawings(a, b) and _reoriented(v)):
        return replace(v, verdict="different", description="a drawing mirrored or turned: another drawing")
    if _drawings(a, b) and (v.overlay > 0 or v.tone_edit):  # a verdict names an overlay of 1 % or more
        # a tone curve maps any few tones onto any others, and what an "overlay" covers on a drawing is what makes
        # it another one (a marker added to a chart, a glyph beside its mask, other words): verify's FEW_TONES
        # rule, for two pictures drawn as decoded though their thumbnails' antialiased edges are not near a few
        return replace(v, verdict="similar", description="another version of a drawing: " + v.description)
    return v


def reoriented_drawing(v: Verification) -> bool:
    """A match of two drawings (near a few tones) only as a mirror image, a turn or a tilt of one another. Text and
    charts read one way and icons come in mirrored and turned pairs (back and forward, up and down), and on
    drawings a fit finds such a match between different ones: four unrelated charts in one frame "mirrored and
    turned 90 degrees", a large circle marker as a small dot "rotated 180 degrees, straightened 15.6 degrees". A
    copy of a drawing keeps its orientation; a photo's mirrored or turned copy is still a copy."""
    return bool(v.drawn) and _reoriented(v)


def _reoriented(v: Verification) -> bool:
    return v.mirrored or v.rotation != 0 or abs(v.tilt) >= 1.0


def _drawings(a: Content, b: Content) -> bool:
    """Both pictures near a few tones as decoded (ImageInfo.tones), though their thumbnails may not be (markers
    whose antialiased edges a thumbnail widens: matplotlib's m05 and m30 "rotated 180 degrees")."""
    return a.info is not None and b.info is not None and min(a.info.tones, b.info.tones) >= DRAWN_TONES
