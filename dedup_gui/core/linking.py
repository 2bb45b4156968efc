"""Candidate pairs and their confirmation into tiers.

Candidates come from three places: identical decoded pixels (exact), perceptual hashes close under some rotation
or mirror, and CNN embeddings close in cosine (which also catch crops, edits and, through rotated queries, rotated
copies). Embeddings cannot tell an edited copy from another shot of the same scene, so every candidate that is
not near-identical by its hashes is checked geometrically (verify.py): a copy aligns almost perfectly after a
similarity transform, a different shot does not.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from dedup_gui.core import verify
from dedup_gui.core.candidates import Candidate, CandidatePairs, candidates, crowded, hash_partners
from dedup_gui.core.checker import PairChecker
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import (
    Content,
    another_exposure,
    as_seen,
    best_cosine,
    burst,
    hash_evidence,
    scene_cosine,
)
from dedup_gui.core.hashing import best_transform
from dedup_gui.core.types import PairEvidence, Tier

log = logging.getLogger("dedup_gui.linking")

# Bump when candidates or tiers change for the same inputs: a rescan reuses stored links only of the same version.
# 2: hash matches verified, on-demand links, any-angle and dense verification; 3: DENSE_COSINE; 4: bursts
MATCH_VERSION = 30  # 5: camera-dated frames are never copies; 6, 7: CLOSER_COSINE; 8: small copies; 9: bursts;
# 10: two exposures one camera dated apart are never copies, however far apart; 11: drawings are not trusted by
# their hashes alone, and a symmetric subject's mirrored copy is looked for when a direct fit fails; 12: so is a
# copy stretched to another aspect; 13: a clear fit's error and wrong matches may be its points' noise
# (noisy_residual, quiet_outliers), and a clear mirrored fit is refitted as a stretched copy too; 14: a larger
# decode's texture stands above its grain; 15: a stretched copy and another copy are judged as a pair never compared;
# 16: two photos whose aligned pixels agree keep no member out (verdicts say whether a picture is drawn); 17: a
# rotated query pairs its picture with its 3 nearest pictures only (candidates.ROTATED_NEIGHBOURS); 18: a rotated
# query's cosine does not make another shot of the same scene (content.scene_cosine); 19: a drawing mirrored or
# turned is another drawing (content.reoriented_drawing); 20: a drawing is told by its decoded picture's tones too
# (ImageInfo.tones), its copies by thumbnails are looked at again on larger decodes, and two drawn as decoded turned
# or mirrored are other drawings, and with an overlay or other tones other versions; a plain picture's copy is found
# by its same pixels too (checker.SAME_PIXELS); 21: pairs only the hashes found wait for a copy (HASH_ONLY_NEAREST)
# 22: a drawing's copy repeats its lines and words but for what an overlay covers (verify.MOVED_RADIUS); 23: a copy
# found mirrored or turned is measured as it is too (verify._as_is); 24: a clear fit failed only by its wrong
# matches is made again from b's keypoints (verify._matched_from_b); 25: what may be frames of one burst, and
# exposures dated apart, are verified, never trusted by their hashes (_trusted_by_hashes); 26: a picture that adds
# an element it already shows on the other's blank ground is another picture of a set (repeats.py); 27: a member that
# keeps a copy apart is outvoted by the anchor's other copies (membership.Membership._outvoted); 28: the same
# picture in other colours is another version (colours.py), and not trusted by its hashes; 29: a light picture on
# transparency is laid on black, not on white where it was a blank page (decoding.to_rgb); 30: a drawing's fit may
# have more wrong matches where its aligned pixels are the same but for rounding (verify's spotless_outliers)
# Candidates at least this close by their embeddings (or close by their hashes) are aligned from the whole picture
# when keypoints leave them unsettled, on the thumbnails and on a larger decode. The copies that whole-picture
# alignment decided on dev and dev-large (30 pairs) are hash-close or at cosine >= 0.866.
DENSE_COSINE = 0.8
# Candidates from this cosine up are aligned from the whole thumbnails too (a keypoint-poor wallpaper and its
# portrait cut, 68 % cropped: cosine 0.80-0.82), going on only from a placement that lines up almost exactly
# (dense.STRICT_LOOK). A larger decode is made for them only when their thumbnails have
# too few keypoints and show detail otherwise (a heavy crop of a photo: 11 keypoints on its thumbnail, 47 at 640
# px; cosine 0.76): on dev and dev-large, a larger decode of a pair short of detail in this band settled no copy,
# and on the simulated 10k library those pairs took 70 % of the matching time. Nor when the thumbnails have
# keypoints enough for a clear fit and nothing in common (checker._unplaced), as for doubtful strong candidates.
CLOSER_COSINE = 0.7
# Strong candidates under this cosine, their hashes not close, get no larger decode when their thumbnails have keypoints
# enough and nothing in common at all (checker._unplaced); from it up the larger decode still looks. A screenshot of
# a photo on dev (cosine 0.95) was a copy only on the larger decodes; 90 % of the simulated 10k library's such pairs
# are under 0.88, so this keeps nearly all the rule saves there (156 of 160 s of their larger decodes, made cold).
SURE_COSINE = 0.9
# Pairs only the hashes found (the embeddings keep each picture's 12 nearest, not these) are verified at once for
# each picture's few nearest by hash distance; the rest only once either picture is known to have a copy, round
# after round. A crowd of look-alikes (an app's screenshots, one form scanned many times) has close hashes between
# nearly every two of its pictures, so their pairs grow with the square of the crowd: 188 such pairs at 10k simulated
# photos, 23,445 at 100k, nearly all between two of its app screenshots and verified as different. A crowd of real
# copies (one picture saved many ways) has them too, and there every pair may carry a link grouping needs: its
# pictures have copies among their first pairs, so all its pairs are verified. "Has a copy": a copy link (byte
# copies, pixel twins, near-identical hashes, a verified copy after the camera's and the drawings' rules), as a
# rescan also knows it from the links it keeps; another shot does not count (in such crowds those were two distinct
# screenshots or formula renders). Replayed on stored verdicts (bench/hash_crowds.py --copies): at 3, no copy
# verdict is left unverified on dev-large, Pillow's test images, other projects' image files, copies of their
# drawings and the simulated 10k library; at 100k, 16,627 of the 23,445 pairs are not verified, and the one copy
# verdict among them is between two distinct app screenshots.
HASH_ONLY_NEAREST = 3


Links = list[tuple[int, int, PairEvidence]]


def pixel_links(contents: list[Content], ok: list[int]) -> Links:
    """Contents whose displayed pixels are identical: JPEGs differing only in metadata, and lossless files of the
    same pixels in any format (a PNG and a TIFF of one picture)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i in ok:
        key = contents[i].pixel_key
        if key:
            by_key[key].append(i)
    links: Links = []
    for members in by_key.values():
        first = contents[members[0]]
        for j in members[1:]:
            formats = sorted({c.info.format for c in (first, contents[j]) if c.info is not None})
            what = f"same pixels, {' and '.join(formats)}" if len(formats) > 1 else "same pixels, different metadata"
            ev = PairEvidence(first.paths[0], contents[j].paths[0], Tier.EXACT, 1.0, "pixels", description=what)
            links.append((members[0], j, ev))
    return links


