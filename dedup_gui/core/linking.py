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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from dedup_gui.core import verify
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content, hash_evidence
from dedup_gui.core.hashing import hamming
from dedup_gui.core.index import dihedral_hash_pairs, embedding_pairs
from dedup_gui.core.types import PairEvidence, Tier
from dedup_gui.core.verify_batches import cluster_ids, verify_in_batches

log = logging.getLogger("dedup_gui.linking")

# Bump when candidates or tiers change for the same inputs: a rescan reuses stored links only of the same version.
MATCH_VERSION = 1

Links = list[tuple[int, int, PairEvidence]]
Thumbnails = Callable[[list[int]], dict[int, np.ndarray]]  # content indices -> RGB thumbnails


class VerdictCache(Protocol):
    """Verification results kept between scans, keyed by content-index pairs of this scan."""

    def get(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], verify.Verification]: ...

    def put(self, results: list[tuple[int, int, verify.Verification]]) -> None: ...


class NoVerdictCache:
    def get(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], verify.Verification]:
        return {}

    def put(self, results: list[tuple[int, int, verify.Verification]]) -> None:
        return None


@dataclass
class Candidate:
    hash_close: bool = False  # within the calibrated pHash and dHash radii under some transform
    hash_identical: bool = False  # within 2 bits: a copy, no need to look closer
    cosine: float | None = None


