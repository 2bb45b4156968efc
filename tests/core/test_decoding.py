"""One decode per image: orientation applied, HEIC read, bad files turned into clear problems."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dedup_gui.core import scanning
from dedup_gui.core.bytechecks import check_jpeg, jpeg_pixel_key
from dedup_gui.core.decoding import Decoded, DecodeError, decode, decode_or_problem
from dedup_gui.core.hashing import hamming, image_hashes
from dedup_gui.core.pictures import display_picture
from dedup_gui.core.types import Problem, ProblemKind
from tests.conftest import huge_png, photo, save_jpeg, tiff_entry


def run(path: Path, want_cnn: bool = False) -> Decoded:
    return decode(str(path), path.stat().st_size, want_cnn=want_cnn)


def test_exif_orientation_is_applied_and_sizes_are_as_displayed(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 450D"
    p = save_jpeg(
        photo("astronaut", (800, 600)).transpose(Image.Transpose.ROTATE_90), tmp_path / "a.jpg", exif=exif.tobytes()
    )
    d = run(p, want_cnn=True)
    assert (d.info.width, d.info.height) == (800, 600)
    assert d.info.camera == "Canon EOS 450D"
    assert d.cnn is not None and d.cnn.shape == (224, 224, 3)
    thumb = Image.open(__import__("io").BytesIO(d.thumb_jpeg))
    assert thumb.size == (256, 192)


def test_heic_is_decoded(tmp_path: Path) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    p = tmp_path / "a.heic"
    photo("coffee", (640, 480)).save(p, quality=70)
    d = run(p)
    assert d.info.format == "HEIF" and (d.info.width, d.info.height) == (640, 480)


@pytest.mark.parametrize("turned", [False, True])
def test_a_heic_with_a_cameras_thumbnail_is_decoded_from_it_as_the_same_picture(tmp_path: Path, turned: bool) -> None:
    """A phone's HEIC embeds a 320-px thumbnail; decoding it instead of 12 MP of tiles is what makes a phone library
    scan in minutes. Its small images must be those of the picture, upright and at its size, and the thumbnail's
    pixels never stand for the picture's: no pixel key, which would call two files the same pixels."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    picture = photo("astronaut", (1280, 960))
    options: dict[str, object] = {"quality": 85}
    if turned:  # a phone held upright: pillow-heif stores the turn as the picture's rotation, as a phone does
        exif = Image.Exif()
        exif[0x0112] = 6
        options["exif"] = exif.tobytes()
    whole, phone = tmp_path / "whole.heic", tmp_path / "phone.heic"
    picture.save(whole, **options)
    picture.save(phone, thumbnails=[320], **options)
    assert Image.open(phone).info["thumbnails"] == [320] and not Image.open(whole).info["thumbnails"]
    a, b = run(whole, want_cnn=True), run(phone, want_cnn=True)
    size = (960, 1280) if turned else (1280, 960)
    assert (a.info.width, a.info.height) == (b.info.width, b.info.height) == size
    assert Image.open(io.BytesIO(b.thumb_jpeg)).size == Image.open(io.BytesIO(a.thumb_jpeg)).size
    assert a.thumb_jpeg != b.thumb_jpeg  # made from the thumbnail, not from the picture
    pa, da = image_hashes(a.gray)
    pb, db = image_hashes(b.gray)
    assert hamming(pa[0], pb[0]) <= 4 and hamming(da[0], db[0]) <= 6
    assert a.cnn is not None and b.cnn is not None and np.abs(a.cnn.astype(int) - b.cnn.astype(int)).mean() < 12
    assert a.pixel_key is not None and b.pixel_key is None


