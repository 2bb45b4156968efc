"""The SQLite store: migrations keep user data, caches follow file changes, damaged files never cost a decision."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Collection, Mapping
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from dedup_gui.core.errors import StoreError
from dedup_gui.core.store import Store, database, user_data_path
from dedup_gui.core.store.cache import _SQL_MIGRATIONS, cache_migrations
from dedup_gui.core.types import FileRecord


def _old_store(db: Path, version: int) -> None:
    """A single-file store as dedup-gui wrote it before the user data had its own file."""
    con = sqlite3.connect(db)
    for step in _SQL_MIGRATIONS[:version]:
        con.executescript(step)
    con.execute(f"PRAGMA user_version={version}")
    con.commit()
    con.close()


def test_migration_from_schema_1_keeps_cached_data(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    _old_store(db, 1)
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO files(path, size, mtime_ns, inode, full_hash, hash_version) VALUES ('/p/a.jpg', 5, 1, 2, 'h', 1)"
    )
    con.commit()
    con.close()
    store = Store(db)
    assert store.version == len(cache_migrations(store.user_path))
    assert store.full_hash_of("/p/a.jpg") == "h"
    store.set_decisions([("/p/a.jpg", "keep")])
    assert store.decisions() == {"/p/a.jpg": "keep"}


def test_schema_3_store_moves_decisions_dismissals_and_journal_to_their_own_file(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    _old_store(db, 3)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO decisions VALUES ('/p/a.jpg', 'trash', 1.0)")
    con.execute("INSERT INTO not_duplicates VALUES ('h1', 'h2', 2.0)")
    con.execute(
        "INSERT INTO journal(batch, ts, action, path, trash_path, size, mtime_ns, content, status, message) "
        "VALUES (4, 3.0, 'trash', '/p/b.jpg', '/t/b.jpg', 9, 1, 'c', 'trashed', '')"
    )
    con.commit()
    con.close()
    store = Store(db)
    assert store.decisions() == {"/p/a.jpg": "trash"}
    assert store.not_duplicates() == {("h1", "h2")}
    assert [d.label for d in store.dismissals()] == ["marked not duplicates before this version"]
    assert [(r.path, r.status) for r in store.journal_rows(4)] == [("/p/b.jpg", "trashed")]
    assert store.undoable_batches() == [4]
    tables = {n for (n,) in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert not tables & {"decisions", "not_duplicates", "journal"}  # the cache holds no user data any more
    store.close()
    assert user_data_path(db).exists()


def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version=99")
    con.close()
    with pytest.raises(StoreError, match="newer dedup-gui"):
        Store(db)


def test_store_in_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the cache folder"):
        Store(blocker / "sub" / "store.sqlite3")


def test_changed_file_loses_its_cached_hashes(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    rec = FileRecord("/p/a.jpg", 10, 100, 1)
    store.sync_files([rec])
    store.save_content_hashes([("/p/a.jpg", "part", "full")], 1)
    assert store.content_hashes(1) == {"/p/a.jpg": ("part", "full")}
    store.sync_files([rec])
    assert store.content_hashes(1) == {"/p/a.jpg": ("part", "full")}
    store.sync_files([FileRecord("/p/a.jpg", 10, 200, 1)])  # touched
    assert store.content_hashes(1) == {}


def test_wal_mode_lets_a_second_connection_read_while_one_writes(tmp_path: Path) -> None:
    a = Store(tmp_path / "s.sqlite3")
    b = Store(tmp_path / "s.sqlite3")
    assert a.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with a.transaction() as db:
        db.execute("INSERT INTO files(path, size, mtime_ns, inode) VALUES ('/x', 1, 1, 1)")
        assert b.db.execute("SELECT count(*) FROM files").fetchone()[0] == 0
    assert b.db.execute("SELECT count(*) FROM files").fetchone()[0] == 1


def _fill(store: Store, n: int) -> None:
    store.sync_files([FileRecord(f"/p/{i:05}.jpg", i + 1, i, i) for i in range(n)])
    store.set_decisions([(f"/p/{i:05}.jpg", "trash" if i % 2 else "keep") for i in range(n)])
    store.add_dismissal("a and b are not duplicates", ["/p/a", "/p/b"], [("h1", "h2")])
    batch = store.begin_batch("apply")
    store.journal_add(batch, "trash", "/p/00001.jpg", "trashed", trash_path="/t/00001.jpg", content="c")


def _scribble(path: Path, offset: int, length: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(b"\xa5" * length)


def test_a_cache_that_is_not_a_database_is_set_aside_and_rebuilt_keeping_every_decision(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    _fill(store, 300)
    store.close()
    _scribble(db, 0, 100)  # the header: "file is not a database"
    store = Store(db)
    assert len(store.notices) == 1 and "cache" in store.notices[0] and "set aside" in store.notices[0]
    assert store.content_hashes(1) == {}  # an empty cache: the next scan refills it
    assert len(store.decisions()) == 300 and store.not_duplicates() == {("h1", "h2")}
    assert [p.name for p in tmp_path.glob("s.sqlite3.damaged-*")]


def test_a_tiny_file_named_as_the_store_is_set_aside_not_written_over(tmp_path: Path) -> None:
    """`--db` naming a file of the user's by mistake: SQLite took a file shorter than its header for an empty
    database and wrote over it (a one-byte note was lost); longer ones were set aside as damaged."""
    note = tmp_path / "note.txt"
    note.write_bytes(b"y")
    store = Store(note)
    store.close()
    (aside,) = tmp_path.glob("note.txt.damaged-*")
    assert aside.read_bytes() == b"y" and "not an SQLite file" in store.notices[0]
    empty = tmp_path / "new.sqlite3"
    empty.touch()
    store = Store(empty)  # an empty file is a new store
    store.close()
    assert not store.notices and not list(tmp_path.glob("new.sqlite3.damaged-*"))


def test_a_store_named_in_a_folder_of_no_disk_is_not_called_a_full_disk(tmp_path: Path) -> None:
    """`--db /proc/x.sqlite3`: /proc has no free blocks because it has no blocks; the message said "the disk is
    full; free some space"."""
    with pytest.raises(StoreError) as caught:
        Store(Path("/proc/x.sqlite3"))
    assert "full" not in str(caught.value) and "/proc/x" in str(caught.value)