def pixel_links(contents: list[Content], ok: list[int]) -> Links:
    """Contents whose decoded pixels are identical (JPEGs differing only in metadata)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i in ok:
        key = contents[i].pixel_key
        if key:
            by_key[key].append(i)
    links: Links = []
    for members in by_key.values():
        first = contents[members[0]]
        for j in members[1:]:
            ev = PairEvidence(
                first.paths[0],
                contents[j].paths[0],
                Tier.EXACT,
                1.0,
                "pixels",
                description="same pixels, different metadata",
            )
            links.append((members[0], j, ev))
    return links


def candidates(
    contents: list[Content], config: ScanConfig, check: Callable[[], None]
) -> dict[tuple[int, int], Candidate]:
    """Every pair worth a look, from the hashes and (when present) the embeddings."""
    thr = config.hashes
    ok = [i for i, c in enumerate(contents) if c.info is not None]
    found: dict[tuple[int, int], Candidate] = defaultdict(Candidate)
    hashable = [i for i in ok if not contents[i].info.uniform]  # type: ignore[union-attr]
    if len(hashable) >= 2:
        ph = np.stack([contents[i].phash for i in hashable])  # type: ignore[misc]
        dh = np.stack([contents[i].dhash for i in hashable])  # type: ignore[misc]
        ia, ib, it, dp = dihedral_hash_pairs(ph, thr.phash, check=check)
        dd = hamming(dh[ia, 0], dh[ib, it])
        for x, y, p, d in zip(ia.tolist(), ib.tolist(), dp.tolist(), dd.tolist(), strict=True):
            if d <= thr.dhash:
                cand = found[(hashable[x], hashable[y])]
                cand.hash_close = True
                cand.hash_identical = p <= thr.identical and d <= 2 * thr.identical
    embedded = [i for i in ok if contents[i].vector is not None]
    if len(embedded) >= 2:
        # float16, as stored: the search converts chunk by chunk (a float32 stack is 512 MB at 100,000 photos)
        dim = len(contents[embedded[0]].vector)  # type: ignore[arg-type]
        vectors = np.empty((len(embedded), dim), dtype=np.float16)
        for row, i in enumerate(embedded):
            vectors[row] = contents[i].vector
        owners = [n for n, i in enumerate(embedded) for _ in range(_count(contents[i].queries))]
        extra = None
        if owners:
            queries = np.concatenate([contents[i].queries for i in embedded if contents[i].queries is not None])
            extra = (np.array(owners), queries)
        ia, ib, cos = embedding_pairs(vectors, min_cosine=config.min_cosine, extra=extra, check=check)
        for x, y, c in zip(ia.tolist(), ib.tolist(), cos.tolist(), strict=True):
            found[(embedded[x], embedded[y])].cosine = c
    return dict(found)


def _count(queries: np.ndarray | None) -> int:
    return 0 if queries is None else len(queries)


def confirm(
    contents: list[Content],
    config: ScanConfig,
    found: dict[tuple[int, int], Candidate],
    thumbnails: Thumbnails,
    check: Callable[[], None],
    cache: VerdictCache,
) -> Links:
    """A tier for each candidate: hash-identical pairs directly, the rest by geometric verification (cached)."""
    links: Links = []
    to_verify = [(pair, cand) for pair, cand in found.items() if not cand.hash_identical]
    for (i, j), cand in found.items():
        if cand.hash_identical:
            ev = hash_evidence(contents[i], contents[j], Tier.SAME_PHOTO)
            links.append((i, j, _with_cosine(ev, cand.cosine)))
    known = cache.get([pair for pair, _ in to_verify])
    for (i, j), cand in to_verify:
        if (i, j) in known:
            link = _tier(contents, i, j, cand, known[(i, j)], config)
            if link is not None:
                links.append((i, j, link))
    to_verify = [(pair, cand) for pair, cand in to_verify if pair not in known]
    if not to_verify:
        return links
    # Features are made on demand and dropped when no pending pair needs them (10 GB at 100,000 photos if all
    # were kept): see verify_batches.
    cands = dict(to_verify)
    clusters = cluster_ids([c.vector for c in contents])
    with ThreadPoolExecutor(max(1, config.workers)) as pool:

        def make_features(items: list[int]) -> dict[int, verify.Features]:
            made: dict[int, verify.Features] = {}
            for lo in range(0, len(items), 256):
                images = thumbnails(items[lo : lo + 256])
                keys = [k for k in items[lo : lo + 256] if k in images]
                made.update(zip(keys, pool.map(verify.features, [images[k] for k in keys]), strict=True))
            return made

        counts: dict[str, int] = {}
        batches = verify_in_batches(
            list(cands), clusters, make_features, verify.verify_features, pool, check=check, size_of=_nbytes,
            counts=counts,
        )  # fmt: skip
        for results in batches:
            for i, j, v in results:
                link = _tier(contents, i, j, cands[(i, j)], v, config)
                if link is not None:
                    links.append((i, j, link))
            cache.put(results)
    made, images = counts.get("made", 0), counts.get("images", 0)
    log.info("verified %d pairs of %d images: features made %d times", len(cands), images, made)
    return links


def _nbytes(f: verify.Features) -> int:
    return int(f.gray.nbytes + f.points.nbytes + f.descriptors.nbytes)


def _tier(
    contents: list[Content], i: int, j: int, cand: Candidate, v: verify.Verification, config: ScanConfig
) -> PairEvidence | None:
    """The verification decides; close hashes are trusted when the thumbnails are too plain to verify."""
    a, b = contents[i], contents[j]
    cos = f", cosine {cand.cosine:.2f}" if cand.cosine is not None else ""
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
        )
    if v.verdict == "similar":
        if cand.hash_close or (cand.cosine or 0.0) >= config.similar_cosine:
            return PairEvidence(
                a.paths[0],
                b.paths[0],
                Tier.SIMILAR,
                round(v.score, 3),
                "geometry",
                cosine=cand.cosine,
                description=f"another shot of the same scene{cos}",
            )
        return None
    if cand.hash_close:
        return _with_cosine(hash_evidence(a, b, Tier.SAME_PHOTO), cand.cosine)
    return None


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
    thumbnails: Thumbnails,
    *,
    check: Callable[[], None] = lambda: None,
    cache: VerdictCache | None = None,
) -> Links:
    """Every confirmed link between contents, each with its tier and evidence."""
    ok = [i for i, c in enumerate(contents) if c.info is not None]
    links = pixel_links(contents, ok)
    twins = {(min(i, j), max(i, j)) for i, j, _ in links}
    found = {p: c for p, c in candidates(contents, config, check).items() if p not in twins}
    if not config.embeddings:
        # hashes alone: close hashes are the evidence, nothing is verified
        return links + [
            (i, j, hash_evidence(contents[i], contents[j], Tier.SAME_PHOTO))
            for (i, j), c in found.items()
            if c.hash_close
        ]
    return links + confirm(contents, config, found, thumbnails, check, cache or NoVerdictCache())
