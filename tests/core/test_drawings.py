"""A drawing's mirror image or turn is another drawing; a photo's is still a copy (real verification, then the
reading that linking and grouping give its verdict)."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from dedup_gui.core.content import Content, as_seen
from dedup_gui.core.types import ImageInfo
from dedup_gui.core.verify import verify_pair
from tests.core.test_verify import sample, thumb


def _arrow() -> np.ndarray:
    """An icon: a black arrow pointing right, with a label, on white."""
    im = Image.new("RGB", (400, 300), "white")
    d = ImageDraw.Draw(im)
    d.rectangle((60, 130, 260, 170), fill="black")
    d.polygon([(260, 90), (350, 150), (260, 210)], fill="black")
    d.text((70, 40), "NEXT", fill="black", font=ImageFont.load_default(size=40))
    return np.asarray(im)


def _seen(a: np.ndarray, b: np.ndarray) -> str:
    v = verify_pair(thumb(a), thumb(b))
    plain = Content(["/p/a.png"], [0], 1), Content(["/p/b.png"], [1], 1)
    return as_seen(*plain, v).verdict


def test_a_mirrored_or_turned_drawing_is_another_drawing() -> None:
    arrow = _arrow()
    v = verify_pair(thumb(arrow), thumb(np.ascontiguousarray(arrow[:, ::-1])))
    assert v.verdict == "same-photo" and v.mirrored and v.drawn  # the fit alone takes it for a mirrored copy
    assert _seen(arrow, np.ascontiguousarray(arrow[:, ::-1])) == "different"  # the back arrow, not a copy
    assert _seen(arrow, np.ascontiguousarray(np.rot90(arrow, 2))) == "different"


def _checkbox(side: int) -> np.ndarray:
    """A small icon symmetric under every mirror and quarter turn: a framed box with a dot in its middle."""
    im = Image.new("RGB", (side, side), (240, 240, 240))
    d = ImageDraw.Draw(im)
    d.rectangle((2, 2, side - 3, side - 3), outline=(60, 60, 60), width=1)
    d.ellipse((side // 3, side // 3, side - 1 - side // 3, side - 1 - side // 3), fill=(30, 90, 200))
    return np.asarray(im)


def test_a_copy_of_a_symmetric_drawing_is_a_copy_as_it_is() -> None:
    """A symmetric icon lines up with its copy turned as well as as it is; the fit found it "rotated 90 degrees", and
    the copy was taken for another drawing. It is measured as it is too, and is a copy."""
    box = _checkbox(16)
    buf = io.BytesIO()
    Image.fromarray(box).save(buf, "JPEG", quality=85)
    copy = np.asarray(Image.open(buf).convert("RGB"))
    v = verify_pair(thumb(box), thumb(copy))
    assert v.verdict == "same-photo" and (v.rotation, v.mirrored) == (0, False)
    assert _seen(box, copy) == "same-photo"
    assert _seen(_arrow(), np.ascontiguousarray(_arrow()[:, ::-1])) == "different"  # not a symmetric one


def test_a_resized_drawing_and_a_mirrored_photo_stay_copies() -> None:
    arrow = _arrow()
    small = np.asarray(Image.fromarray(arrow).resize((200, 150), Image.Resampling.LANCZOS))
    assert _seen(arrow, small) == "same-photo"
    photo = thumb(sample("chelsea"))
    assert _seen(photo, np.ascontiguousarray(photo[:, ::-1])) == "same-photo"


def test_a_turned_match_of_two_pictures_drawn_as_decoded_is_another_drawing() -> None:
    """Markers and icons whose thumbnails are not near a few tones (their edges widened to grey) are drawings as
    decoded: a turned match between two of them is another drawing; the same match of two photos stays a copy."""
    photo = thumb(sample("chelsea"))
    v = verify_pair(photo, np.ascontiguousarray(np.rot90(photo, 2)))
    assert v.verdict == "same-photo" and v.rotation == 180 and not v.drawn
    info = ImageInfo(400, 300, "PNG", None, None, False, tones=0.93)
    drawn = Content(["/p/a.png"], [0], 1, info=info), Content(["/p/b.png"], [1], 1, info=info)
    assert as_seen(*drawn, v).verdict == "different"
    photos = [Content([c.paths[0]], c.file_ids, 1, info=replace(info, tones=0.4)) for c in drawn]
    assert as_seen(*photos, v).verdict == "same-photo"


def test_two_pictures_drawn_as_decoded_that_differ_by_an_overlay_or_their_tones_are_two_versions() -> None:
    """What an overlay covers on a drawing is what makes it another (a marker added to a chart, a glyph beside its
    mask), and a tone curve maps any few tones onto any others: two drawings as decoded matched only so are
    similar, not copies. Photos so matched (a watermark, a brightness edit) stay copies."""
    photo = thumb(sample("chelsea"))
    marked = photo.copy()
    marked[20:40, 20:70] = 255  # a small caption box
    v = verify_pair(photo, marked)
    assert v.verdict == "same-photo" and v.overlay >= 0.01 and not v.drawn
    info = ImageInfo(400, 300, "PNG", None, None, False, tones=0.93)
    drawn = Content(["/p/a.png"], [0], 1, info=info), Content(["/p/b.png"], [1], 1, info=info)
    assert as_seen(*drawn, v).verdict == "similar"
    photos = [Content([c.paths[0]], c.file_ids, 1, info=replace(info, tones=0.4)) for c in drawn]
    assert as_seen(*photos, v).verdict == "same-photo"


def _window(box_at: tuple[int, int], words: str = "Moving World!") -> np.ndarray:
    """A small app window as a tutorial shows it: a dark title bar, a white client area, one green label."""
    im = Image.new("RGB", (346, 276), "white")
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, 345, 16), fill=(30, 30, 30))
    d.text((20, 2), "Moving World Project", fill="white", font=ImageFont.load_default(size=11))
    d.rectangle((0, 0, 345, 275), outline=(60, 90, 160))
    x, y = box_at
    d.rectangle((x, y, x + 96, y + 18), fill=(0, 255, 0))
    d.text((x + 3, y + 2), words, fill=(200, 0, 0), font=ImageFont.load_default(size=13))
    return np.asarray(im)


def test_a_drawing_with_a_label_elsewhere_is_another_drawing_one_with_an_overlay_a_copy() -> None:
    """Two screenshots of one tutorial window with its label moved share every pixel but the label's: their lines
    line up, and the few that do not are on each side away from anything new on the other (verify's `moved`). A
    bar of text over the bottom tenth of the window, a stamp or a smaller copy hides or adds detail in one place
    only: their pixels still agree as a copy's (whether a drawing of a few tones with an overlay is a copy or
    another version is FEW_TONES's call: the bar makes this one another version)."""
    window = _window((50, 200))
    moved = verify_pair(thumb(window), thumb(_window((180, 45))))
    assert moved.verdict == "different" and moved.score < 0.1  # 0.97, a copy, before
    barred = Image.fromarray(window)
    d = ImageDraw.Draw(barred)
    d.rectangle((0, 248, 345, 275), fill="black")
    d.text((8, 252), "shared via app - 12:04", fill="white", font=ImageFont.load_default(size=14))
    stamped = Image.fromarray(window)
    ImageDraw.Draw(stamped).text((230, 230), "(c) 2024", fill=(90, 90, 90), font=ImageFont.load_default(size=16))
    small = Image.fromarray(window).resize((173, 138), Image.Resampling.LANCZOS)
    verdicts = [verify_pair(thumb(window), thumb(np.asarray(copy))) for copy in (barred, stamped, small)]
    assert [v.verdict for v in verdicts] == ["similar", "same-photo", "same-photo"]
    assert min(v.score for v in verdicts) > 0.8