def test_a_damaged_user_file_is_salvaged_and_kept_aside(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    _fill(store, 3000)
    store.close()
    user = user_data_path(db)
    _scribble(user, 0, 100)  # unreadable header: nothing can be salvaged through SQLite
    store = Store(db)
    assert any("decisions file" in n and "set aside" in n for n in store.notices)
    assert store.decisions() == {}  # a fresh file: the damaged one is beside it for the user or a repair tool
    assert list(tmp_path.glob("s-user.sqlite3.damaged-*"))
    store.set_decisions([("/p/x.jpg", "keep")])  # and the new one works
    assert store.decisions() == {"/p/x.jpg": "keep"}


def test_a_user_file_with_a_damaged_page_keeps_the_rows_it_can(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    _fill(store, 3000)
    page_size = store.udb.execute("PRAGMA page_size").fetchone()[0]
    leaves = [p for (p,) in store.udb.execute("SELECT pageno FROM dbstat WHERE name='decisions' AND pagetype='leaf'")]
    store.close()
    user = user_data_path(db)
    _scribble(user, (leaves[len(leaves) // 2] - 1) * page_size, page_size)  # one page in the middle of the table
    store = Store(db)
    with pytest.raises(StoreError, match=r"decisions file .* is damaged"):
        store.decisions()
    store.close()
    store = Store(db)  # the damage was remembered: this start sets the file aside and salvages it
    kept = store.decisions()
    assert 3000 - 200 < len(kept) < 3000  # one page of rows lost, every other row kept
    assert store.not_duplicates() == {("h1", "h2")} and store.undoable_batches()
    assert any(f"recovered {len(kept)} decisions" in n for n in store.notices)


def test_sqlite_errors_become_clear_store_errors(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.db.execute("DROP TABLE files")  # something no user can cause, but every query path must stay wrapped
    with pytest.raises(StoreError, match="store error"):
        store.file_ids()


def test_the_write_ahead_log_shrinks_back_after_a_scan_writes_every_pair_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left alone, SQLite keeps the log as large as the largest transaction while the window holds the store."""
    monkeypatch.setattr(database, "WAL_LIMIT", 2**20)
    store = Store(tmp_path / "store.sqlite3")
    window = sqlite3.connect(tmp_path / "store.sqlite3")  # another connection: the log is not deleted on close
    window.execute("SELECT count(*) FROM sqlite_master").fetchone()
    evidence = {"tier": "same-photo", "score": 0.9, "method": "geometry", "description": "cropped 10 %" * 4}
    pairs = [(f"/photos/{i:07d}.jpg", f"/photos/{i + 1:07d}.jpg", evidence) for i in range(60_000)]
    store.finish_scan(store.begin_scan({"roots": ["/photos"]}), "completed", {"groups": []}, pairs)
    log = tmp_path / "store.sqlite3-wal"
    assert log.stat().st_size > 5 * 2**20  # the big transaction went through the log
    store.finish_scan(store.begin_scan({"roots": ["/photos"]}), "completed", {"groups": []}, pairs[:10])
    assert log.stat().st_size <= 2**20
    assert len(store.scan_pairs(store.last_scan(completed=True)[0])) == 10
    window.close()


def test_schema_8_store_forgets_png_decodes_and_problems_and_keeps_the_rest(tmp_path: Path) -> None:
    """PNG decodes and reported problems are made again by the next scan (their reading changed); others stay."""
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    store.sync_files([FileRecord(f"/p/{n}", 1, 1, 1) for n in ("a.jpg", "b.png", "c.jpg")])
    store.close()
    con = sqlite3.connect(db)
    con.execute("INSERT INTO images(file_id, version, format) VALUES (1, 'v', 'JPEG'), (2, 'v', 'PNG')")
    con.execute("INSERT INTO images(file_id, version, problem_kind, problem_message) VALUES (3, 'v', 'corrupt', 'x')")
    con.execute("PRAGMA user_version=8")
    con.commit()
    con.close()
    store = Store(db)
    assert store.version == len(cache_migrations(store.user_path))
    assert [fid for (fid,) in store.db.execute("SELECT file_id FROM images")] == [1]
    store.close()


@pytest.mark.parametrize("schema", [9, 10, 11])
def test_stores_forget_verdicts_that_did_not_look_further_than_a_clear_fit(tmp_path: Path, schema: int) -> None:
    """Pairs not judged copies despite a clear keypoint fit (15 inliers or more) are verified again by the next
    scan, which now looks there for a mirrored copy (schema 9 stores), a stretched one (9 and 10) and a fit whose
    error is its points' noise (every one, mirrored fits too); every other verdict stays."""
    kept = {
        (1, 2): '{"verdict": "same-photo", "inliers": 200, "mirrored": false}',
        (1, 3): '{"verdict": "different", "inliers": 14, "mirrored": false}',
    }
    stale = {
        (1, 4): '{"verdict": "similar", "inliers": 40, "mirrored": true}',
        (1, 5): '{"verdict": "different", "inliers": 26, "mirrored": false}',
        (1, 6): '{"verdict": "similar", "inliers": 15, "mirrored": false}',
    }
    assert _verdicts_migrated(tmp_path, schema, kept | stale) == (_past_colours(kept), len(cache_migrations(tmp_path)))


def _past_colours(kept: dict[tuple[int, int], str]) -> set[tuple[int, int]]:
    """The pairs of `kept` that schema 20 keeps too: it verifies every copy by pixels again, in colour."""
    return {k for k, v in kept.items() if '"same-photo"' not in v or '"by_hashes": true' in v}


def _verdicts_migrated(tmp_path: Path, schema: int, verdicts: dict[tuple[int, int], str]) -> tuple[set, int]:
    """Stored verdicts (file ids a, b -> JSON) of a store at `schema`, opened by this version: the pairs left, and
    the schema it is at then."""
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    store.sync_files([FileRecord(f"/p/{n}.jpg", 1, 1, 1) for n in "abcdef"])
    store.close()
    con = sqlite3.connect(db)
    con.executemany("INSERT INTO verdicts VALUES (?, ?, 'v', ?)", [(*k, v) for k, v in verdicts.items()])
    con.execute(f"PRAGMA user_version={schema}")
    con.commit()
    con.close()
    store = Store(db)
    try:
        return {(a, b) for a, b in store.db.execute("SELECT a, b FROM verdicts")}, store.version
    finally:
        store.close()


def test_schema_12_stores_forget_what_larger_decodes_decided_or_were_tried_for(tmp_path: Path) -> None:
    """A larger decode's local correlation counts less grain as texture now: the pairs it decided, or may have been
    tried for (thumbnails short of keypoints), are verified again unless they are copies; the rest stay."""
    kept = {
        (1, 2): '{"verdict": "same-photo", "inliers": 140, "keypoints": 301, "detail": true}',
        (1, 3): '{"verdict": "different", "inliers": 5, "keypoints": 200, "detail": false}',
        (1, 4): '{"verdict": "same-photo", "inliers": 9, "keypoints": 20, "detail": false}',
    }
    stale = {
        (1, 5): '{"verdict": "similar", "inliers": 140, "keypoints": 301, "detail": true}',
        (1, 6): '{"verdict": "different", "inliers": 0, "keypoints": 12, "detail": false}',
    }
    assert _verdicts_migrated(tmp_path, 12, kept | stale) == (_past_colours(kept), len(cache_migrations(tmp_path)))


def test_schema_15_stores_verify_the_copies_of_drawings_again(tmp_path: Path) -> None:
    """A drawing's copy must now repeat its lines and words but for what an overlay covers: its stored copies and
    other versions are verified again; photos' verdicts and every "different" stay (the rule only takes copies
    away)."""
    kept = {
        (1, 2): '{"verdict": "same-photo", "drawn": false}',
        (1, 3): '{"verdict": "different", "drawn": true}',
        (1, 4): '{"verdict": "same-photo", "by_hashes": true, "drawn": null}',
    }
    stale = {
        (1, 5): '{"verdict": "same-photo", "drawn": true}',
        (1, 6): '{"verdict": "similar", "drawn": true, "detail": true}',
    }
    assert _verdicts_migrated(tmp_path, 15, kept | stale) == (_past_colours(kept), len(cache_migrations(tmp_path)))


def test_schema_16_stores_verify_mirrored_and_turned_copies_again(tmp_path: Path) -> None:
    """A copy found mirrored or turned is now measured as it is too (a symmetric drawing's copy was taken for another
    drawing): those stored copies are verified again; every other verdict stays."""
    kept = {
        (1, 2): '{"verdict": "same-photo", "mirrored": false, "rotation": 0}',
        (1, 3): '{"verdict": "different", "mirrored": true, "rotation": 90}',
        (1, 4): '{"verdict": "similar", "mirrored": true, "rotation": 0}',
    }
    stale = {
        (1, 5): '{"verdict": "same-photo", "mirrored": true, "rotation": 0}',
        (1, 6): '{"verdict": "same-photo", "mirrored": false, "rotation": 180}',
    }
    assert _verdicts_migrated(tmp_path, 16, kept | stale) == (_past_colours(kept), len(cache_migrations(tmp_path)))


def test_schema_17_stores_fit_again_the_pairs_of_few_inliers_not_judged_copies(tmp_path: Path) -> None:
    """A clear fit of few inliers that fails only by its wrong matches is now made again from the other file's side:
    such stored pairs not judged copies are verified again; copies, and fits of more or fewer inliers, stay."""
    kept = {
        (1, 2): '{"verdict": "same-photo", "inliers": 20}',
        (1, 3): '{"verdict": "similar", "inliers": 30}',
        (1, 4): '{"verdict": "different", "inliers": 14}',
    }
    stale = {
        (1, 5): '{"verdict": "similar", "inliers": 15}',
        (1, 6): '{"verdict": "different", "inliers": 29}',
    }
    assert _verdicts_migrated(tmp_path, 17, kept | stale) == (_past_colours(kept), len(cache_migrations(tmp_path)))


def test_schema_18_stores_verify_copies_in_drawing_formats_again(tmp_path: Path) -> None:
    """A picture that adds an element it already shows (a card's pip) is another picture of a set now: stored copies
    verified by their pixels are verified again where either file is in a drawing's format (PNG, GIF, ...); photos'
    copies, copies by their hashes and every other verdict stay, so a library is not verified again."""
    files = {"a.jpg": "JPEG", "b.png": "PNG", "c.heic": "HEIF", "d.gif": "GIF", "e.jpg": "JPEG"}
    kept = {
        (2, 4): '{"verdict": "same-photo", "by_hashes": true}',  # by their hashes
        (1, 2): '{"verdict": "similar"}',
        (3, 4): '{"verdict": "different"}',
    }
    stale = {
        (2, 5): '{"verdict": "same-photo"}',  # a PNG and a JPEG
        (4, 1): '{"verdict": "same-photo", "by_hashes": false}',  # a GIF and a JPEG
    }
    photos = {  # kept by 19; compared in colour by 20 (see the test of schema 19)
        (1, 3): '{"verdict": "same-photo"}',  # a JPEG and a HEIF
        (1, 5): '{"verdict": "same-photo", "inliers": 90}',  # two JPEGs
    }
    rows = [(a, b, v) for (a, b), v in (kept | stale | photos).items()]
    store = _opened_with_formats(tmp_path, files, rows, 18)
    try:
        assert store.version == len(cache_migrations(store.user_path)) == 23
        assert {(a, b) for a, b in store.db.execute("SELECT a, b FROM verdicts")} == set(kept)
    finally:
        store.close()


def test_schema_19_stores_verify_copies_again_in_colour(tmp_path: Path) -> None:
    """The same picture in other colours is another version now: every stored copy verified by its pixels is
    verified again by the next scan, photos' too; copies by their hashes (looked at by every scan) and every other
    verdict stay."""
    files = {"a.jpg": "JPEG", "b.png": "PNG", "c.heic": "HEIF", "d.jpg": "JPEG"}
    kept = {
        (2, 4): '{"verdict": "same-photo", "by_hashes": true}',
        (1, 2): '{"verdict": "similar", "inliers": 40}',
        (3, 4): '{"verdict": "different"}',
    }
    stale = {
        (1, 3): '{"verdict": "same-photo"}',
        (1, 4): '{"verdict": "same-photo", "by_hashes": false, "tone_edit": true}',
        (2, 3): '{"verdict": "same-photo", "drawn": true}',
    }
    store = _opened_with_formats(tmp_path, files, [(a, b, v) for (a, b), v in (kept | stale).items()], 19)
    try:
        assert store.version == len(cache_migrations(store.user_path)) == 23
        assert {(a, b) for a, b in store.db.execute("SELECT a, b FROM verdicts")} == set(kept)
    finally:
        store.close()


def test_schema_20_stores_decode_blank_pictures_with_transparency_again(tmp_path: Path) -> None:
    """A light picture on transparency is laid on black now, where it was a blank page, or next to one, on white:
    the pictures in a format that carries transparency decoded blank, or whose stored thumbnail's greys lie close
    together, are decoded again by the next scan, with their embeddings and verdicts; blank JPEGs (no transparency)
    and every picture that showed clearly on white keep theirs."""
    files = {"a.png": "PNG", "b.png": "PNG", "c.jpg": "JPEG", "d.gif": "GIF", "e.webp": "WEBP"}
    verdicts = {
        (1, 2): '{"verdict": "different"}',
        (2, 3): '{"verdict": "same-photo"}',
        (3, 4): '{"verdict": "different"}',
        (1, 4): '{"verdict": "similar"}',
        (4, 5): '{"verdict": "similar"}',
    }
    shows, faint = Image.new("L", (64, 64), 255), Image.new("L", (64, 64), 255)
    ImageDraw.Draw(shows).ellipse((10, 10, 50, 50), fill=40)
    ImageDraw.Draw(faint).ellipse((10, 10, 50, 50), fill=236)  # a light glyph on white: not blank, but faint
    thumbs = {2: _jpeg_bytes(shows), 4: _jpeg_bytes(shows), 5: _jpeg_bytes(faint)}
    rows = [(a, b, v) for (a, b), v in verdicts.items()]
    store = _opened_with_formats(tmp_path, files, rows, 20, blank={1, 3}, embedded={1, 2, 3, 5}, thumbs=thumbs)
    try:
        assert store.version == len(cache_migrations(store.user_path)) == 23
        assert {row[0] for row in store.db.execute("SELECT file_id FROM images")} == {2, 3, 4}
        assert {row[0] for row in store.db.execute("SELECT file_id FROM embeddings")} == {2, 3}
        assert {(a, b) for a, b in store.db.execute("SELECT a, b FROM verdicts")} == {(2, 3), (3, 4)}
    finally:
        store.close()


def _jpeg_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def test_schema_21_stores_verify_drawings_with_wrong_matches_again(tmp_path: Path) -> None:
    """A drawing's fit of few inliers may have more wrong matches where its aligned pixels agree but for rounding:
    the stored verdicts of drawings not judged copies with such a fit (4-29 inliers) are verified again; copies,
    photos' verdicts and fits of many inliers stay."""
    kept = {
        (1, 2): '{"verdict": "same-photo", "drawn": true, "inliers": 20}',
        (1, 3): '{"verdict": "different", "drawn": false, "inliers": 20}',
        (1, 4): '{"verdict": "similar", "drawn": true, "inliers": 40}',
        (1, 5): '{"verdict": "different", "drawn": true, "inliers": 0}',
    }
    stale = {
        (2, 3): '{"verdict": "different", "drawn": true, "inliers": 14}',
        (2, 4): '{"verdict": "similar", "drawn": true, "inliers": 28}',
    }
    assert _verdicts_migrated(tmp_path, 21, kept | stale) == (set(kept), len(cache_migrations(tmp_path)))


def test_schema_22_stores_decode_heif_pictures_again(tmp_path: Path) -> None:
    """A HEIC cut short is truncated now (libheif decoded some without a word), and a JPEG with more pictures (MPO)
    is checked for damage as any JPEG: HEIF, AVIF and MPO pictures are decoded again by the next scan; their
    embeddings and verdicts stay, as every other format's decode does."""
    files = {"a.heic": "HEIF", "b.avif": "AVIF", "c.jpg": "JPEG", "d.png": "PNG", "e.jpg": "MPO"}
    verdicts = {(1, 3): '{"verdict": "same-photo"}', (2, 4): '{"verdict": "different"}'}
    rows = [(a, b, v) for (a, b), v in verdicts.items()]
    store = _opened_with_formats(tmp_path, files, rows, 22, embedded={1, 2, 3, 4, 5})
    try:
        assert store.version == len(cache_migrations(store.user_path)) == 23
        assert {row[0] for row in store.db.execute("SELECT file_id FROM images")} == {3, 4}
        assert {row[0] for row in store.db.execute("SELECT file_id FROM embeddings")} == {1, 2, 3, 4, 5}
        assert {(a, b) for a, b in store.db.execute("SELECT a, b FROM verdicts")} == set(verdicts)
    finally:
        store.close()


def _opened_with_formats(
    tmp_path: Path,
    files: dict[str, str],
    verdicts: list[tuple[int, int, str]],
    schema: int,
    blank: Collection[int] = (),
    embedded: Collection[int] = (),
    thumbs: Mapping[int, bytes] | None = None,
) -> Store:
    """A store at `schema` with these files (name -> decoded format, ids from 1 in order; those in `blank` decoded
    blank, those in `embedded` with an embedding, those in `thumbs` with that stored thumbnail) and stored verdicts
    (a, b, JSON), opened (and so migrated) by this version."""
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    store.sync_files([FileRecord(f"/p/{n}", 1, 1, 1) for n in files])
    store.close()
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO images(file_id, version, format, uniform) VALUES (?, 'v', ?, ?)",
        [(k, f, int(k in blank)) for k, f in enumerate(files.values(), 1)],
    )
    con.executemany("INSERT INTO embeddings VALUES (?, 'm', x'00')", [(k,) for k in sorted(embedded)])
    con.executemany("UPDATE images SET thumb = ? WHERE file_id = ?", [(t, k) for k, t in (thumbs or {}).items()])
    con.executemany("INSERT INTO verdicts VALUES (?, ?, 'v', ?)", verdicts)
    con.execute(f"PRAGMA user_version={schema}")
    con.commit()
    con.close()
    return Store(db)


def test_schema_14_stores_decode_drawing_formats_again_and_verify_their_copies_again(tmp_path: Path) -> None:
    """The decoded picture's tones are measured by the next scan for the formats drawings come in (PNG, GIF, ...),
    whose pairs are verified again, and pairs of plain pictures not judged copies; JPEG, HEIF and RAW decodes and the
    other verdicts between them stay."""
    files = {"a.jpg": "JPEG", "b.png": "PNG", "c.gif": "GIF", "d.nef": "NEF", "e.heic": "HEIF", "f.webp": "WEBP"}
    verdicts = {
        (1, 2): "same-photo",  # a JPEG and a PNG: verified again
        (2, 3): "different",  # a PNG and a GIF: verified again
        (1, 5): "same-photo",  # a JPEG and a HEIF: kept
        (3, 4): "same-photo",  # a GIF and a RAW: verified again
        (4, 5): "similar",  # a RAW and a HEIF: kept
        (5, 6): "different",  # a HEIF and a WebP: verified again
    }
    rows = [(a, b, f'{{"verdict": "{v}"}}') for (a, b), v in verdicts.items()]
    rows.append((1, 4, '{"verdict": "different", "plain": true}'))  # plain pictures: verified again
    rows.append((4, 1, '{"verdict": "similar", "sparse": true}'))  # sparse ones: verified again
    rows.append((5, 1, '{"verdict": "different", "detail": true, "drawn": true}'))  # drawings, closer: again
    rows.append((5, 4, '{"verdict": "different", "detail": true, "drawn": false}'))  # photos, closer: kept
    rows.append((4, 6, '{"verdict": "same-photo", "plain": true}'))  # a copy of a WebP: verified again
    store = _opened_with_formats(tmp_path, files, rows, 14)
    try:
        assert store.version == len(cache_migrations(store.user_path)) == 23
        # the HEIF's decode (5) is kept by 14 and made again by 23 (see its test)
        assert {fid for (fid,) in store.db.execute("SELECT file_id FROM images")} == {1, 4}
        # (1, 5), a JPEG's copy as HEIF, was kept by 14 and is compared in colour by 20
        assert {(a, b) for a, b in store.db.execute("SELECT a, b FROM verdicts")} == {(4, 5), (5, 4)}
        assert "tones" in {row[1] for row in store.db.execute("PRAGMA table_info(images)")}
    finally:
        store.close()


def test_a_new_store_is_logged_as_created_and_an_old_one_as_migrated(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger=database.log.name)
    Store(tmp_path / "new.sqlite3").close()
    said = [r.getMessage() for r in caplog.records if r.name == database.log.name]
    assert any(m.startswith("creating cache") for m in said), said
    assert not any("migrating" in m or "moved" in m for m in said), said
    caplog.clear()
    _old_store(tmp_path / "old.sqlite3", 3)
    with sqlite3.connect(tmp_path / "old.sqlite3") as con:
        con.execute("INSERT INTO decisions VALUES ('/p/a.jpg', 'trash', 1.0)")
    Store(tmp_path / "old.sqlite3").close()
    said = [r.getMessage() for r in caplog.records if r.name == database.log.name]
    assert any("migrating" in m and "to schema 4" in m for m in said), said
    assert any("moved the user's decisions" in m for m in said), said