def confirm(
    contents: list[Content],
    config: ScanConfig,
    found: CandidatePairs,
    checker: PairChecker,
    linked: np.ndarray | None = None,
    held: np.ndarray | None = None,
) -> Links:
    """A tier for each candidate: near-identical hashes of detailed pictures directly, the rest by geometric
    verification (cached). Plain pictures (star fields, fog, documents) have close hashes without being copies.
    `linked` (a flag per content): contents already known to have a copy (see HASH_ONLY_NEAREST); None: every
    candidate is verified at once (hashes alone, where every pair is one only the hashes found). `held` (a flag per
    candidate): the pairs that wait for a copy, when ranked on more pairs than `found` (a rescan's)."""
    links: Links = []
    trusted = _trusted_by_hashes(contents, found, checker)
    for i, j in trusted:
        ev = hash_evidence(contents[i], contents[j], Tier.SAME_PHOTO)
        links.append((i, j, _with_cosine(ev, found[(i, j)].cosine)))
    strong = found.close | (found.cosine >= DENSE_COSINE)  # NaN (no cosine) compares as False
    closer = (found.cosine >= CLOSER_COSINE) & ~strong
    dense, near = found.take(strong), found.take(closer)
    doubtful = found.take(strong & ~found.close & (found.cosine < SURE_COSINE))
    untrusted = ~found.rows_of(trusted)
    rest = found.take(untrusted)
    if linked is None:
        later = np.zeros(len(found), dtype=bool)
    else:
        later = (crowded(found, HASH_ONLY_NEAREST) if held is None else held) & untrusted
    seen = np.zeros(len(contents), dtype=bool) if linked is None else linked.copy()
    for i, j in trusted:
        seen[i] = seen[j] = True
    # verdicts come one at a time as they are read or made (nearly all different, kept by the store); the links
    # are made in the order the candidates were found, as grouping breaks ties by the order of its links
    made: dict[tuple[int, int], PairEvidence] = {}
    batch = found.take(untrusted & ~later)
    while len(batch):
        for (i, j), v in checker.each_verdict(batch, dense=dense, closer=near, doubtful=doubtful):
            link = _tier(contents, i, j, found[(i, j)], v, config)
            if link is not None:
                made[(i, j)] = link
                if link.tier is not Tier.SIMILAR:  # a copy: as a rescan knows it, from the links it keeps
                    seen[i] = seen[j] = True
        now = later & (seen[found.a] | seen[found.b])
        later &= ~now
        batch = found.take(now)
    if later.any():
        log.info("%d pairs only the hashes found, between pictures with no copy, left unverified", int(later.sum()))
    return links + [(i, j, made[(i, j)]) for i, j in rest if (i, j) in made]