@pytest.mark.parametrize("thumbnails", [[], [320]])
@pytest.mark.parametrize("share", [0.3, 0.9, 0.99])
def test_a_heic_cut_short_is_truncated_not_damaged(tmp_path: Path, share: float, thumbnails: list[int]) -> None:
    """An interrupted copy from a phone: libheif says "Unexpected end of file", which is a truncated file. Some it
    decoded without a word (the last tiles' data missing), and a thumbnail may lie before the cut: those too."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    whole = tmp_path / "whole.heic"
    photo("coffee", (1280, 960)).save(whole, quality=70, thumbnails=thumbnails)
    cut = tmp_path / "cut.heic"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * share)])
    with pytest.raises(DecodeError) as caught:
        run(cut)
    assert caught.value.kind is ProblemKind.TRUNCATED


def _pixel_key(data: bytes, orientation: int) -> str | None:
    return jpeg_pixel_key(data, check_jpeg(data).end, orientation)


def test_pixel_key_ignores_metadata_only_changes(tmp_path: Path) -> None:
    p = save_jpeg(photo("rocket"), tmp_path / "a.jpg")
    data = p.read_bytes()
    exif = Image.Exif()
    exif[0x010F] = "Someone"
    with Image.open(p) as img:
        img.save(tmp_path / "b.jpg", quality=92, exif=exif.tobytes())
    app1 = b"\xff\xe1" + (22).to_bytes(2, "big") + b"Exif\x00\x00" + b"\x00" * 14
    rewritten = data[:2] + app1 + data[2:]
    assert _pixel_key(rewritten, 1) == _pixel_key(data, 1)
    assert _pixel_key(data, 6) != _pixel_key(data, 1)  # a different orientation displays differently


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"", ProblemKind.EMPTY),
        (b"hello, this is text and not a photo at all\n" * 5, ProblemKind.NOT_AN_IMAGE),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, ProblemKind.CORRUPT),
    ],
)
def test_bad_content_becomes_a_problem(tmp_path: Path, content: bytes, kind: ProblemKind) -> None:
    p = tmp_path / "x.jpg"
    p.write_bytes(content)
    with pytest.raises(DecodeError) as err:
        run(p)
    assert err.value.kind is kind


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="too large") as err:
        run(huge_png(tmp_path / "huge.png"))
    assert err.value.kind is ProblemKind.TOO_LARGE


def _with_chunk_after_header(png: bytes, kind: bytes, payload: bytes) -> bytes:
    chunk = struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    return png[:33] + chunk + png[33:]  # after the 8-byte signature and the 25-byte IHDR chunk


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        (b"zTXt", b"History\x00\x00" + zlib.compress(bytes(50 << 20), 9)),  # an editor's history, 50 MB unpacked
        (b"iCCP", b"profile\x00\x00" + zlib.compress(bytes(8 << 20), 9)),  # a colour profile of 8 MB
    ],
)
def test_a_png_whose_metadata_the_decoder_refuses_still_shows_and_matches_its_picture(
    tmp_path: Path, kind: bytes, payload: bytes
) -> None:
    """Pillow refuses text and profiles that unpack to over 1 MB, as a guard against memory bombs. The photo was
    reported as damaged and never compared; it is decoded without them, in the scan and in the compare view."""
    buf = io.BytesIO()
    photo("astronaut", (640, 480)).save(buf, "PNG")
    plain = tmp_path / "plain.png"
    plain.write_bytes(buf.getvalue())
    heavy = tmp_path / "heavy.png"
    heavy.write_bytes(_with_chunk_after_header(buf.getvalue(), kind, payload))
    with pytest.raises(ValueError, match="MAX_TEXT_CHUNK"):  # what the decoder says of the file as it is
        Image.open(heavy).load()
    a, b = run(plain, want_cnn=True), run(heavy, want_cnn=True)
    assert (b.info.width, b.info.height, b.info.format) == (640, 480, "PNG")
    assert b.pixel_key == a.pixel_key and b.thumb_jpeg == a.thumb_jpeg
    shown = display_picture(str(heavy), 1024)
    assert shown.rgb == display_picture(str(plain), 1024).rgb


def test_a_png_refused_for_its_metadata_with_damaged_picture_data_is_still_damaged(tmp_path: Path) -> None:
    buf = io.BytesIO()
    photo("astronaut", (640, 480)).save(buf, "PNG")
    data = bytearray(_with_chunk_after_header(buf.getvalue(), b"zTXt", b"c\x00\x00" + zlib.compress(bytes(4 << 20))))
    idat = data.index(b"IDAT")
    data[idat + 200 : idat + 400] = bytes(range(200))  # overwritten picture data
    assert _problem_of(tmp_path / "bad.png", bytes(data)) is ProblemKind.CORRUPT


def _problem_of(path: Path, data: bytes) -> ProblemKind:
    """The kind of problem the decoder reports for a file of these bytes (it must report one)."""
    path.write_bytes(data)
    with pytest.raises(DecodeError) as err:
        run(path)
    return err.value.kind


def test_a_jpeg_of_thousands_of_tiny_scans_is_refused_before_its_minutes_of_decoding(tmp_path: Path) -> None:
    """Each scan of a progressive JPEG is a pass over the whole picture: 2,000 copies of one small scan make a file
    of a few hundred KB that took 20 s to decode here, and a few megabytes of them minutes. The scan and the compare
    view refuse it."""
    buf = io.BytesIO()
    Image.new("RGB", (4000, 4000), (128, 128, 128)).save(buf, "JPEG", progressive=True)
    data = buf.getvalue()
    starts = [i for i in range(len(data) - 1) if data[i : i + 2] == b"\xff\xda"]
    scans = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data) - 2], strict=True)]
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(data[:-2] + min(scans, key=len) * 2000 + b"\xff\xd9")
    with pytest.raises(DecodeError, match="2,010 scans") as err:
        run(bomb)
    assert err.value.kind is ProblemKind.CORRUPT
    with pytest.raises(DecodeError, match="scans of picture data"):
        display_picture(str(bomb), 1024)
    progressive = tmp_path / "progressive.jpg"
    progressive.write_bytes(data)  # its 10 scans, as every progressive JPEG on the evaluation sets
    assert run(progressive).info.width == 4000


def test_file_changed_since_the_walk_is_reported(tmp_path: Path) -> None:
    p = save_jpeg(photo("coffee"), tmp_path / "a.jpg")
    with pytest.raises(DecodeError) as err:
        decode(str(p), p.stat().st_size + 1, want_cnn=False)
    assert err.value.kind is ProblemKind.CHANGED


def test_a_large_png_gives_the_same_small_images_as_a_small_copy(tmp_path: Path) -> None:
    """Full-size non-JPEG images are box-reduced before resampling; what comes out must not depend on it."""
    big = photo("astronaut", (4000, 3000))
    big.save(tmp_path / "big.png")
    save_jpeg(big.resize((800, 600), Image.Resampling.LANCZOS), tmp_path / "small.jpg", quality=95)
    a, b = run(tmp_path / "big.png", want_cnn=True), run(tmp_path / "small.jpg", want_cnn=True)
    assert (a.info.width, a.info.height) == (4000, 3000)
    assert Image.open(io.BytesIO(a.thumb_jpeg)).size == Image.open(io.BytesIO(b.thumb_jpeg)).size == (256, 192)
    assert a.cnn is not None and b.cnn is not None
    assert np.abs(a.cnn.astype(int) - b.cnn.astype(int)).mean() < 3  # grey levels, out of 255
    pa, _ = image_hashes(a.gray)
    pb, _ = image_hashes(b.gray)
    assert hamming(pa[0], pb[0]) <= 2


def test_overwritten_jpeg_data_is_reported_as_damaged(tmp_path: Path) -> None:
    """A few kB of a JPEG overwritten (a bad sector, a broken copy): Pillow decodes garbage without a word."""
    good = save_jpeg(photo("coffee", (800, 600)), tmp_path / "good.jpg")
    data = bytearray(good.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(bytes(data))
    with pytest.raises(DecodeError) as err:
        run(bad)
    assert err.value.kind is ProblemKind.CORRUPT and "corrupt" in str(err.value)


def _mpo(picture: Image.Image, path: Path, camera: str) -> Path:
    """A JPEG carrying a second picture after its own (a phone's Ultra HDR gain map, a camera's preview), which
    Pillow opens as an MPO."""
    exif = Image.Exif()
    exif[0x0110] = camera
    gain_map = picture.convert("L").resize((picture.width // 4, picture.height // 4)).convert("RGB")
    picture.save(path, "MPO", save_all=True, append_images=[gain_map], quality=90, exif=exif.tobytes())
    return path


def test_a_jpeg_carrying_more_pictures_decodes_and_is_checked_as_a_jpeg(tmp_path: Path) -> None:
    """Pillow calls a JPEG with a Multi-Picture index an MPO; it was decoded whole (83 ms against 30 for 12 MP),
    not checked for damage, and had no pixel key, so a copy that only changed its metadata was not the same pixels."""
    picture = photo("coffee", (1600, 1200))
    first, again = _mpo(picture, tmp_path / "a.jpg", "Pixel 8"), _mpo(picture, tmp_path / "b.jpg", "Pixel 8 Pro")
    a, b = run(first, want_cnn=True), run(again)
    assert Image.open(first).format == "MPO" and (a.info.width, a.info.height, a.info.format) == (1600, 1200, "MPO")
    assert a.pixel_key is not None and a.pixel_key == b.pixel_key
    plain = run(save_jpeg(picture, tmp_path / "plain.jpg", quality=90), want_cnn=True)
    assert a.thumb_jpeg == plain.thumb_jpeg  # the same draft decode as the plain JPEG of the picture
    data = bytearray(first.read_bytes())
    start = data.index(b"\xff\xda")
    data[start + 3000 : start + 7096] = np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert _problem_of(tmp_path / "damaged.jpg", bytes(data)) is ProblemKind.CORRUPT


def test_stray_bytes_between_header_segments_are_not_damage(tmp_path: Path) -> None:
    """libjpeg skips bytes where a marker should be and decodes the whole picture (Photoshop and some phones write
    them): such a file is a good photo, and the same pixels as the file without them."""
    good = save_jpeg(photo("coffee", (640, 480)), tmp_path / "good.jpg")
    data = good.read_bytes()
    app0_end = 4 + int.from_bytes(data[4:6], "big")
    odd = tmp_path / "odd.jpg"
    odd.write_bytes(data[:app0_end] + b"\x00\x00 stray \x00" + data[app0_end:])
    assert check_jpeg(odd.read_bytes()).damage_at is None
    assert run(odd).pixel_key == run(good).pixel_key
    assert check_jpeg(data[:app0_end] + b"no marker after this").damage_at is not None


def test_a_png_with_overwritten_picture_data_is_damaged_not_a_copy(tmp_path: Path) -> None:
    """Pillow reads a PNG's pixels when asked for its EXIF and that read's error was swallowed: the damaged file was
    then taken as a good picture, and grouped with its intact original as a copy."""
    good = tmp_path / "good.png"
    photo("coffee", (400, 300)).save(good)
    data = bytearray(good.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(data))
    assert run(good).info.width == 400
    with pytest.raises(DecodeError) as err:
        run(bad)
    assert err.value.kind is ProblemKind.CORRUPT and "damaged" in str(err.value)


@pytest.mark.parametrize(
    "options",
    [{}, {"progressive": True}, {"restart_marker_blocks": 4}, {"progressive": True, "restart_marker_rows": 1}],
)
def test_valid_jpeg_structures_are_not_mistaken_for_damage(tmp_path: Path, options: dict) -> None:
    """Progressive scans, restart markers, an EXIF thumbnail and data after the end of the image are all normal."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    p = save_jpeg(photo("chelsea", (640, 480)), tmp_path / "a.jpg", exif=exif.tobytes(), **options)
    p.write_bytes(p.read_bytes() + b"\xff\xd8\xff\x01 trailing camera data \xff\x42")
    assert check_jpeg(p.read_bytes()).damage_at is None
    assert run(p).info.width == 640


