"""Which copy of a group to propose keeping: ranked rules a photo owner would choose, each with its reason in words.

The default order keeps what cannot be made again: a copy in a protected folder; the camera's RAW original; the
copy that still carries the camera's date and model; the most pixels; among equal pixels the format more programs
open (a JPEG over the same picture as HEIC or WebP); then the largest file, the earliest date taken and the shortest
path. The order is a setting; the rules are the same for the window and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dedup_gui.core.config import KEEPER_RULE_NAMES
from dedup_gui.core.formats import is_raw_format
from dedup_gui.core.types import Member

# How widely a format opens (higher is better), for copies with the same pixels. Lossless originals (PNG, TIFF, a
# DNG) rank with JPEG: between those the larger file decides, so a lossless source beats its lossy export.
FORMAT_READABILITY = {"JPEG": 3, "PNG": 3, "TIFF": 3, "MPO": 3, "GIF": 2, "BMP": 2, "HEIF": 1, "WEBP": 1, "AVIF": 1}


def _has_metadata(m: Member) -> int:
    return int(bool(m.info and m.info.taken)) + int(bool(m.info and m.info.camera))


def _readability(m: Member) -> int:
    if m.info is None:
        return 0
    return 3 if is_raw_format(m.info.format) else FORMAT_READABILITY.get(m.info.format.upper(), 1)


def _pixels_reason(m: Member) -> str:
    return f"most pixels ({m.info.width} x {m.info.height})" if m.info else "most pixels"


# Each rule: a sort key (smaller is better) and the reason shown when it is the rule that decided.
KEEPER_RULES: dict[str, tuple[Callable[[Member], object], Callable[[Member], str]]] = {
    "reference-folder": (lambda m: not m.protected, lambda m: "in a protected folder"),
    "raw": (lambda m: not (m.info is not None and is_raw_format(m.info.format)), lambda m: "the camera's RAW original"),
    "metadata": (lambda m: -_has_metadata(m), lambda m: "keeps the camera's date and model"),
    "resolution": (lambda m: -(m.info.pixels if m.info else 0), _pixels_reason),
    "format": (
        lambda m: -_readability(m),
        lambda m: f"{m.info.format} opens in more programs" if m.info else "more widely readable format",
    ),
    "file-size": (lambda m: -m.size, lambda m: "largest file"),
    "date": (lambda m: m.info.taken if m.info and m.info.taken else "9999", lambda m: "taken earliest"),
    "path": (lambda m: len(m.path), lambda m: "shortest path"),
}
DEFAULT_KEEPER_RULES: tuple[str, ...] = KEEPER_RULE_NAMES  # the names, in the order of KEEPER_RULES
# Each rule in words, for the settings and tooltips: (label, what it means).
KEEPER_RULE_WORDS = {
    "reference-folder": ("In a protected folder", "A copy in a folder marked Protected is always the one kept"),
    "raw": ("The camera's RAW original", "A RAW file (DNG, NEF, CR3…) before any JPEG or export made from it"),
    "metadata": ("Has the camera's date and model", "The copy that still carries the camera's EXIF date and model"),
    "resolution": ("Most pixels", "The copy with the largest picture (width × height)"),
    "format": ("Opens in more programs", "Among the same pixels, a JPEG, PNG or TIFF before HEIC, WebP or AVIF"),
    "file-size": ("Largest file", "The biggest file usually holds the most detail and metadata"),
    "date": ("Earliest date taken", "The copy whose camera date is earliest: usually the original"),
    "path": ("Shortest path", "The copy with the shortest folder and file name, e.g. not 'Copy of …'"),
}


def keeper_key(m: Member, rules: Sequence[str] = DEFAULT_KEEPER_RULES) -> tuple:
    """Sort key of the keeper rules in the given order, best first when sorted ascending; the name breaks ties."""
    return (*(KEEPER_RULES[r][0](m) for r in rules), m.path)


def propose_keeper(
    members: Sequence[Member],
    rules: Sequence[str] = DEFAULT_KEEPER_RULES,
    key: Callable[[Member], tuple] | None = None,
) -> tuple[str, str]:
    """The copy to keep by the ranked rules, with a one-line reason naming the rule that decided. `key`: the
    members' keeper keys when the caller has them already (assembly ranks every member once)."""
    key = key or (lambda m: keeper_key(m, rules))
    ranked = sorted(members, key=key)
    best = ranked[0]
    if len(ranked) == 1:
        return best.path, "only copy"
    kb, ks = key(best), key(ranked[1])
    for i, rule in enumerate(rules):
        if kb[i] != ks[i]:
            return best.path, KEEPER_RULES[rule][1](best)
    return best.path, "identical copies: first by name"
