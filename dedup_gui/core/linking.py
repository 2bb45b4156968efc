"""Candidate pairs and their confirmation: same pixels, close perceptual hashes under a transform, embeddings."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content, hash_evidence
from dedup_gui.core.hashing import hamming
from dedup_gui.core.index import dihedral_hash_pairs
from dedup_gui.core.types import PairEvidence, Tier

log = logging.getLogger("dedup_gui.linking")

Links = list[tuple[int, int, PairEvidence]]


def hash_links(contents: list[Content], config: ScanConfig, *, check: Callable[[], None] = lambda: None) -> Links:
    """Confirmed links between contents: same decoded pixels, or close perceptual hashes under some transform."""
    thr = config.hashes
    links: list[tuple[int, int, PairEvidence]] = []
    ok = [i for i, c in enumerate(contents) if c.info is not None]
    by_key: dict[str, list[int]] = defaultdict(list)
    for i in ok:
        if contents[i].pixel_key:
            by_key[contents[i].pixel_key].append(i)
    pixel_twins: set[tuple[int, int]] = set()
    for members in by_key.values():
        for j in members[1:]:
            a, b = contents[members[0]], contents[j]
            pixel_twins.add((members[0], j))
            links.append(
                (
                    members[0],
                    j,
                    PairEvidence(
                        a.paths[0], b.paths[0], Tier.EXACT, 1.0, "pixels", description="same pixels, different metadata"
                    ),
                )
            )
    hashable = [i for i in ok if not contents[i].info.uniform]  # type: ignore[union-attr]
    if len(hashable) >= 2:
        ph = np.stack([contents[i].phash for i in hashable])  # type: ignore[misc]
        dh = np.stack([contents[i].dhash for i in hashable])  # type: ignore[misc]
        ia, ib, it, _ = dihedral_hash_pairs(ph, thr.phash, check=check)
        dd = hamming(dh[ia, 0], dh[ib, it])
        for x, y in zip(ia[dd <= thr.dhash].tolist(), ib[dd <= thr.dhash].tolist(), strict=True):
            i, j = hashable[x], hashable[y]
            if (i, j) in pixel_twins or (j, i) in pixel_twins:
                continue
            links.append((i, j, hash_evidence(contents[i], contents[j], Tier.SAME_PHOTO)))
    return links
