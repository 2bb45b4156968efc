"""Files that belong to a photo and must travel with it: editing sidecars and a Live Photo's short video.

`IMG_1.xmp` / `IMG_1.AAE` / `IMG_1.MOV` belong to every image named `IMG_1.*` in that folder (a RAW and its JPEG
share one sidecar), so they only go when no such image stays. `IMG_1.jpg.xmp` (darktable, digiKam) and
`IMG_1.jpg.json` (Google Takeout) name their one photo exactly and go with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from dedup_gui.core.formats import IMAGE_EXTENSIONS, RAW_EXTENSIONS

# Companions named after the photo's stem: shared by every image with that stem in the folder.
STEM_COMPANIONS = frozenset({".xmp", ".aae", ".mov", ".pp3", ".dop", ".thm"})
# Companions named after the photo's whole file name: belong to that one file.
NAME_COMPANIONS = frozenset({".xmp", ".json", ".pp3", ".dop"})
_PICTURES = IMAGE_EXTENSIONS | RAW_EXTENSIONS


def _listing(folder: str, cache: dict[str, dict[str, list[str]]]) -> dict[str, list[str]]:
    """The folder's file names by stem (`IMG_1.jpg.xmp` under `IMG_1.jpg`), listed once per folder."""
    by_stem = cache.get(folder)
    if by_stem is None:
        by_stem = {}
        try:
            names = [e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
        except OSError:
            names = []
        for name in names:
            by_stem.setdefault(os.path.splitext(name)[0], []).append(name)
        cache[folder] = by_stem
    return by_stem


Listings = dict[str, dict[str, list[str]]]


def companions(photo: str, stays: Callable[[str], bool], cache: Listings | None = None) -> list[str]:
    """Companion files of `photo` that should go to the trash with it.

    `stays(path)` says whether another file will remain on disk after this apply; a shared sidecar stays when any
    image with the photo's stem stays. `cache` holds folder listings across calls (one listing per folder, looked
    up by stem: an apply of thousands of photos from one folder reads it once, not once per photo).
    """
    folder, name = os.path.split(photo)
    stem, _ = os.path.splitext(name)
    by_stem = _listing(folder, {} if cache is None else cache)
    out: list[str] = []
    shared: list[str] = []
    siblings: list[str] = []
    for other in by_stem.get(name, []) + by_stem.get(stem, []):
        if other == name:
            continue
        o_stem, o_ext = os.path.splitext(other)
        ext = o_ext.lower()
        if o_stem == name and ext in NAME_COMPANIONS:
            out.append(os.path.join(folder, other))
        elif o_stem == stem and ext in STEM_COMPANIONS:
            shared.append(os.path.join(folder, other))
        elif o_stem == stem and ext in _PICTURES:
            siblings.append(os.path.join(folder, other))
    if shared and not any(stays(s) for s in siblings):
        out += shared
    return sorted(out)


def companions_of_all(
    photos: Iterable[str], stays: Callable[[str], bool], cache: Listings | None = None
) -> dict[str, list[str]]:
    """Companions of each photo, with one folder listing per folder (kept in `cache` across calls if given)."""
    listings: Listings = {} if cache is None else cache
    return {p: companions(p, stays, listings) for p in photos}
