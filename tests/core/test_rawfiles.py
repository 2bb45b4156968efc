"""Camera RAW originals: real DNG files read by LibRaw at their true size, upright, named by format, grouped with
their JPEG rendering; RAWs LibRaw cannot read are unsupported, never "damaged"."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dedup_gui.core import rawfiles
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.decoding import Decoded, DecodeError, decode
from dedup_gui.core.formats import RAW_FORMATS, is_raw_format
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.scanning import WalkOptions, walk
from dedup_gui.core.store import Store
from dedup_gui.core.types import ProblemKind
from tests.conftest import photo, save_jpeg, tiff_entry
from tests.dng import make_dng


def run(path: Path) -> Decoded:
    return decode(str(path), path.stat().st_size, want_cnn=True)


def gray(d: Decoded) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(d.thumb_jpeg)).convert("L"), dtype=np.float64)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@pytest.fixture(scope="module")
def upright() -> Image.Image:
    return photo("astronaut", (800, 1200))  # portrait, as displayed


@pytest.mark.parametrize("preview", [False, True], ids=["half-size decode", "embedded preview"])
def test_dng_is_read_at_its_sensor_size_upright(tmp_path: Path, upright: Image.Image, preview: bool) -> None:
    """Stored sideways with orientation 6 (as cameras do); Pillow alone sees the 256 x 170 first-IFD thumbnail."""
    sensor = upright.transpose(Image.Transpose.ROTATE_90)
    p = make_dng(tmp_path / "DSC_0001.dng", sensor, preview=preview, orientation=6)
    with Image.open(p) as img:
        assert img.format == "TIFF" and max(img.size) == 256  # what was reported before: a 256 px "TIFF"
    d = run(p)
    assert (d.info.width, d.info.height) == (800, 1200)
    assert d.info.format == "DNG" and d.info.raw
    assert d.info.camera == "Nikon Z 6" and d.info.taken == "2021-05-06T07:08:09"
    reference = np.asarray(upright.convert("L").resize((171, 256)), dtype=np.float64)
    right = correlation(gray(d), reference)
    wrong = [correlation(gray(d), t) for t in (reference[::-1, ::-1], reference[:, ::-1], reference[::-1])]
    assert right > 0.8 and right > max(wrong) + 0.3  # the right way up, not upside down or mirrored
    picture = rawfiles.read_raw(p.read_bytes(), "DNG", draft=(256, 224), budget=1 << 30)
    assert picture.from_preview is preview


def test_raw_is_recognised_by_content_whatever_its_name(tmp_path: Path) -> None:
    base = photo("coffee", (600, 400))
    dng = make_dng(tmp_path / "a.tif", base).read_bytes()
    nef = make_dng(tmp_path / "b.tif", base, make="NIKON CORPORATION").read_bytes()
    plain = io.BytesIO()
    base.save(plain, "TIFF")
    jpeg = io.BytesIO()
    base.save(jpeg, "JPEG")
    assert rawfiles.raw_format(dng, ".tif") == "DNG"
    assert rawfiles.raw_format(nef, ".nef") == "DNG"  # a DNG named .nef is still a DNG
    assert rawfiles.raw_format(plain.getvalue(), ".tif") is None
    assert rawfiles.raw_format(plain.getvalue(), ".nef") == "NEF"  # named a RAW: never read as its preview
    assert rawfiles.raw_format(jpeg.getvalue(), ".nef") is None  # plainly a JPEG: left to the JPEG decoder
    # a NEF's structure: a CFA image in a SubIFD, no DNGVersion; found by content under any name
    without_dng_version = nef.replace(struct.pack("<HHI", 50706, 1, 4), struct.pack("<HHI", 50999, 1, 4), 1)
    assert rawfiles.raw_format(without_dng_version, ".tif") == "NEF"
    assert {"DNG", "NEF", "CR2", "CR3", "ARW", "RAF", "ORF", "RW2", "PEF", "RAW"} <= RAW_FORMATS
    assert is_raw_format("NEF") and not is_raw_format("JPEG") and not is_raw_format(None)


def test_raw_files_are_walked(tmp_path: Path) -> None:
    for name in ("a.NEF", "b.cr3", "c.orf", "d.rw2", "e.arw", "f.raf", "g.dng"):
        (tmp_path / name).write_bytes(b"\x00" * 64)
    found = {Path(r.path).name for r in walk(WalkOptions((tmp_path,)), [])}
    assert found == {"a.NEF", "b.cr3", "c.orf", "d.rw2", "e.arw", "f.raf", "g.dng"}


def _bmff_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def test_a_raw_libraw_cannot_read_is_unsupported_not_damaged(tmp_path: Path) -> None:
    """A CR3-like ISO-BMFF file (brand 'crx '): pillow-heif would call it a damaged HEIC."""
    cr3 = tmp_path / "IMG_0001.CR3"
    cr3.write_bytes(
        _bmff_box(b"ftyp", b"crx \x00\x00\x00\x01crx isom")
        + _bmff_box(b"moov", _bmff_box(b"uuid", b"\x85\xc0\xb6\x87\x82\x0f\x11\xe0\x81\x11\xf4\xce\x46\x2b\x6a\x48"))
        + _bmff_box(b"mdat", b"\x00" * 4096)
    )
    with pytest.raises(DecodeError) as err:
        run(cr3)
    assert err.value.kind is ProblemKind.UNSUPPORTED
    assert "CR3" in str(err.value) and "damaged" not in str(err.value)


@pytest.mark.filterwarnings("ignore:Metadata Warning")
def test_a_dng_whose_camera_maker_tag_holds_numbers_is_still_read(tmp_path: Path) -> None:
    """A damaged IFD entry (the maker tag typed as numbers instead of text) stopped the scan's look at the TIFF
    tags with an AttributeError, which reached the user as "could not decode": LibRaw reads such a file."""
    p = make_dng(tmp_path / "a.dng", photo("rocket", (600, 400)))
    data = bytearray(p.read_bytes())
    (ifd,) = struct.unpack_from("<I", data, 4)
    maker = tiff_entry(data, ifd, 271)
    struct.pack_into("<H", data, maker + 2, 3)  # type SHORT
    p.write_bytes(bytes(data))
    assert run(p).info.format == "DNG"


def test_a_dng_whose_thumbnail_claims_to_be_wider_than_the_picture_does_not_crash(tmp_path: Path) -> None:
    """rawpy wraps LibRaw's thumbnail buffer at the size the tags claim: reading a bitmap thumbnail said to be
    52,480 px wide (a damaged tag; the picture is 600) crashed the process with a segmentation fault. Run in a
    process of its own, so that a crash fails this test instead of ending the test run."""
    p = make_dng(tmp_path / "a.dng", photo("rocket", (600, 400)))
    data = bytearray(p.read_bytes())
    (ifd,) = struct.unpack_from("<I", data, 4)  # IFD0: the bitmap thumbnail
    width = tiff_entry(data, ifd, 256)
    short = struct.unpack_from("<H", data, width + 2)[0] == 3  # the tag's type: SHORT or LONG
    struct.pack_into("<H" if short else "<I", data, width + 8, 52480)
    p.write_bytes(bytes(data))
    call = f"decode({str(p)!r}, {len(data)}, want_cnn=False).info.format"
    code = f"from dedup_gui.core.decoding import decode; print({call})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "DNG"


def test_truncated_dng_is_reported(tmp_path: Path) -> None:
    p = make_dng(tmp_path / "a.dng", photo("rocket", (600, 400)))
    data = p.read_bytes()
    p.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(DecodeError) as err:
        run(p)
    assert err.value.kind is ProblemKind.TRUNCATED


@pytest.mark.parametrize("preview", [False, True], ids=["half-size decode", "embedded preview"])
def test_raw_is_grouped_with_its_jpeg_rendering_and_is_no_problem(tmp_path: Path, preview: bool) -> None:
    base = photo("astronaut", (1200, 800))
    raw = make_dng(tmp_path / "lib" / "DSC_0001.DNG", base, preview=preview)
    jpeg = save_jpeg(base, tmp_path / "lib" / "DSC_0001.JPG", quality=90)
    other = save_jpeg(photo("coffee", (1200, 800)), tmp_path / "lib" / "DSC_0002.JPG")
    store = Store(tmp_path / "s.sqlite3")
    try:
        result = run_scan(ScanConfig(roots=(tmp_path / "lib",), embeddings=False, workers=2), store=store)
    finally:
        store.close()
    assert result.problems == ()
    assert [set(g.paths) for g in result.groups] == [{str(raw), str(jpeg)}]
    member = next(m for m in result.groups[0].members if m.path == str(raw))
    assert member.info is not None and member.info.raw and member.info.format == "DNG"
    assert (member.info.width, member.info.height) == (1200, 800)
    assert str(other) not in result.groups[0].paths


def test_libraw_messages_read_as_words() -> None:
    """rawpy hands LibRaw's message over as bytes: a problem said "(b'Input/output error')"."""
    import rawpy

    from dedup_gui.core.rawfiles import _words

    assert _words(rawpy.LibRawIOError(b"Input/output error")) == "Input/output error"
    assert _words(rawpy.LibRawDataError("Data error")) == "Data error"
