"""actions.apply / undo_last on real files, a real scan and a temporary freedesktop trash."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from dedup_gui.core import actions
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Group, ScanResult
from tests.conftest import photo, save_jpeg


@dataclass
class Scanned:
    root: Path
    store: Store
    result: ScanResult
    trash: Path

    def group_of(self, path: Path) -> Group:
        return next(g for g in self.result.groups if str(path) in g.paths)


def make_library(root: Path) -> None:
    base = photo("astronaut", (400, 300))
    orig = save_jpeg(base, root / "photos" / "a.jpg")
    (root / "photos" / "a copy.jpg").write_bytes(orig.read_bytes())
    save_jpeg(base.resize((200, 150), Image.Resampling.LANCZOS), root / "photos" / "a small.jpg")
    cat = save_jpeg(photo("chelsea", (400, 300)), root / "photos" / "cat.jpg")
    (root / "reference").mkdir()
    (root / "reference" / "cat.jpg").write_bytes(cat.read_bytes())


@pytest.fixture
def scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scanned:
    home = tmp_path / "home"
    data = home / ".local" / "share"
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    root = tmp_path / "lib"
    make_library(root)
    store = Store(tmp_path / "store.sqlite3")
    config = ScanConfig(roots=(root / "photos", root / "reference"), references=(root / "reference",), workers=1,
                        embeddings=False)  # fmt: skip
    result = run_scan(config, store=store)
    yield Scanned(root, store, result, data / "Trash")
    store.close()


def trash_all_but_keeper(s: Scanned, group: Group) -> dict[str, str]:
    decisions = {m.path: ("keep" if m.path == group.keeper else "trash") for m in group.members}
    s.store.set_decisions(decisions.items())
    return decisions


def test_apply_trashes_and_undo_restores_byte_identical(scanned: Scanned) -> None:
    group = scanned.group_of(scanned.root / "photos" / "a.jpg")
    assert len(group.members) == 3
    trash_all_but_keeper(scanned, group)
    before = {m.path: Path(m.path).read_bytes() for m in group.members if m.path != group.keeper}
    the_plan = actions.plan(scanned.result.groups, scanned.store.decisions())
    assert len(the_plan.items) == 2

    dry = actions.apply(the_plan, scanned.store, dry_run=True)
    assert [o.status for o in dry.outcomes] == [actions.Status.WOULD_TRASH] * 2
    assert all(Path(p).exists() for p in before)

    report = actions.apply(the_plan, scanned.store)
    assert not report.failures
    for path in before:
        assert not Path(path).exists()
    trashed = sorted((scanned.trash / "files").iterdir())
    assert len(trashed) == 2
    assert {o.trash_path for o in report.outcomes} == {str(p) for p in trashed}
    info = (scanned.trash / "info" / f"{trashed[0].name}.trashinfo").read_text()
    assert "Path=" in info and "DeletionDate=" in info
    assert Path(group.keeper).exists()

    undone = actions.undo_last(scanned.store)
    assert [o.status for o in undone.outcomes] == [actions.Status.RESTORED] * 2
    for path, data in before.items():
        assert Path(path).read_bytes() == data
    assert list((scanned.trash / "files").iterdir()) == []
    assert actions.undo_last(scanned.store).batch is None  # nothing left to undo


def test_apply_refuses_the_last_kept_copy(scanned: Scanned) -> None:
    group = scanned.group_of(scanned.root / "photos" / "a.jpg")
    scanned.store.set_decisions((m.path, "trash") for m in group.members)
    report = actions.apply(actions.plan(scanned.result.groups, scanned.store.decisions()), scanned.store)
    statuses = [o.status for o in report.outcomes]
    assert statuses.count(actions.Status.TRASHED) == 2
    assert statuses.count(actions.Status.REFUSED) == 1
    assert "last copy" in report.failures[0].message
    assert sum(Path(m.path).exists() for m in group.members) == 1


def test_apply_refuses_a_protected_file(scanned: Scanned) -> None:
    ref = scanned.root / "reference" / "cat.jpg"
    group = scanned.group_of(ref)
    scanned.store.set_decisions([(str(ref), "trash")])
    report = actions.apply(
        actions.plan(scanned.result.groups, scanned.store.decisions(), protected_roots=[scanned.root / "reference"]),
        scanned.store,
    )
    assert [o.status for o in report.outcomes] == [actions.Status.REFUSED]
    assert "protected" in report.outcomes[0].message
    assert ref.exists() and len(group.members) == 2


def test_apply_refuses_a_file_changed_after_the_scan(scanned: Scanned) -> None:
    group = scanned.group_of(scanned.root / "photos" / "a.jpg")
    trash_all_but_keeper(scanned, group)
    victim = next(m.path for m in group.members if m.path != group.keeper)
    st = os.stat(victim)
    data = bytearray(Path(victim).read_bytes())
    data[-3] ^= 0xFF  # same size, same mtime: only the content hash can tell
    Path(victim).write_bytes(bytes(data))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    scanned.store.save_content_hashes([(victim, None, actions.content_hash(str(scanned.root / "photos" / "a.jpg")))], 1)
    report = actions.apply(actions.plan(scanned.result.groups, scanned.store.decisions()), scanned.store)
    refused = report.with_status(actions.Status.REFUSED)
    assert [o.path for o in refused] == [victim]
    assert "changed" in refused[0].message
    assert Path(victim).exists()
    rows = scanned.store.journal_rows(report.batch)
    assert {r.status for r in rows} == {"trashed", "refused"}


def test_undo_says_when_the_trash_was_emptied_or_the_path_is_taken(scanned: Scanned) -> None:
    group = scanned.group_of(scanned.root / "photos" / "a.jpg")
    trash_all_but_keeper(scanned, group)
    report = actions.apply(actions.plan(scanned.result.groups, scanned.store.decisions()), scanned.store)
    first, second = report.outcomes
    Path(first.trash_path).unlink()  # emptied by hand
    Path(second.path).write_bytes(b"new file in the way")
    undone = actions.undo_last(scanned.store)
    messages = {o.path: o.message for o in undone.failures}
    assert "no longer in the trash" in messages[first.path]
    assert "exists again" in messages[second.path]


def test_a_kept_copy_replaced_by_a_link_to_a_trashed_one_is_no_copy(scanned: Scanned) -> None:
    """Another tool replaced the kept copy with a symbolic link to a copy marked Trash: trashing that copy would
    leave a link to nothing, so it is refused as the last copy of its group; and the group's other copy stays too,
    as the file its group kept is no longer the one scanned."""
    group = scanned.group_of(scanned.root / "photos" / "a.jpg")
    decisions = trash_all_but_keeper(scanned, group)
    target = sorted(p for p, d in decisions.items() if d == "trash")[0]
    keeper = Path(group.keeper)
    keeper.unlink()
    keeper.symlink_to(target)
    report = actions.apply(actions.plan(scanned.result.groups, scanned.store.decisions()), scanned.store)
    assert Path(target).exists() and keeper.resolve() == Path(target).resolve()
    refused = {o.path: o.message for o in report.with_status(actions.Status.REFUSED)}
    assert refused.keys() == {p for p, d in decisions.items() if d == "trash"}
    assert "last copy" in refused[target]
    assert all("changed since the scan" in m for p, m in refused.items() if p != target)
    assert not report.with_status(actions.Status.TRASHED)


def test_a_kept_copy_changed_since_the_scan_is_no_copy(scanned: Scanned) -> None:
    """The kept copy now holds another picture (or was emptied): it keeps nothing of the group's photo, and the
    copies were marked Trash because it stayed, so none of them goes: the first is the last copy of its group, the
    others wait for a scan and a review of the group."""
    group = scanned.group_of(scanned.root / "photos" / "a.jpg")
    decisions = trash_all_but_keeper(scanned, group)
    save_jpeg(photo("coffee", (400, 300)), Path(group.keeper))
    report = actions.apply(actions.plan(scanned.result.groups, scanned.store.decisions()), scanned.store)
    marked = [p for p, d in decisions.items() if d == "trash"]
    assert not report.with_status(actions.Status.TRASHED)
    messages = [o.message for o in report.with_status(actions.Status.REFUSED)]
    assert messages[0] == "the last copy of its group: keep at least one"
    assert all("or is another path of a file marked Trash: scan again" in m for m in messages[1:])
    assert len(messages) == len(marked) and all(Path(p).exists() for p in marked)