@pytest.mark.parametrize("where", [0.3, 0.7])
def test_a_jpeg_whose_picture_data_was_written_over_is_damaged_not_a_photo(tmp_path: Path, where: float) -> None:
    """512 bytes of the picture's own compressed data written over another part of it (a copy that went wrong): no
    impossible marker and no run of zeros, so only the decoder can tell. libjpeg guesses the rest and warns (a data
    segment that ends early; hundreds of bytes it never needed), and Pillow passes no warning on: the file was taken
    for a good photo."""
    good = save_jpeg(photo("coffee", (640, 480)), tmp_path / "good.jpg")
    data = good.read_bytes()
    start = data.index(b"\xff\xda")
    at = start + int((len(data) - start) * where)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(data[:at] + data[start + 200 : start + 712] + data[at + 512 :])
    with Image.open(bad) as img:
        img.load()  # Pillow alone decodes it without a word
    assert check_jpeg(bad.read_bytes()).damage_at is None
    with pytest.raises(DecodeError) as err:
        run(bad)
    assert err.value.kind is ProblemKind.CORRUPT and "Corrupt JPEG data" in str(err.value)


def test_an_avif_whose_picture_data_is_damaged_is_a_problem_in_words(tmp_path: Path) -> None:
    """Pillow's AVIF decoder refuses damaged data with a RuntimeError, which ended as "could not decode:
    RuntimeError" and a logged traceback, like a fault of ours."""
    good = tmp_path / "good.avif"
    photo("rocket", (600, 400)).save(good, quality=60)
    data = good.read_bytes()
    at = data.index(b"mdat") + 4
    bad = tmp_path / "bad.avif"
    bad.write_bytes(data[:at] + b"\xff" * 8 + data[at + 8 :])
    with pytest.raises(RuntimeError), Image.open(bad) as img:
        img.load()
    problem = decode_or_problem(str(bad), bad.stat().st_size, want_cnn=False)
    assert isinstance(problem, Problem) and problem.kind is ProblemKind.CORRUPT
    assert problem.message.startswith("cannot be read: a damaged image") and "Failed to decode" in problem.message


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_multipage_tiff_whose_second_page_is_damaged_is_a_problem_in_words(tmp_path: Path) -> None:
    """Pillow counts a TIFF's pages by reading each page's tags: the first page decoded as if the file were whole,
    then a second page without its width failed with a TypeError, "could not decode" and a logged traceback."""
    first, second = photo("rocket", (300, 200)), photo("coffee", (300, 200))
    tiff = tmp_path / "scan.tif"
    first.save(tiff, save_all=True, append_images=[second])
    data = bytearray(tiff.read_bytes())
    (ifd,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, ifd)
    (ifd,) = struct.unpack_from("<I", data, ifd + 2 + 12 * count)  # the second page's tags
    width = tiff_entry(data, ifd, 256)
    struct.pack_into("<H", data, width, 0xC000)  # ImageWidth becomes a tag nobody knows
    tiff.write_bytes(bytes(data))
    problem = decode_or_problem(str(tiff), tiff.stat().st_size, want_cnn=False)
    assert isinstance(problem, Problem) and problem.kind is ProblemKind.CORRUPT
    assert problem.message.startswith("damaged image: its later pages or frames cannot be read")


