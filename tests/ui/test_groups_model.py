"""GroupsModel: a valid tree model (qtmodeltester), sorted by space to reclaim, filterable, fast to load."""

from __future__ import annotations

import time

from dedup_gui.ui.groups_model import GroupsModel, MemberRole
from tests.ui.conftest import fake_groups


def test_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = GroupsModel()
    model.set_groups(fake_groups(20), {"/photos/00003/copy 1.jpg": "trash"})
    qtmodeltester.check(model, force_py=True)
    model.set_filter("00003")
    qtmodeltester.check(model, force_py=True)


def test_groups_sorted_by_space_to_reclaim_and_filtered() -> None:
    model = GroupsModel()
    groups = fake_groups(5)
    model.set_groups(reversed(groups))
    sizes = [model.group_at(model.index(r, 0)).reclaimable_bytes for r in range(model.rowCount())]
    assert sizes == sorted(sizes, reverse=True)
    assert model.summary().startswith("5 groups · 15 files")
    model.set_filter("00002/COPY")
    assert model.rowCount() == 1
    member = model.index(1, 0, model.index(0, 0)).data(MemberRole)
    assert member.path == "/photos/00002/copy 1.jpg"
    assert "filtered from 5" in model.summary()


def test_removing_members_drops_groups_left_alone() -> None:
    model = GroupsModel()
    model.set_groups(fake_groups(2, members=2))
    model.remove_members(["/photos/00000/copy 1.jpg"])
    assert model.rowCount() == 1


def test_ten_thousand_groups_load_under_a_second(qtbot) -> None:
    groups = fake_groups(10_000)
    model = GroupsModel()
    t0 = time.perf_counter()
    model.set_groups(groups)
    assert model.rowCount() == 10_000
    assert time.perf_counter() - t0 < 1.0
