"""A photo library simulator: N files shaped like a real personal library, with its ground truth.

    python bench/make_library.py N OUT [--seed 1] [--workers 2]

Writes OUT/photos/ and OUT/truth.json in the evaluation set's format (dupe-eval-truth/1), so
`score.py OUT/truth.json pred.json` scores a scan of OUT/photos. The library holds:

- folders by date (`2019/2019-06-14 Beach/IMG_1234.JPG`), events of 5-60 shots, EXIF date and camera, file times;
- mostly distinct photos (synthesised, see library_images.py), 640x480 to 1600x1200, some portrait, a few
  camera-sized (4000x3000);
- a few percent of byte-identical copies (backups), and edited copies made by real transforms of the picture:
  re-encoded, resized, thumbnails, messenger exports, crops, tone and colour edits, rotations, mirrors, EXIF
  orientation, borders, watermarks, screenshots of the photo, PNG/WebP/HEIC conversions, metadata-only edits;
- bursts of 3-10 near-identical frames (kind `similar`: another shot, not a copy);
- RAW+JPEG pairs (a linear DNG and the camera's JPEG of the same shot, kind `raw_jpeg`) with .xmp sidecars;
- app screenshots (distinct, but alike) and a few broken files (truncated, empty, not an image).

The plan is drawn in one process from the seed (the same N and seed give the same library); the pictures are
made and written in a process pool, one shot with all its copies per job.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import library_images as li

SIZES = ((640, 480, 0.45), (800, 600, 0.15), (1024, 768, 0.2), (1280, 960, 0.1), (1600, 1200, 0.1))
CAMERA_SIZE = (4000, 3000)
CAMERAS = ("Canon EOS 80D", "NIKON D7500", "Apple iPhone 12", "samsung SM-G991B", "SONY ILCE-6400", "Google Pixel 7")
EVENTS = ("Beach", "Birthday", "Hike", "Garden", "Trip", "Christmas", "Wedding", "Zoo", "Snow", "Party", "City")
# share of shots; the rest are plain distinct photos
BURST_SHOTS, RAW_SHOTS, COPIED_SHOTS, CAMERA_SHOTS = 0.015, 0.01, 0.08, 0.003
SCREENSHOT_FILES, BROKEN_FILES = 0.03, 0.001
# edit kind -> (weight, folder). Weights follow what fills a library: backups and messenger copies most.
EDITS: dict[str, tuple[float, str]] = {
    "exact_copy": (4.0, "Backup"),
    "messenger": (2.0, "WhatsApp Images"),
    "metadata_only": (1.0, "Edited"),
    "reencode": (1.0, "Export"),
    "resize": (1.0, "Export"),
    "thumbnail": (0.5, "Small"),
    "crop": (1.0, "Edited"),
    "edit_combo": (0.6, "Edited"),
    "brightness": (0.5, "Edited"),
    "contrast": (0.4, "Edited"),
    "saturation": (0.3, "Edited"),
    "grayscale": (0.3, "Edited"),
    "blur": (0.2, "Edited"),
    "sharpen": (0.2, "Edited"),
    "rotate": (0.4, "Edited"),
    "mirror": (0.2, "Edited"),
    "exif_orientation": (0.4, "Phone Transfer"),
    "border": (0.3, "Edited"),
    "watermark": (0.3, "Shared"),
    "screenshot": (0.3, "Screenshots"),
    "format_png": (0.3, "Export"),
    "format_webp": (0.4, "Web"),
    "format_heic": (0.05, "iCloud Photos"),  # HEIC encoding costs seconds a file: only a few
}


@dataclass
class Shot:
    """One original (or burst, or RAW+JPEG pair) and the files derived from it; made by one job."""

    seed: int
    kind: str  # "photo" | "burst" | "raw" | "ui" | "broken"
    folder: str
    stem: str
    size: tuple[int, int]
    taken: datetime
    camera: str
    frames: int = 1
    edits: list[tuple[str, str]] = field(default_factory=list)  # (kind, path relative to OUT)

    def file_count(self) -> int:
        return {"burst": self.frames, "raw": 3}.get(self.kind, 1) + len(self.edits)


def plan(n: int, seed: int) -> list[Shot]:
    """Shots until they hold n files, in date order, with their copies' names and folders."""
    rng = np.random.default_rng(seed)
    shots: list[Shot] = []
    total, number = 0, 1000
    day = datetime(2012, 1, 1, 9, 0)
    names = list(EDITS)
    weights = np.array([EDITS[k][0] for k in names])
    weights /= weights.sum()
    n_broken = max(3, int(n * BROKEN_FILES))
    n_ui = int(n * SCREENSHOT_FILES)
    while total < n - n_broken - n_ui:
        day += timedelta(days=int(rng.integers(1, 20)))
        folder = f"photos/{day:%Y}/{day:%Y-%m-%d} {rng.choice(EVENTS)}"
        camera = str(rng.choice(CAMERAS))
        for k in range(int(rng.integers(5, 61))):
            number += 1
            taken = day + timedelta(minutes=3 * k, seconds=int(rng.integers(0, 60)))
            w, h, _ = SIZES[rng.choice(len(SIZES), p=[s[2] for s in SIZES])]
            if rng.random() < CAMERA_SHOTS:
                w, h = CAMERA_SIZE
            if rng.random() < 0.2:
                w, h = h, w
            r = rng.random()
            kind = "burst" if r < BURST_SHOTS else "raw" if r < BURST_SHOTS + RAW_SHOTS else "photo"
            stem = f"IMG_{number % 10000:04d}" if number < 10000 else f"IMG_{number}"
            shot = Shot(int(rng.integers(0, 2**62)), kind, folder, stem, (w, h), taken, camera)
            if kind == "burst":
                shot.frames = int(rng.integers(3, 11))
                number += shot.frames - 1
            elif kind == "photo" and rng.random() < COPIED_SHOTS / (1 - BURST_SHOTS - RAW_SHOTS):
                for edit in rng.choice(names, size=int(rng.choice([1, 1, 1, 2, 2, 3])), p=weights, replace=False):
                    shot.edits.append((str(edit), _edit_path(str(edit), shot, len(shot.edits))))
            shots.append(shot)
            total += shot.file_count()
    for screenshot_no in range(1, n_ui + 1):
        day_ui = datetime(2016, 1, 1) + timedelta(hours=int(rng.integers(0, 80_000)))
        shots.append(Shot(int(rng.integers(0, 2**62)), "ui", "photos/Screenshots",
                          f"Screenshot_{day_ui:%Y%m%d-%H%M%S}_{screenshot_no}", (590, 1280), day_ui, ""))  # fmt: skip
    for b in range(n_broken):
        shots.append(Shot(int(rng.integers(0, 2**62)), "broken", "photos/Unsorted", f"download ({b})", (0, 0), day, ""))
    return shots