def test_a_gif_whose_first_frame_claims_a_huge_canvas_is_refused_before_pillow_fills_it(tmp_path: Path) -> None:
    """Pillow fills a GIF frame's area while opening the file (its disposal), before any size check: a small file
    whose frame claimed 50,000 x 50,000 px made it allocate 2.5 GB (the window has no memory ceiling). Decoded here
    in a process limited to 2 GB of address space, the file must be refused from its header, in words that name its
    size."""
    gif = tmp_path / "star.gif"
    photo("rocket", (160, 160)).convert("P").save(gif, disposal=2)  # the frame's area is filled on disposal
    data = bytearray(gif.read_bytes())
    frame = data.index(b"\x21\xf9\x04") + 8  # the image descriptor, right after its graphic control extension
    assert data[frame] == 0x2C
    struct.pack_into("<HHHH", data, frame + 1, 10000, 10000, 50000, 50000)
    gif.write_bytes(bytes(data))
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, resource.RLIM_INFINITY))\n"
        "from dedup_gui.core.decoding import decode_or_problem\n"
        f"print(decode_or_problem({str(gif)!r}, {len(data)}, want_cnn=False).message)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "image too large to check safely (60000 x 60000 pixels)", done.stderr[-300:]


def test_a_heic_whose_main_picture_data_lies_outside_the_file_is_damaged_though_its_thumbnail_is_whole(
    tmp_path: Path,
) -> None:
    """The scan decodes a phone's HEIC from its embedded thumbnail. A damaged header that sends the main picture's
    data past the end of the file left the thumbnail readable: the file passed for a good photo, which only the
    compare view, decoding the whole picture, could not read."""
    heic = tmp_path / "IMG_0001.heic"
    photo("coffee", (1280, 960)).save(heic, quality=70, thumbnails=[320])
    data = bytearray(heic.read_bytes())
    iloc = data.index(b"iloc")
    assert (data[iloc + 4], data[iloc + 8], data[iloc + 9]) == (0, 0x44, 0x40)  # version 0, 4-byte fields
    item, offset = iloc + 12, iloc + 22  # the first item: id, data reference, base, extent count, then its extent
    assert struct.unpack_from(">H", data, item)[0] == 1  # the main picture (pitm), before its thumbnail
    struct.pack_into(">I", data, offset, len(data))
    heic.write_bytes(bytes(data))
    with Image.open(heic) as img:
        img.draft("RGB", (256, 224))
        img.load()  # the thumbnail is whole
    problem = decode_or_problem(str(heic), heic.stat().st_size, want_cnn=False)
    assert isinstance(problem, Problem) and problem.kind is ProblemKind.CORRUPT
    assert "lies outside the file" in problem.message


