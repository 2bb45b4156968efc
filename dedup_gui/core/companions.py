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


Listing = dict[str, list[tuple[str, str]]]  # file stem -> (file name, lower-case extension) in one folder


def _listing(folder: str, cache: dict[str, Listing]) -> Listing:
    """The folder's files by stem, read once per folder for a whole batch."""
    index = cache.get(folder)
    if index is None:
        index = {}
        try:
            with os.scandir(folder) as it:
                for e in it:
                    if e.is_file(follow_symlinks=False):
                        stem, ext = os.path.splitext(e.name)
                        index.setdefault(stem, []).append((e.name, ext.lower()))
        except OSError:
            pass
        cache[folder] = index
    return index


def companions(photo: str, stays: Callable[[str], bool], cache: dict[str, Listing] | None = None) -> list[str]:
    """Companion files of `photo` that should go to the trash with it.

    `stays(path)` says whether another file will remain on disk after this apply; a shared sidecar stays when any
    image with the photo's stem stays. `cache` holds folder listings across calls (one listing per folder).
    """
    folder, name = os.path.split(photo)
    stem, _ = os.path.splitext(name)
    index = _listing(folder, {} if cache is None else cache)
    out = [os.path.join(folder, n) for n, ext in index.get(name, ()) if ext in NAME_COMPANIONS]
    shared, siblings = [], []
    for other, ext in index.get(stem, ()):
        if other == name:
            continue
        if ext in STEM_COMPANIONS:
            shared.append(os.path.join(folder, other))
        elif ext in _PICTURES:
            siblings.append(os.path.join(folder, other))
    if shared and not any(stays(s) for s in siblings):
        out += shared
    return sorted(out)


def companions_of_all(photos: Iterable[str], stays: Callable[[str], bool]) -> dict[str, list[str]]:
    """Companions of each photo, with one folder listing per folder."""
    cache: dict[str, Listing] = {}
    return {p: companions(p, stays, cache) for p in photos}