def _trusted_by_hashes(contents: list[Content], found: CandidatePairs, checker: PairChecker) -> set[tuple[int, int]]:
    """Pairs whose hashes alone prove a copy: near-identical, and both pictures detailed photos (not drawings). The
    decision is stored with the verdicts; a pair trusted so before is looked at again (an older version trusted
    drawings too, and frames of one burst), which costs a thumbnail read per picture and no verification.

    Two pictures that may be frames of one burst are verified like any pair: one camera dated them in the same
    second (a copy keeps its original's capture time, so the time alone says nothing), at the same size and in the
    same format (a copy resized or converted is no frame). The next frame of a burst has hashes a few bits from the
    last one's, and was grouped as a copy: 16 such pairs in the simulated 10k library, beside 83 copies that keep
    their original's time and 554 that do not. Two exposures a camera dated apart are never copies
    (content.another_exposure): verified too."""
    identical = list(found.take(found.identical))
    checker.load(identical)  # their stored verdicts in one read
    known = {pair: checker.known(*pair) for pair in identical}
    unsettled = [pair for pair, v in known.items() if v is None or v.by_hashes]
    plain = checker.plain({k for pair in unsettled for k in pair})
    trusted = {
        (i, j)
        for i, j in unsettled
        if not plain[i]
        and not plain[j]
        and not _maybe_frames(contents[i], contents[j])
        and not another_exposure(contents[i], contents[j])
        and not checker.recoloured(i, j)
    }
    checker.trust([pair for pair in trusted if known[pair] is None])
    checker.forget([pair for pair in unsettled if known[pair] is not None and pair not in trusted])
    return trusted


def _maybe_frames(a: Content, b: Content) -> bool:
    """Frames of one burst, as far as the files tell: one camera, within seconds, the same size and format."""
    if a.info is None or b.info is None or not burst(a, b):
        return False
    return (a.info.width, a.info.height, a.info.format) == (b.info.width, b.info.height, b.info.format)