def test_a_few_bytes_an_encoder_left_before_the_end_of_a_jpeg_are_no_damage(tmp_path: Path) -> None:
    """libjpeg warns of any byte it did not need, and some encoders leave a few: the picture is whole, and the same
    as without them."""
    good = save_jpeg(photo("coffee", (640, 480)), tmp_path / "good.jpg")
    padded = tmp_path / "padded.jpg"
    padded.write_bytes(good.read_bytes()[:-2] + bytes(3) + b"\xff\xd9")
    assert np.array_equal(run(padded).gray, run(good).gray)


def test_jpeg_with_a_run_of_zeros_in_its_picture_data_is_damaged(tmp_path: Path) -> None:
    """64 KB zeroed in the middle (a bad sector, an unfinished copy): no impossible marker, garbage all the same."""
    good = save_jpeg(photo("coffee", (2400, 1800)), tmp_path / "good.jpg")
    data = bytearray(good.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 65536] = bytes(65536)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(bytes(data))
    at = check_jpeg(bytes(data)).damage_at
    assert at is not None and middle - 8 <= at <= middle + 8
    with pytest.raises(DecodeError) as err:
        run(bad)
    assert err.value.kind is ProblemKind.CORRUPT and f"from byte {at}" in str(err.value)


@pytest.mark.parametrize(
    "options",
    [{}, {"optimize": True}, {"progressive": True}, {"restart_marker_rows": 1}, {"optimize": True, "quality": 50}],
)
def test_flat_jpegs_whose_picture_data_is_all_zeros_are_valid(tmp_path: Path, options: dict) -> None:
    """A blank 12 MP picture with optimised tables encodes as long runs of zero bytes: that is not damage."""
    p = tmp_path / "flat.jpg"
    Image.new("RGB", (4000, 3000), (200, 200, 200)).save(p, "JPEG", **{"quality": 90, **options})
    data = p.read_bytes()
    assert check_jpeg(data).damage_at is None
    assert run(p).info.width == 4000