def _edit_path(kind: str, shot: Shot, n: int) -> str:
    folder = EDITS[kind][1]
    ext = {"format_png": ".png", "format_webp": ".webp", "format_heic": ".heic", "screenshot": ".png"}.get(kind, ".jpg")
    if kind == "exact_copy":
        return f"photos/Backup/{shot.folder.removeprefix('photos/')}/{shot.stem}.JPG"
    if kind == "messenger":
        return f"photos/{folder}/IMG-{shot.taken:%Y%m%d}-WA{shot.stem[4:]}{n}.jpg"
    return f"photos/{folder}/{shot.stem}-{kind}{n}{ext}"


# -- making the files (in the pool) ---------------------------------------------------------------------------


def _write(out: Path, rel: str, data: bytes, when: datetime) -> None:
    """Written under a temporary name and renamed, so a file that exists is whole (what --resume relies on)."""
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    t = when.timestamp()
    os.utime(part, (t, t))
    os.replace(part, path)


def _paths(shot: Shot) -> list[str]:
    """Every file one shot writes, relative to OUT."""
    if shot.kind == "broken":
        return [f"{shot.folder}/{shot.stem}.jpg"]
    if shot.kind == "ui":
        return [f"{shot.folder}/{shot.stem}.png"]
    if shot.kind == "burst":
        return [f"{shot.folder}/IMG_{shot.stem[4:]}_BURST{k:03d}.JPG" for k in range(shot.frames)]
    if shot.kind == "raw":
        raw = f"{shot.folder}/{shot.stem}.DNG"
        return [raw, f"{shot.folder}/{shot.stem}.JPG", f"{raw}.xmp"]
    return [f"{shot.folder}/{shot.stem}.JPG", *(rel for _, rel in shot.edits)]


def _made_before(shot: Shot, out: Path) -> dict | None:
    """The truth of a shot an interrupted run already wrote (every file present), without making it again; the
    recipe lines are not known then. Broken files are always made again (their kind is drawn when made)."""
    paths = _paths(shot)
    if shot.kind == "broken" or not all((out / p).exists() for p in paths):
        return None
    if shot.kind == "ui":
        return {"singletons": paths}
    if shot.kind == "raw":
        raw, jpeg, xmp = paths
        kinds = {raw: "original", jpeg: "raw_jpeg"}
        return {"group": {"original": raw, "files": [raw, jpeg], "kinds": kinds, "details": {}}, "ignored": [xmp]}
    if len(paths) == 1:
        return {"singletons": paths}
    first = "original"
    kinds = (
        {p: first if n == 0 else "similar" for n, p in enumerate(paths)}
        if shot.kind == "burst"
        else {paths[0]: first, **{rel: kind for kind, rel in shot.edits}}
    )
    return {"group": {"original": paths[0], "files": paths, "kinds": kinds, "details": {}}}


