"""A group of many copies (a burst, a folder backed up twenty times) in the compare view: its cards are made a
batch at a time, and nothing the person does may miss a card not made yet: scrolling to the end, a copy chosen in
the list, a decision made before its card was shown."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint

from dedup_gui.core.types import Tier
from dedup_gui.ui.compare_view import CARD_BATCH, CompareView
from dedup_gui.ui.images import ImageLoader
from tests.ui.conftest import fake_groups

COPIES = CARD_BATCH * 3 + 5
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def view(qtbot):
    decided: dict[str, str] = {}
    view = CompareView(ImageLoader(None), decided.get, lambda: ())
    view.decided = decided  # type: ignore[attr-defined]
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    yield view
    view.images.shutdown()


def test_scrolling_the_cards_to_the_end_shows_every_copy(qtbot, view) -> None:
    group = fake_groups(1, members=COPIES)[0]
    view.show_group(group)
    assert group.keeper in view._pictures and len(view._pictures) < COPIES  # the first cards, not all at once
    bar = view.scroll.horizontalScrollBar()
    while len(view._pictures) < COPIES:
        before = len(view._pictures)
        qtbot.waitUntil(lambda: bar.maximum() > bar.value())  # the cards made so far laid out: room to scroll
        bar.setValue(bar.maximum())  # the person drags the cards to their end
        at = bar.value()
        qtbot.waitUntil(lambda: len(view._pictures) > before)  # noqa: B023  (waited for in this iteration)
        qtbot.wait(20)
        assert bar.value() == at  # the cards added after do not move the view back
    assert list(view._pictures) == list(group.paths)  # every copy, in the group's order


def test_a_copy_chosen_far_along_gets_its_card_in_view(qtbot, view) -> None:
    group = fake_groups(1, members=COPIES)[0]
    view.show_group(group)
    far = group.members[-2].path
    view.select(far)  # what choosing that copy in the list does
    picture = view._pictures[far]
    qtbot.waitUntil(lambda: view.scroll.viewport().rect().contains(picture.mapTo(view.scroll.viewport(), QPoint(5, 5))))


def test_a_decision_made_before_its_card_shows_on_it(qtbot, view) -> None:
    group = fake_groups(1, members=COPIES)[0]
    late = group.members[-1].path
    view.decided[late] = "keep"
    view.show_group(group)
    view.select(late)
    keep, trash = view._buttons[late]
    assert keep.isChecked() and not trash.isChecked()


def test_the_heading_calls_a_group_of_other_shots_or_versions_pictures_not_copies(view) -> None:
    copies = fake_groups(1, members=3)[0]
    view.show_group(copies)
    assert "3 copies" in view.header.text()
    versions = replace(copies, tier=Tier.SIMILAR)  # chips of three colours, a burst: not copies of each other
    view.show_group(versions)
    assert "3 pictures" in view.header.text() and "copies" not in view.header.text()