def _float_tiff(path: Path) -> None:
    import tifffile

    tifffile.imwrite(path, np.linspace(0.0, 4.0, 48 * 64 * 3, dtype=np.float32).reshape(48, 64, 3), photometric="rgb")


def _lerc_tiff(path: Path) -> None:
    """A TIFF whose Compression tag says LERC (a GIS codec Pillow lacks): Pillow refuses it before any pixel."""
    import struct

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "TIFF")
    data = bytearray(buf.getvalue())
    ifd = struct.unpack_from("<I", data, 4)[0]
    struct.pack_into("<H", data, tiff_entry(data, ifd, 259) + 8, 34887)  # Compression, a SHORT held in place
    path.write_bytes(bytes(data))


def _twelve_bit_jpeg(path: Path) -> None:
    """A JPEG whose frame header says 12-bit samples (medical and raw-converter exports): libjpeg in Pillow reads
    8-bit ones only."""
    buf = io.BytesIO()
    photo("astronaut", (64, 48)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 4] = 12  # the precision byte after the marker and its length
    path.write_bytes(bytes(data))


def _bmp(bits: int, compression: int, masks: tuple[int, ...] = ()) -> Callable[[Path], None]:
    """A BMP whose header asks for a layout the format allows and Pillow does not read (Windows CE's 2 bits per
    pixel, a JPEG inside, 4-4-4-4 colour masks); its pixels follow as zeros."""

    def make(path: Path) -> None:
        import struct

        header = struct.pack("<IiiHHIIiiII", 40, 4, 4, 1, bits, compression, 0, 2835, 2835, 0, 0)
        header += b"".join(struct.pack("<I", m) for m in masks)
        offset = 14 + len(header) + (16 if bits == 2 else 0)
        body = header + bytes(offset - 14 - len(header) + 64)
        path.write_bytes(b"BM" + struct.pack("<IHHI", 14 + len(body), 0, 0, offset) + body)

    return make


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (_float_tiff, "hdr.tif", "a kind of TIFF this version cannot decode (RGB, 3 samples of 32-bit floating-point)"),
        (_lerc_tiff, "map.tif", "a kind of TIFF this version cannot decode (compressed with LERC)"),
        (_twelve_bit_jpeg, "scan.jpg", "a kind of JPEG this version cannot decode (12-bit samples)"),
        (_bmp(2, 0), "ce.bmp", "a kind of BMP this version cannot decode (2 bits per pixel)"),
        (_bmp(0, 4), "jpeg.bmp", "a kind of BMP this version cannot decode (compressed as JPEG)"),
        (
            _bmp(16, 3, (0xF00, 0xF0, 0xF)),
            "4444.bmp",
            "a kind of BMP this version cannot decode (16-bit pixels with colour masks of their own)",
        ),
    ],
)
def test_a_sound_file_of_a_kind_pillow_cannot_decode_is_unsupported_not_damaged(
    tmp_path: Path, make: Callable[[Path], None], name: str, message: str
) -> None:
    """An HDR merge saved as floating-point TIFF, GIS tiles, a 12-bit JPEG: sound files Pillow has no decoder for.
    Calling them damaged would invite their owner to delete them. The same header over a directory or frame that
    says nothing is damage."""
    sound = tmp_path / name
    make(sound)
    with pytest.raises(DecodeError) as err:
        run(sound)
    assert err.value.kind is ProblemKind.UNSUPPORTED
    assert str(err.value) == message

    damaged = tmp_path / f"damaged-{name}"
    data = bytearray(sound.read_bytes())
    data[8:] = bytes(len(data) - 8)  # everything after the first bytes is gone
    damaged.write_bytes(bytes(data))
    with pytest.raises(DecodeError) as err:
        run(damaged)
    assert err.value.kind in (ProblemKind.CORRUPT, ProblemKind.TRUNCATED)