def _edited(kind: str, img: np.ndarray, jpeg: bytes, rng: np.random.Generator, shot: Shot) -> tuple[bytes, str]:
    """The bytes of one edited copy and a recipe line, made from the original's pixels (or bytes)."""
    taken = f"{shot.taken:%Y:%m:%d %H:%M:%S}"
    exif = li.exif_bytes(taken, shot.camera)
    q = int(rng.integers(70, 90))
    if kind == "exact_copy":
        return jpeg, "byte-identical copy"
    if kind == "metadata_only":
        return li.with_comment(jpeg, "edited in an organiser"), "comment segment added, same pixels"
    if kind == "exif_orientation":
        o = int(rng.choice([3, 6, 8]))
        return li.encode(li.orientation_copy(img, o), "JPEG", quality=92, exif=li.exif_bytes(taken, shot.camera, o)), (
            f"pixels stored for EXIF Orientation={o}"
        )
    simple = {
        "reencode": lambda: (li.encode(img, "JPEG", quality=int(rng.integers(55, 75))), "jpeg re-encoded"),
        "resize": lambda: (li.encode(li.resize(img, float(rng.uniform(0.4, 0.75))), "JPEG", quality=q), "resized"),
        "thumbnail": lambda: (li.encode(li.fit(img, 320), "JPEG", quality=q), "thumbnail, 320 px"),
        "messenger": lambda: (li.encode(li.fit(img, 800), "JPEG", quality=int(rng.integers(60, 80))), "messenger"),
        "crop": lambda: (li.encode(li.crop(img, rng), "JPEG", quality=q, exif=exif), "cropped 8-28 %"),
        "brightness": lambda: (li.encode(li.tone(img, 1.0, float(rng.choice([-35, 35]))), "JPEG", quality=q), "tone"),
        "contrast": lambda: (li.encode(li.contrast(img, float(rng.choice([0.7, 1.3]))), "JPEG", quality=q), "con"),
        "saturation": lambda: (li.encode(li.saturation(img, float(rng.choice([0.5, 1.5]))), "JPEG", quality=q), "sat"),
        "grayscale": lambda: (li.encode(li.grayscale(img), "JPEG", quality=q), "grey"),
        "blur": lambda: (li.encode(li.blur(img), "JPEG", quality=q), "blur"),
        "sharpen": lambda: (li.encode(li.sharpen(img), "JPEG", quality=q), "sharpen"),
        "rotate": lambda: (li.encode(np.rot90(img, int(rng.choice([1, 3]))).copy(), "JPEG", quality=q), "rot90"),
        "mirror": lambda: (li.encode(img[:, ::-1].copy(), "JPEG", quality=q), "mirror"),
        "border": lambda: (li.encode(li.border(img, rng), "JPEG", quality=q), "border"),
        "watermark": lambda: (li.encode(li.watermark(img, rng), "JPEG", quality=q), "watermark"),
        "screenshot": lambda: (li.encode(li.phone_screenshot(img), "PNG"), "photo on a phone screen, PNG"),
        "format_png": lambda: (li.encode(img, "PNG"), "PNG"),
        "format_webp": lambda: (li.encode(img, "WEBP", quality=q), "WebP"),
        "format_heic": lambda: (li.encode(li.fit(img, 800), "HEIF", quality=q), "HEIC, 800 px"),
        "edit_combo": lambda: (
            li.encode(li.resize(li.sharpen(li.tone(li.crop(img, rng), 1.08, 6)), 0.8), "JPEG", quality=q),
            "crop > tone > sharpen > resize",
        ),
    }
    return simple[kind]()


