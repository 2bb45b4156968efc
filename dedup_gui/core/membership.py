"""Who may join a star group: the rules assembly applies to each newcomer, and the verifications they ask for.

A newcomer joins the anchor's group when it is the same photo as the anchor (linked directly, or verified on
demand after it matched another member) and no member contradicts it. A member contradicts it when their own
comparison says another shot or clearly different; a pair never compared is judged by embeddings and hashes
first and verified on demand when those say no, so a rotated or cropped copy is not kept out by a loose guess.
"""

from __future__ import annotations

from typing import Protocol

from dedup_gui.core import collector
from dedup_gui.core.content import Content, another_exposure, as_seen, best_cosine, burst
from dedup_gui.core.hashing import hamming
from dedup_gui.core.types import ImageInfo, PairEvidence, Tier
from dedup_gui.core.verify import DEFAULT_THRESHOLDS, SIDE, Verification, scene_keypoints

# Two members of one group must not be clearly different photos: embeddings this far apart are. Each member is
# already confirmed against the group's anchor, so this only has to catch the clearly unrelated.
COMPATIBLE_COSINE = 0.5
# Two frames that overlap in part and both show all of the anchor (two borders or screens around it) are two
# copies only when each shows a share the other lacks: a frame that is all but inside the other is a camera that
# moved or zoomed a little (dev's other shots: 0.01 on the thinner side). Pixels cannot tell two crops from two
# shifted shots; the anchor decides (see Membership.compatible), and is chosen to be the photo itself
# (grouping.star_groups). Two frames the anchor shows all of need no share: a straightened copy beside a crop
# shows only the corners it cut away (dev-large: 0.005).
TWO_CROPS_MIN_SHARE = 0.02
# A picture whose long side is under half the verification size is enlarged more than twice to be compared: too
# few pixels and keypoints to tell a copy from another shot (a 64-px copy beside a letterboxed one said "different
# shot"). As a full-frame copy of the anchor it neither confirms nor rules out another member: the anchor does.
SMALL_SIDE = SIDE // 2

Pair = tuple[int, int]
Link = tuple[int, int, PairEvidence]


class PairOracle(Protocol):
    """What assembly may ask about a pair beyond the links: a remembered verdict, or a verification on demand."""

    # verdicts stored by earlier runs count as known: some were verified on demand by a regroup, which stores no
    # links, so a known verdict may lack the link it made then
    stored: bool

    def known(self, i: int, j: int) -> Verification | None: ...

    def link(self, i: int, j: int) -> Link | None: ...


def contradicts(v: Verification, tiers: frozenset[Tier]) -> bool:
    """A verdict that keeps two files out of one group: aligned and clearly different, or another shot of the
    scene where the mode groups copies only.

    A pair with no alignment at all says nothing either way, nor does a whole-picture alignment whose overlap does
    not correlate (it found no placement: a small crop of a plain picture ends there as often as two different
    photos do), nor a keypoint fit whose aligned pixels agree as a copy's do (its statistics failed, not the
    pictures: a social crop beside a copy with text on it); two crops (partial) are judged with the anchor. Where
    the mode groups other shots, keypoints that line up as one scene's make another shot, not a contradiction.
    """
    if v.verdict == "same-photo" or v.partial:
        return False
    if v.verdict == "similar" or (Tier.SIMILAR in tiers and scene_keypoints(v)):
        return Tier.SIMILAR not in tiers
    if v.dense:
        if v.drawn is False and v.overlap_ncc >= DEFAULT_THRESHOLDS.same_ncc:
            return False  # two photos placed, the pixels agreeing: a test beside them failed (a plain crop's cover)
        return v.overlap_ncc >= DEFAULT_THRESHOLDS.similar_ncc
    return -1 < v.overlap_ncc < DEFAULT_THRESHOLDS.same_ncc


def holds(ev: PairEvidence, x: str) -> bool:
    """Does the file x of this link show all of the other one (is the other a copy or a crop of it)?"""
    share = ev.extra if ev.a == x else ev.crop
    return share is None or share < 0.01


def _aspect(info: ImageInfo) -> float:
    """Long side over short side."""
    return max(info.width, info.height) / max(min(info.width, info.height), 1)


def _two_crops(partial: bool, share_a: float | None, share_b: float | None) -> bool:
    return partial and min(share_a or 0.0, share_b or 0.0) >= TWO_CROPS_MIN_SHARE


