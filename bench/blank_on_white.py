"""How many pictures with transparency vanish when laid on white, and show when laid on black (decoding.to_rgb):
light icons made for a dark theme, a game's button prompts. Before they were laid on black, each was decoded as a
blank page, like every other blank page, so their copies were never found.

    python bench/blank_on_white.py FOLDER [FOLDER ...]

Per folder and per project (a folder's first level, as bench/images_from_wheels.py writes them): the files Pillow
opens, those with transparency, those blank on white (grey spread at most tones.BLANK_SPREAD), and those of them
laid on black now.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from PIL import Image

from dedup_gui.core import decoding
from dedup_gui.core.tones import BLANK_SPREAD, grey_spread

TRANSPARENT_MODES = ("RGBA", "LA", "PA")


def _kind(path: Path) -> str | None:
    """ "opaque", "shows on white", "blank on both" or "on black"; None when Pillow cannot open it."""
    try:
        with Image.open(path) as im:
            im.load()
            if not (im.mode in TRANSPARENT_MODES or (im.mode == "P" and "transparency" in im.info)):
                return "opaque"
            rgba = im.convert("RGBA")
    except Exception:  # noqa: BLE001 - not a picture Pillow opens
        return None
    if grey_spread(decoding._laid_on(rgba, (255, 255, 255))) > BLANK_SPREAD:
        return "shows on white"
    if grey_spread(decoding._laid_on(rgba, (0, 0, 0))) > BLANK_SPREAD:
        return "on black"
    return "blank on both"


def main() -> int:
    for folder in map(Path, sys.argv[1:]):
        total: Counter[str] = Counter()
        projects: Counter[str] = Counter()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            kind = _kind(path)
            if kind is None:
                continue
            total[kind] += 1
            if kind == "on black":
                projects[path.relative_to(folder).parts[0]] += 1
        transparent = total["shows on white"] + total["on black"] + total["blank on both"]
        print(
            f"{folder}: {sum(total.values())} pictures, {transparent} with transparency, "
            f"{total['on black'] + total['blank on both']} blank on white, {total['on black']} of them laid on black"
        )
        for project, n in projects.most_common():
            print(f"  {project}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
