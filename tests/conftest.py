"""Shared fixtures: small photo libraries generated with Pillow from scikit-image's bundled sample photos."""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import psutil
import pytest
from PIL import Image

if TYPE_CHECKING:
    from dedup_gui.core.types import ScanResult


@pytest.fixture(autouse=True)
def _own_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test reads and writes its own settings file, never the developer's."""
    monkeypatch.setenv("DEDUP_GUI_SETTINGS", str(tmp_path_factory.mktemp("settings") / "settings.toml"))


def near_scan(root: Path, db: Path) -> ScanResult:
    """A near-mode scan of one folder (hashes, CNN, verification) into a real store at `db`."""
    from dedup_gui.core.config import ScanConfig
    from dedup_gui.core.pipeline import run_scan
    from dedup_gui.core.store import Store
    from dedup_gui.core.types import Mode

    store = Store(db)
    try:
        return run_scan(ScanConfig(roots=(root,), mode=Mode.NEAR, workers=2), store=store)
    finally:
        store.close()


def together(result: ScanResult, a: Path, b: Path) -> bool:
    """Whether the scan put the two files in one group."""
    return any(str(a) in g.paths and str(b) in g.paths for g in result.groups)


def photo(name: str, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A real photograph (scikit-image sample data ships inside the package, no download)."""
    from skimage import data

    arr = getattr(data, name)()
    img = Image.fromarray(arr).convert("RGB")
    return img.resize(size, Image.Resampling.LANCZOS)


def save_jpeg(img: Image.Image, path: Path, quality: int = 92, **kw: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=quality, **kw)
    return path


def tiff_entry(data: bytes | bytearray, ifd: int, tag: int) -> int:
    """Where a little-endian TIFF directory at `ifd` holds its entry for `tag` (12 bytes: tag, type, count, value)."""
    (count,) = struct.unpack_from("<H", data, ifd)
    return next(at for at in range(ifd + 2, ifd + 2 + 12 * count, 12) if struct.unpack_from("<H", data, at)[0] == tag)


def huge_png(path: Path, width: int = 20_000, height: int = 20_000, color_type: int | None = None) -> Path:
    """A tiny file whose header claims a giant image: the decompression-bomb case, without using 400 MB here.

    With a `color_type` (6: RGBA) the rows are really there, compressed zeros: a valid PNG of 1000:1.
    """

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type or 0, 0, 0, 0)
    if color_type is None:
        idat = zlib.compress(b"\x00" * 64)
    else:
        idat = _zero_rows_zlib(1 + width * {0: 1, 2: 3, 4: 2, 6: 4}[color_type], height)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    path.write_bytes(data)
    return path


def _zero_rows_zlib(row: int, rows: int, per_block: int = 256) -> bytes:
    """zlib stream of rows x row zero bytes: one block of rows compressed once and repeated (a full flush makes
    each block's output independent of the ones before), then the checksum of the whole; 1 GB in a second."""
    per_block = min(per_block, rows)
    block = bytes(row * per_block)
    packer = zlib.compressobj(9)
    head = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    full, rest = divmod(rows, per_block)
    tail = packer.compress(bytes(row * rest)) + packer.flush(zlib.Z_FULL_FLUSH) if rest else b""
    checksum = 1
    for _ in range(full):
        checksum = zlib.adler32(block, checksum)
    checksum = zlib.adler32(bytes(row * rest), checksum)
    end = b"\x03\x00" + struct.pack(">I", checksum)  # an empty final block, then the Adler-32 of it all
    return head + again * (full - 1) + tail + end


@dataclass
class Library:
    root: Path
    orig: Path
    same_photo: dict[str, Path]  # kind -> file that must group with orig
    exact_copy: Path
    others: list[Path]  # unrelated photos: never grouped with orig
    broken: dict[str, Path]  # kind -> file that must be reported as a problem


def slow_library(root: Path, count: int) -> None:
    """Distinct large PNGs (each decodes in a few hundred ms), cheap to write: one encode, then varied copies."""
    root.mkdir(parents=True)
    noise = np.random.default_rng(0).integers(0, 256, (2500, 2500, 3), dtype=np.uint8)
    Image.fromarray(noise).save(root / "base.png", compress_level=0)
    data = (root / "base.png").read_bytes()
    end = data.rindex(b"IEND") - 4
    for n in range(count):
        text = b"tEXt" + f"Comment\x00copy {n}".encode()
        chunk = len(text[4:]).to_bytes(4, "big") + text + b"\x00\x00\x00\x00"  # CRC not checked by the decoder
        (root / f"p{n:03d}.png").write_bytes(data[:end] + chunk + data[end:])


def build_library(root: Path) -> Library:
    base = photo("astronaut", (800, 600))
    orig = save_jpeg(base, root / "2020" / "IMG_0001.jpg")
    exact = root / "backup" / "IMG_0001 copy.jpg"
    exact.parent.mkdir(parents=True)
    exact.write_bytes(orig.read_bytes())
    same: dict[str, Path] = {}
    same["reencode"] = save_jpeg(base, root / "edited" / "reencoded.jpg", quality=60)
    same["resize"] = save_jpeg(base.resize((320, 240), Image.Resampling.LANCZOS), root / "edited" / "small.jpg")
    # pixels stored rotated, EXIF Orientation 6 turns them back: identical to the eye
    exif = Image.Exif()
    exif[0x0112] = 6
    same["exif_orientation"] = save_jpeg(
        base.transpose(Image.Transpose.ROTATE_90), root / "phone" / "IMG_0001_oriented.jpg", exif=exif.tobytes()
    )
    same["rotate"] = save_jpeg(base.transpose(Image.Transpose.ROTATE_270), root / "edited" / "rotated.jpg")
    same["mirror"] = save_jpeg(base.transpose(Image.Transpose.FLIP_LEFT_RIGHT), root / "edited" / "mirrored.jpg")
    same["png"] = root / "export" / "IMG_0001.png"
    same["png"].parent.mkdir(parents=True)
    base.save(same["png"])
    import pillow_heif

    pillow_heif.register_heif_opener()
    same["heic"] = root / "phone" / "IMG_0001.heic"
    base.save(same["heic"], quality=80)
    others = [save_jpeg(photo(n), root / "2021" / f"{n}.jpg") for n in ("coffee", "chelsea", "rocket")]
    # a JPEG named .png is still a photo (found by content); a copy of coffee's bytes
    mislabelled = root / "2021" / "coffee-export.png"
    mislabelled.write_bytes(others[0].read_bytes())
    bad = root / "bad"
    bad.mkdir()
    broken = {
        "empty": bad / "empty.jpg",
        "not-an-image": bad / "notes.jpg",
        "truncated": bad / "truncated.jpg",
        "too-large": bad / "huge.png",
    }
    broken["empty"].write_bytes(b"")
    broken["not-an-image"].write_text("this is a text file, not a photo\n" * 20)
    full = io.BytesIO()
    photo("coffee").save(full, "JPEG", quality=90)
    broken["truncated"].write_bytes(full.getvalue()[: len(full.getvalue()) // 2])
    huge_png(broken["too-large"])
    # two blank images must not match through their (meaningless) hashes
    (root / "blank").mkdir()
    Image.new("RGB", (400, 300), (250, 250, 250)).save(root / "blank" / "white.jpg")
    rng = np.random.default_rng(1)
    dark = (rng.integers(0, 4, (300, 400, 3))).astype(np.uint8)
    Image.fromarray(dark).save(root / "blank" / "dark.jpg", quality=90)
    (root / ".hidden").mkdir()
    save_jpeg(base, root / ".hidden" / "cached.jpg")
    os.symlink(root / "2020", root / "2020" / "loop")  # a symlink loop: the folder links to itself
    (root / "2020" / "IMG_0001.xmp").write_text("<x:xmpmeta/>")
    return Library(root, orig, same, exact, others, broken)


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return build_library(tmp_path_factory.mktemp("library"))


def cmdline(p: psutil.Process) -> str:
    """A child's command line, or "" once it has ended: children start and end while a test looks at them."""
    try:
        return " ".join(p.cmdline())
    except psutil.NoSuchProcess:  # ZombieProcess too: ended, not yet reaped
        return ""


def parent_pid(p: psutil.Process) -> int | None:
    """A child's parent's pid, or None once it has ended and gone (a poll sees children start and end)."""
    try:
        return p.ppid()
    except psutil.NoSuchProcess:
        return None