def on_demand_link(
    contents: list[Content], config: ScanConfig, checker: PairChecker, i: int, j: int
) -> tuple[int, int, PairEvidence] | None:
    """Verify a pair no candidate search proposed (assembly asks: a copy of a member, against the anchor)."""
    i, j = min(i, j), max(i, j)
    v = checker.verdicts([(i, j)], dense={(i, j)}).get((i, j))
    if v is None:
        return None
    a, b = contents[i], contents[j]
    cand = Candidate(cosine=best_cosine(a, b) if a.vector is not None and b.vector is not None else None)
    if a.phash is not None and b.phash is not None and a.dhash is not None and b.dhash is not None:
        _, dp, dd = best_transform(a.phash, b.phash, a.dhash, b.dhash)
        cand.hash_close = dp <= config.hashes.phash and dd <= config.hashes.dhash
    link = _tier(contents, i, j, cand, v, config)
    return None if link is None else (i, j, replace(link, on_demand=True))


class OnDemandLinks:
    """What assembly may ask the checker: verdicts already known, and links verified on demand.

    `stored`: a verdict any earlier scan stored counts as known (regrouping: read by key when asked); else only
    the verdicts this scan verified or read for its candidates.
    """

    def __init__(
        self, contents: list[Content], config: ScanConfig, checker: PairChecker, *, stored: bool = False
    ) -> None:
        self._contents, self._config, self._checker, self.stored = contents, config, checker, stored

    def known(self, i: int, j: int) -> verify.Verification | None:
        return self._checker.recall(i, j) if self.stored else self._checker.known(i, j)

    def link(self, i: int, j: int) -> tuple[int, int, PairEvidence] | None:
        return on_demand_link(self._contents, self._config, self._checker, i, j)


def _tier(
    contents: list[Content], i: int, j: int, cand: Candidate, v: verify.Verification, config: ScanConfig
) -> PairEvidence | None:
    """The verification decides (close hashes never overrule it: look-alike series have them too)."""
    a, b = contents[i], contents[j]
    cos = f", cosine {cand.cosine:.2f}" if cand.cosine is not None else ""
    v = as_seen(a, b, v)  # the camera says it took two pictures, however alike they look
    if v.verdict == "same-photo" and v.plain and not (cand.hash_close or v.same_pixels):
        # a plain picture lines up with many: its tone curve alone, without close hashes or the same pixels (a
        # gradient at another bit depth, whose perceptual hash is 14-22 bits off), proves nothing
        return None
    if v.verdict == "same-photo":
        text = (v.description or "same photo") + cos
        return PairEvidence(
            a.paths[0],
            b.paths[0],
            Tier.SAME_PHOTO,
            round(v.score, 3),
            "geometry",
            cosine=cand.cosine,
            transform=_transform(v),
            description=text,
            **_facts(v),
        )
    near = (
        v.partial
        or v.lighting
        or cand.hash_close
        or (scene_cosine(a, b, cand.cosine) or 0.0) >= config.similar_cosine
        or burst(a, b)
    )
    if (v.verdict == "similar" and near) or _burst_frames(a, b, v):
        what = "the same photo cropped two ways (the frames overlap in part)" if v.partial else "another shot"
        what = "the same view in other light" if v.lighting else what
        what = verify.COLOUR_WORDS if v.recoloured else what
        return PairEvidence(
            a.paths[0],
            b.paths[0],
            Tier.SIMILAR,
            round(v.score, 3),
            "geometry",
            cosine=cand.cosine,
            description=f"{what} of the same scene{cos}" if not (v.partial or v.recoloured) else f"{what}{cos}",
            **_facts(v),
        )
    return None


def _burst_frames(a: Content, b: Content, v: verify.Verification) -> bool:
    """Two frames the camera took seconds apart whose keypoints line up as one scene's do, though their pixels
    differ too much for "another shot" (the people moved between the frames): the camera says they are one burst.
    Without the capture times, such an overlap is no evidence (any two road scenes line up a few keypoints)."""
    return v.verdict == "different" and burst(a, b) and verify.scene_keypoints(v)


