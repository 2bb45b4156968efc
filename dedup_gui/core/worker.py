"""The per-image job run in the process pool: one decode, then the hashes, so both use all cores."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup_gui.core.decoding import DECODE_VERSION, Decoded, decode_or_problem
from dedup_gui.core.hashing import HASH_VERSION, image_hashes
from dedup_gui.core.types import Problem

ANALYSIS_VERSION = f"decode{DECODE_VERSION}-hash{HASH_VERSION}"


@dataclass(frozen=True, slots=True)
class Analysed:
    decoded: Decoded
    phash: np.ndarray  # uint64 (8,): one per dihedral transform
    dhash: np.ndarray


def analyse(job: tuple[str, int, bool]) -> Analysed | Problem:
    """Decode one file and hash it; a Problem instead when the file cannot be used."""
    path, size, want_cnn = job
    decoded = decode_or_problem(path, size, want_cnn=want_cnn)
    if isinstance(decoded, Problem):
        return decoded
    phash, dhash = image_hashes(decoded.gray)
    return Analysed(decoded, phash, dhash)