def test_jpeg_xl_files_are_walked_and_reported_as_a_format_this_version_cannot_decode(tmp_path: Path) -> None:
    """A JPEG XL photo (an editor's export, a camera's) was not even walked: its owner was never told it had not been
    compared. Named .jxl, under a JPEG's name, or with no extension at all (its container's signature), it is now a
    problem that names the format, not "damaged" or "not an image"."""
    container = b"\x00\x00\x00\x0cJXL \r\n\x87\n" + b"\x00\x00\x00\x14ftypjxl \x00\x00\x00\x00jxl " + bytes(64)
    files = {
        "export.jxl": b"\xff\x0a" + bytes(200),  # a bare codestream
        "renamed.jpg": b"\xff\x0a" + bytes(200),
        "IMG_0001": container,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "notes").write_bytes(b"\xff\x0a not a picture, and no extension to say so" + bytes(40))
    walked = sorted(Path(r.path).name for r in scanning.walk(scanning.WalkOptions((tmp_path,)), []))
    assert walked == ["IMG_0001", "export.jxl", "renamed.jpg"]
    for name in walked:
        problem = decode_or_problem(str(tmp_path / name), len(files[name]), want_cnn=False)
        assert isinstance(problem, Problem) and problem.kind is ProblemKind.UNSUPPORTED
        assert problem.message == "a JPEG XL image: this version cannot decode that format"


def test_a_texture_of_a_variant_pillow_does_not_implement_is_unsupported_not_damaged(tmp_path: Path) -> None:
    """A game's DDS texture saved under a picture's name: Pillow reads its header and says the pixel format is not
    implemented. The file is sound; "damaged" would invite deleting it."""
    pixel_format = struct.pack("<4I", 32, 0x8, 0, 8) + bytes(16)  # flags 8: 4-bit palette indices, which Pillow lacks
    header = struct.pack("<7I", 124, 0x1007, 64, 64, 64, 0, 1) + bytes(44) + pixel_format + bytes(20)
    texture = tmp_path / "texture.png"
    texture.write_bytes(b"DDS " + header + bytes(64 * 64))
    problem = decode_or_problem(str(texture), texture.stat().st_size, want_cnn=False)
    assert isinstance(problem, Problem) and problem.kind is ProblemKind.UNSUPPORTED
    assert problem.message.startswith("a kind of image this version cannot decode (")


@pytest.mark.parametrize(("bits", "compression"), [(30000, 0), (8, 3), (0, 0)])
def test_a_bmp_header_the_format_does_not_allow_is_damage(tmp_path: Path, bits: int, compression: int) -> None:
    """A pixel depth of 30000, colour masks on 8-bit pixels, no depth without a JPEG or PNG inside: Pillow refuses
    these as unsupported too, but no program wrote them; they stay damaged."""
    path = tmp_path / "bad.bmp"
    _bmp(bits, compression)(path)
    with pytest.raises(DecodeError) as err:
        run(path)
    assert err.value.kind is ProblemKind.CORRUPT