def make(job: tuple[Shot, str, bool]) -> dict:
    """Write one shot's files; return its truth: a group, singletons, broken or ignored files."""
    shot, out_dir, resume = job
    out = Path(out_dir)
    if resume and (before := _made_before(shot, out)) is not None:
        return before
    rng = np.random.default_rng(shot.seed)
    taken = f"{shot.taken:%Y:%m:%d %H:%M:%S}"
    original = f"{shot.folder}/{shot.stem}.JPG"
    if shot.kind == "broken":
        rel = f"{shot.folder}/{shot.stem}.jpg"
        what = rng.choice(["truncated", "empty", "text"])
        if what == "truncated":
            data = li.encode(li.scene(shot.seed, 640, 480), "JPEG")
            data = data[: len(data) // 3]
        else:
            data = b"" if what == "empty" else b"<html>not found</html>\n"
        _write(out, rel, data, shot.taken)
        return {"broken": {rel: str(what)}}
    if shot.kind == "ui":
        rel = f"{shot.folder}/{shot.stem}.png"
        _write(out, rel, li.encode(li.screenshot_ui(shot.seed), "PNG"), shot.taken)
        return {"singletons": [rel]}
    w, h = shot.size
    exif = li.exif_bytes(taken, shot.camera)
    if shot.kind == "burst":
        files, kinds, details = [], {}, {}
        for k, frame in enumerate(li.burst(shot.seed, w, h, shot.frames)):
            rel = f"{shot.folder}/IMG_{shot.stem[4:]}_BURST{k:03d}.JPG"
            _write(out, rel, li.encode(frame, "JPEG", quality=90, exif=exif), shot.taken + timedelta(seconds=k))
            files.append(rel)
            kinds[rel] = "original" if k == 0 else "similar"
            details[rel] = f"burst frame {k} of {shot.frames}, {w}x{h}"
        return {"group": {"original": files[0], "files": files, "kinds": kinds, "details": details}}
    img = li.scene(shot.seed, w, h)
    jpeg = li.encode(img, "JPEG", quality=int(rng.integers(85, 96)), exif=exif)
    if shot.kind == "raw":
        raw = f"{shot.folder}/{shot.stem}.DNG"
        _write(out, raw, li.linear_dng(li.fit(img, 1024), shot.camera, taken), shot.taken)
        _write(out, original, jpeg, shot.taken)
        _write(out, f"{raw}.xmp", b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n', shot.taken)
        return {
            "group": {
                "original": raw,
                "files": [raw, original],
                "kinds": {raw: "original", original: "raw_jpeg"},
                "details": {raw: "linear DNG, 1024 px", original: f"the camera's JPEG of the same shot, {w}x{h}"},
            },
            "ignored": [f"{raw}.xmp"],
        }
    _write(out, original, jpeg, shot.taken)
    if not shot.edits:
        return {"singletons": [original]}
    files, kinds, details = [original], {original: "original"}, {original: f"synthetic photo, {w}x{h}"}
    for kind, rel in shot.edits:
        data, recipe = _edited(kind, img, jpeg, rng, shot)
        _write(out, rel, data, shot.taken + timedelta(days=int(rng.integers(0, 400))))
        files.append(rel)
        kinds[rel], details[rel] = kind, recipe
    return {"group": {"original": original, "files": files, "kinds": kinds, "details": details}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of files (about)")
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--resume", action="store_true", help="finish an interrupted run into the same OUT")
    args = ap.parse_args()
    if (args.out / "photos").exists() and not args.resume:
        print(f"{args.out / 'photos'} exists: choose an empty folder", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    shots = plan(args.n, args.seed)
    truth: dict = {
        "format": "dupe-eval-truth/1",
        "name": f"simulated library, {args.n} files, seed {args.seed}",
        "paths_relative_to": "the folder holding this file",
        "groups": [],
        "singletons": [],
        "broken": [],
        "broken_details": {},
        "ignored": [],
        "hard_negatives": [],
        "seed": args.seed,
    }
    jobs = [(s, str(args.out), args.resume) for s in shots]
    # big shots first, so no worker is left alone with a camera-sized photo at the end
    jobs.sort(key=lambda j: -(j[0].size[0] * j[0].size[1] * j[0].file_count()))
    with multiprocessing.get_context("forkserver").Pool(args.workers) as pool:
        for n, part in enumerate(pool.imap_unordered(make, jobs, chunksize=8)):
            if "group" in part:
                truth["groups"].append({"id": f"g{len(truth['groups']) + 1:06d}", **part["group"]})
            truth["singletons"] += part.get("singletons", [])
            truth["broken"] += list(part.get("broken", {}))
            truth["broken_details"] |= part.get("broken", {})
            truth["ignored"] += part.get("ignored", [])
            if n % 2000 == 0:
                print(f"  {n}/{len(jobs)} shots, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    truth["groups"].sort(key=lambda g: g["original"])
    for i, g in enumerate(truth["groups"]):
        g["id"] = f"g{i + 1:06d}"
    kinds: dict[str, int] = {}
    for g in truth["groups"]:
        for k in g["kinds"].values():
            kinds[k] = kinds.get(k, 0) + 1
    files = sum(len(g["files"]) for g in truth["groups"]) + len(truth["singletons"]) + len(truth["broken"])
    truth["stats"] = {"files": files, "groups": len(truth["groups"]), "singletons": len(truth["singletons"]),
                      "broken": len(truth["broken"]), "files_by_kind": dict(sorted(kinds.items()))}  # fmt: skip
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    size = sum(p.stat().st_size for p in (args.out / "photos").rglob("*") if p.is_file())
    print(
        f"{files} image files ({len(truth['ignored'])} sidecars), {size / 1e9:.2f} GB in {args.out / 'photos'}: "
        f"{len(truth['groups'])} groups, {len(truth['singletons'])} singletons, {len(truth['broken'])} broken; "
        f"{time.perf_counter() - t0:.0f} s with {args.workers} processes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