class Membership:
    """The links a mode admits and the rules for joining a group; verifications asked for become links too."""

    def __init__(
        self,
        contents: list[Content],
        links: list[Link],
        tiers: frozenset[Tier],
        apart: set[Pair],
        radius: int,
        oracle: PairOracle | None,
    ) -> None:
        self._contents, self._links, self._tiers, self._radius, self._oracle = contents, links, tiers, radius, oracle
        self.apart = {p for a, b in apart for p in ((a, b), (b, a))}
        self.evidence: dict[Pair, PairEvidence] = {}
        self.rejected: dict[Pair, PairEvidence] = {}
        self._settled: set[Pair] = set()  # pairs whose link (or lack of one) the links already say
        self._neighbours: dict[int, set[int]] = {}  # the files each is linked with, admitted or not
        self._votes: dict[Pair, tuple[int, frozenset[int]]] = {}  # (anchor, newcomer): _outvoted's count
        for a, b, ev in links:
            self._settled.update(((a, b), (b, a)))
            if (a, b) in self.apart:
                continue
            self._file(a, b, ev)

    def _file(self, a: int, b: int, ev: PairEvidence) -> None:
        """An admitted link joins; another shot contradicts; a copy link in exact mode says neither."""
        self._neighbours.setdefault(a, set()).add(b)
        self._neighbours.setdefault(b, set()).add(a)
        if ev.tier in self._tiers:
            self.evidence[(a, b)] = self.evidence[(b, a)] = ev
        elif ev.tier is Tier.SIMILAR:
            self.rejected[(a, b)] = self.rejected[(b, a)] = ev

    def release(self) -> None:
        """Empty what it holds a slice at a time (collector.release): two entries per link, freed at once when
        grouping returned, held the GIL for 100-300 ms at 100k photos."""
        collector.release(self.evidence, self.rejected, self._settled, self.apart, self._neighbours, self._votes)

    def admitted(self) -> list[Link]:
        """The links the mode admits (each once)."""
        return [(a, b, ev) for (a, b), ev in self.evidence.items() if a < b]

    def ask(self, i: int, j: int) -> Verification | None:
        """The pair's verdict, verified now if it never was; a link found that way joins the links."""
        if self._oracle is None:
            return None
        v = self._known(i, j)
        if v is None:
            self._link(i, j)
            v = self._oracle.known(i, j)
        return v

    def _known(self, i: int, j: int) -> Verification | None:
        """The pair's remembered verdict. One read back from the store is made into its link again when the links
        lack it, as when it was verified on demand: else a regroup would group otherwise once an earlier regroup
        had stored the verdict (10,000 files: a screenshot left a group on the second run)."""
        if self._oracle is None:
            return None
        v = self._oracle.known(i, j)
        if v is not None and self._oracle.stored and (i, j) not in self._settled:
            self._link(i, j)  # the verdict is known: nothing is verified again
        return v

    def _link(self, i: int, j: int) -> None:
        """Verify the pair on demand (or take its known verdict); the link it makes joins the links."""
        assert self._oracle is not None
        self._settled.update(((i, j), (j, i)))
        found = self._oracle.link(i, j)
        if found is not None:
            self._links.append(found)
            self._file(*found)

    def confirm(self, anchor: int, u: int, through: int) -> bool:
        """u is linked to the member `through`: is it the anchor's too? Verified now if it never was.

        Where the mode groups other shots, a frame of one burst with a member (the camera dated both) needs only a
        verified "another shot of this scene" with the anchor: an anchor that is a copy stripped of its capture
        time cannot show it is of the burst, and the group must not depend on which copy became the anchor.
        """
        if (anchor, u) in self.apart:
            return False
        if (anchor, u) in self.evidence:
            return True
        v = self.ask(anchor, u)
        if (anchor, u) in self.evidence:
            return True
        seen = None if v is None else self._as_seen(anchor, u, v).verdict
        if seen == "same-photo":
            return True
        return seen == "similar" and Tier.SIMILAR in self._tiers and burst(self._contents[u], self._contents[through])

    def compatible(self, anchor: int, i: int, j: int) -> bool:
        """May i join the anchor's group beside member j?

        Not when verified as a weaker tier than the mode admits (another shot in near mode) or as clearly
        different; yes when directly confirmed. Two frames that overlap in part may when the anchor shows all of
        both (two crops of one photo), or when both show all of the anchor (two borders or screens around it) and
        each shows a good share the other lacks: another shot from a camera that moved a little overlaps the same
        way, in thin strips. Two frames that show all of the anchor alike may differ in light only around it (black
        bars beside a desktop). A pair never compared is judged by embeddings and hashes, and verified when they
        say no.
        """
        if (i, j) in self.apart:
            return False
        if (i, j) in self.evidence:
            return True
        key = self._contents[i].pixel_key
        if key is not None and key == self._contents[j].pixel_key:
            return True  # the same pixels: copies of each other whatever the rest says (a dark frame has no hashes)
        if Tier.SIMILAR not in self._tiers and another_exposure(self._contents[i], self._contents[j]):
            return False  # two exposures the camera dated apart never share a group of copies
        if Tier.SIMILAR in self._tiers and burst(self._contents[i], self._contents[j]):
            return True  # frames of one burst belong together as other shots, however far the subject moved
        v = self._known(i, j)
        if self._small_copy(anchor, i) or self._small_copy(anchor, j):
            # too small to judge against the other member: it shows the anchor, whom both copy. But for its colours,
            # which a tiny picture shows as well as any (a 45-px poker chip and one of another colour, beside a
            # white one that either is a copy of in grey): those are other versions
            return v is None or not v.recoloured or Tier.SIMILAR in self._tiers
        if (i, j) in self.evidence:
            return True  # a stored verdict made into its link again
        ev = self.rejected.get((i, j))
        if ev is None and v is None and not self._looks_alike(i, j):
            v = self.ask(i, j)
            ev = self.rejected.get((i, j))
            if (i, j) in self.evidence:
                return True
        if v is not None and v.lighting and self._holds(i, anchor) and self._holds(j, anchor):
            return True  # each shows all of the anchor as it is: the light differs around it (a border, a screen)
        if (
            v is not None
            and v.drawn is False
            and not v.recoloured
            and not v.dense
            and v.overlap_ncc >= DEFAULT_THRESHOLDS.same_ncc
            and self._copy_of(anchor, i)
            and self._copy_of(anchor, j)
            and self._holds(i, anchor)
            and self._holds(j, anchor)
        ):
            # two photos that each show all of the anchor, lined up, the pixels agreeing: what differs is what each
            # added around it (a caption bar beside a desktop screenshot). Not drawings: a plot with its means marked
            # and the same plot without them agree as well, and are two drawings
            return True
        if v is not None and v.lighting and self._holds(anchor, i) and self._holds(anchor, j):
            # two copies the anchor shows all of, each its same photo, toned apart by their edits (a crop beside a
            # strong local-contrast edit): a view in other light would not be the anchor's same photo as well
            return True
        if (
            v is not None
            and v.drawn is False
            and not v.recoloured
            and v.overlap_ncc >= DEFAULT_THRESHOLDS.similar_ncc
            and contradicts(self._as_seen(i, j, v), self._tiers)
            and self._holds(anchor, i)
            and self._outvoted(anchor, i, j)
        ):
            # two photos two heavy edits apart (a strong local-contrast look or posterised colours beside a blurred
            # upscale) can read as another shot of each other, or as different though their pixels still correlate
            # as one scene's: the anchor's other copies decide. Not pixels that disagree outright, nor drawings
            return True
        partial = (ev is not None and ev.partial) or (v is not None and v.partial)
        if partial and self._holds(anchor, i) and self._holds(anchor, j):
            return True  # two crops of the anchor, each verified inside it: the anchor explains the overlap
        if (ev is not None and _two_crops(ev.partial, ev.crop, ev.extra)) or (
            v is not None and _two_crops(v.partial, v.uncovered_a, v.uncovered_b)
        ):
            return self._holds(i, anchor) and self._holds(j, anchor)
        if ev is not None:
            return False
        if (
            v is not None
            and self._copy_of(anchor, i)
            and self._copy_of(anchor, j)
            and (self._stretched(anchor, i) or self._stretched(anchor, j))
        ):
            # two copies of the anchor, one of them resized to another aspect: verification fits similarities (and
            # stretches along a picture's own axes), and none lines that up with a turned or cropped copy, so what
            # it found says nothing either way (a tilted copy beside a stretched one, placed wrongly by 13
            # keypoints): they are judged as a pair never compared. Not another shot of the anchor beside its
            # stretched copy: that one may be a look-alike (a chessboard shot from another pose)
            return v.verdict == "same-photo" or self._looks_alike(i, j)
        if v is not None:
            v = self._as_seen(i, j, v)
            agrees = v.verdict == "same-photo" or (v.verdict == "similar" and Tier.SIMILAR in self._tiers)
            return agrees or (not contradicts(v, self._tiers) and self._looks_alike(i, j))
        return self._looks_alike(i, j)

    def _as_seen(self, i: int, j: int, v: Verification) -> Verification:
        return as_seen(self._contents[i], self._contents[j], v)

    def _small_copy(self, anchor: int, x: int) -> bool:
        """x is a small picture (SMALL_SIDE) linked to the anchor as a copy of its whole frame, both ways."""
        info = self._contents[x].info
        if info is None or max(info.width, info.height) >= SMALL_SIDE:
            return False
        return self._copy_of(anchor, x) and self._holds(x, anchor) and self._holds(anchor, x)

    def _copy_of(self, anchor: int, x: int) -> bool:
        """x is linked to the anchor as its same photo (not another shot)."""
        ev = self.evidence.get((anchor, x))
        return ev is not None and ev.tier is not Tier.SIMILAR

    def _outvoted(self, anchor: int, x: int, member: int) -> bool:
        """Is the member that keeps x apart outvoted? x's pixels were compared with the anchor's as the same photo,
        and with at least one more of the anchor's copies, and those copies outnumber the ones whose own comparison
        keeps x apart. Hashes alone keep a keystone near-identical, and a keystone compared with a tiny thumbnail
        passes for a copy: one such link never outweighs the full-size copies that call it another shot."""
        if not self._verified(anchor, x):
            return False
        votes = self._votes.get((anchor, x))
        if votes is None:  # counted once per newcomer: an anchor of a crowd has thousands of copies
            copies = [k for k in self._neighbours.get(anchor, ()) if k != x and self._copy_of(anchor, k)]
            agree = 1 + sum(1 for k in copies if self._verified(k, x))
            votes = self._votes[(anchor, x)] = (agree, frozenset(k for k in copies if self._against(k, x)))
        agree, against = votes
        return agree >= 2 and agree > len(against | {member})

    def _against(self, k: int, x: int) -> bool:
        """k's own comparison with x keeps them apart: another shot, or aligned and clearly different."""
        if (k, x) in self.rejected:
            return True
        v = None if self._oracle is None else self._oracle.known(k, x)
        return v is not None and contradicts(self._as_seen(k, x, v), self._tiers)

    def _verified(self, a: int, b: int) -> bool:
        """a and b are linked as the same photo by a comparison of their pixels, not by hashes alone."""
        return self._copy_of(a, b) and self.evidence[(a, b)].method == "geometry"

    def _stretched(self, anchor: int, x: int) -> bool:
        """x is the anchor's whole frame at another aspect (4:3 made 3:2): each shows all of the other by their
        admitted link, and their sides' ratios differ as a stretch does (min_stretch), not as rounding does."""
        a, b = self._contents[anchor].info, self._contents[x].info
        if a is None or b is None or not (self._holds(x, anchor) and self._holds(anchor, x)):
            return False
        ra, rb = _aspect(a), _aspect(b)
        return max(ra, rb) / min(ra, rb) >= DEFAULT_THRESHOLDS.min_stretch

    def _holds(self, x: int, y: int) -> bool:
        """x shows all of y, by their admitted link."""
        ev = self.evidence.get((x, y))
        return ev is not None and holds(ev, self._contents[x].paths[0])

    def _looks_alike(self, i: int, j: int) -> bool:
        """Not clearly different by embeddings and hashes (the guess for a pair never compared)."""
        a, b = self._contents[i], self._contents[j]
        if a.phash is None or b.phash is None or a.info is None or b.info is None:
            return False
        if a.info.uniform or b.info.uniform:
            return False
        if a.vector is not None and b.vector is not None and best_cosine(a, b) >= COMPATIBLE_COSINE:
            return True
        return int(hamming(a.phash[0], b.phash).min()) <= self._radius
