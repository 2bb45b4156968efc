"""The parameters of one scan, as a typed record shared by the CLI and the GUI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dedup_gui.core.types import Mode


def default_workers() -> int:
    """All cores for decoding: the decode stage is CPU-bound and embarrassingly parallel."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


# Keeper rules by name, in their default priority (implemented in keeper.KEEPER_RULES).
KEEPER_RULE_NAMES = ("reference-folder", "raw", "metadata", "resolution", "format", "file-size", "date", "path")
# The default order before RAW and metadata had rules: a settings file that still holds it gets the new default.
OLD_DEFAULT_KEEPER_RULES = ("reference-folder", "resolution", "format", "file-size", "date", "path")


@dataclass(frozen=True, slots=True)
class HashThresholds:
    """Hamming distances (out of 64 bits) under which two images count as the same photo by their hashes alone.

    Both hashes must agree: pHash sees the low-frequency structure, dHash the gradients; a pair that is close in
    one but not the other is left to the embedding stage. Calibrated on the dev set by bench/calibrate_hashes.py.
    """

    phash: int = 10
    dhash: int = 14
    # pHash within this (and dHash within twice this) is a copy without further checks: no other shot comes close.
    identical: int = 2
    # Looser radius used only to tell whether two members of one group are compatible (anti-chaining).
    compatible_phash: int = 22


@dataclass(frozen=True, slots=True)
class ScanConfig:
    roots: tuple[Path, ...]
    references: tuple[Path, ...] = ()
    excludes: tuple[str, ...] = ()
    mode: Mode = Mode.NEAR
    embeddings: bool = True
    # Also embed each image's 90/180/270-degree rotations, so rotated *and* edited copies are found (plain rotated
    # copies are found by the dihedral hashes anyway). None: on with a GPU, off on the CPU where it costs 4x.
    rotations: bool | None = None
    device: str = "auto"
    workers: int = field(default_factory=default_workers)
    hashes: HashThresholds = field(default_factory=HashThresholds)
    min_cosine: float = 0.6  # embedding neighbours below this are not even candidates (verification decides)
    similar_cosine: float = 0.85  # a "same scene" verification becomes the similar tier above this cosine
    # keeper rule names in priority order (see keeper.KEEPER_RULES); empty: the default order
    keeper_rules: tuple[str, ...] = ()
    follow_symlinks: bool = True
    include_hidden: bool = False


APP_NAME = "dedup-gui"


def default_store_path() -> Path:
    """The SQLite store in the user's data folder (platformdirs), overridable with --db or DEDUP_GUI_DB."""
    env = os.environ.get("DEDUP_GUI_DB")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "dedup-gui.sqlite3"


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
