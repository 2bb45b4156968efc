"""A drawing's mirror image or turn is another drawing; a photo's is still a copy (real verification, then the
reading that linking and grouping give its verdict)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from dedup_gui.core.content import Content, as_seen
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


def test_a_resized_drawing_and_a_mirrored_photo_stay_copies() -> None:
    arrow = _arrow()
    small = np.asarray(Image.fromarray(arrow).resize((200, 150), Image.Resampling.LANCZOS))
    assert _seen(arrow, small) == "same-photo"
    photo = thumb(sample("chelsea"))
    assert _seen(photo, np.ascontiguousarray(photo[:, ::-1])) == "same-photo"