def _facts(v: verify.Verification) -> dict:
    """The structured evidence fields a verification establishes."""
    crop, extra = round(v.uncovered_a, 3), round(v.uncovered_b, 3)
    return {
        "crop": crop if crop >= 0.01 else None,
        "extra": extra if extra >= 0.01 else None,
        "partial": v.partial,
        "angle": v.tilt if abs(v.tilt) >= 0.3 else None,
        "overlay": v.overlay or None,
        "tone_edit": v.tone_edit,
        "alignment": "dense" if v.dense else "keypoints",
        "detail": v.detail,
    }


def _transform(v: verify.Verification) -> str | None:
    if v.rotation == 0:
        return "mirror" if v.mirrored else None
    return ("mirror+" if v.mirrored else "") + f"rot{v.rotation}"


def _with_cosine(ev: PairEvidence, cosine: float | None) -> PairEvidence:
    if cosine is None:
        return ev
    return replace(ev, cosine=cosine, description=f"{ev.description}, cosine {cosine:.2f}")


def find_links(
    contents: list[Content],
    config: ScanConfig,
    checker: PairChecker,
    *,
    check: Callable[[], None] = lambda: None,
    among: np.ndarray | None = None,
    kept: Links | None = None,
) -> Links:
    """Every confirmed link between contents, each with its tier and evidence; with `among` (a flag per content),
    only the candidate pairs with at least one flagged content, and `kept`, the last scan's links between the
    others (a rescan), last."""
    ok = [i for i, c in enumerate(contents) if c.info is not None]
    links = pixel_links(contents, ok)
    twins = {(min(i, j), max(i, j)) for i, j, _ in links}
    kept = kept or []
    # a rescan searches the pairs of its new and changed contents, and of every content close by its hashes to one:
    # each picture of a pair it verifies then has all its pairs at hand, ranked as a whole scan ranks them
    around = None if among is None or not config.embeddings else hash_partners(contents, config, among, check)
    found = candidates(contents, config, check, among if around is None else around)
    found = found.take(~found.rows_of(twins))
    if not config.embeddings:
        # hashes alone: close hashes are the evidence; only pairs with a plain picture are verified, two exposures
        # a camera dated apart, and two pictures in other colours (hashes are grey), as _trusted_by_hashes does
        close = found.take(found.close)
        plain = checker.plain(set(close.a.tolist()) | set(close.b.tolist()))
        flat = np.array([plain[i] or plain[j] for i, j in close], dtype=bool)
        dated = np.array(
            [
                not p and (another_exposure(contents[i], contents[j]) or checker.recoloured(i, j))
                for (i, j), p in zip(close, flat, strict=True)
            ],
            dtype=bool,
        )
        checked = close.take(np.concatenate([np.flatnonzero(flat), np.flatnonzero(dated)]).astype(np.int64))
        trusted = close.take(~(flat | dated))
        links += [(i, j, hash_evidence(contents[i], contents[j], Tier.SAME_PHOTO)) for i, j in trusted]
        return links + confirm(contents, config, checked, checker) + kept
    held = crowded(found, HASH_ONLY_NEAREST)
    if around is not None and among is not None:
        # two unchanged pictures keep what the last scan said of them, as with the embeddings' nearest (see
        # incremental.py), though a new picture close to both may have moved their pair's rank
        mine = among[found.a] | among[found.b]
        found, held = found.take(mine), held[mine]
    # a picture known to have a copy (HASH_ONLY_NEAREST): byte copies, pixel twins, and the copy links a rescan keeps
    # from the last scan, which found them as this scan's confirm would (not those its grouping asked for)
    linked = np.array([len(c.paths) > 1 for c in contents], dtype=bool)
    for i, j, ev in links + kept:
        if ev.tier is not Tier.SIMILAR and not ev.on_demand:
            linked[i] = linked[j] = True
    return links + confirm(contents, config, found, checker, linked, held) + kept
