"""The disposable half of the store: file facts, decodes, embeddings, verdicts, scans and their pairs.

Caches are keyed by (path, size, mtime_ns) plus the version of the algorithm that made them, so a changed file or a
changed algorithm is recomputed and nothing else is. Losing this file costs a rescan, never a decision.
"""

from __future__ import annotations

import io
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from dedup_gui.core import collector
from dedup_gui.core.formats import RAW_FORMATS
from dedup_gui.core.store import pieces
from dedup_gui.core.store.database import Migration
from dedup_gui.core.store.userdata import copy_user_tables
from dedup_gui.core.tones import BLANK_SPREAD, grey_spread
from dedup_gui.core.types import FileRecord, ImageInfo, Problem, ProblemKind

_SQL_MIGRATIONS: tuple[str, ...] = (
    # 1: caches, scans and results
    """
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        partial_hash TEXT,
        full_hash TEXT,
        hash_version INTEGER
    );
    CREATE INDEX files_full_hash ON files(full_hash);
    CREATE TABLE images (
        file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        version TEXT NOT NULL,
        problem_kind TEXT,
        problem_message TEXT,
        width INTEGER, height INTEGER, format TEXT, taken TEXT, camera TEXT, uniform INTEGER,
        phash BLOB, dhash BLOB, pixel_key TEXT, thumb BLOB
    );
    CREATE TABLE embeddings (
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        vec BLOB NOT NULL,
        PRIMARY KEY (file_id, model_id)
    );
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        started REAL NOT NULL,
        finished REAL,
        status TEXT NOT NULL,
        config TEXT NOT NULL,
        result TEXT
    );
    CREATE TABLE pairs (
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        evidence TEXT NOT NULL
    );
    CREATE INDEX pairs_scan ON pairs(scan_id);
    """,
    # 2: the user's decisions, "not duplicates" memory and the action journal
    """
    CREATE TABLE decisions (
        path TEXT PRIMARY KEY,
        decision TEXT NOT NULL CHECK (decision IN ('keep', 'trash')),
        updated REAL NOT NULL
    );
    CREATE TABLE not_duplicates (
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        created REAL NOT NULL,
        PRIMARY KEY (a, b),
        CHECK (a < b)
    );
    CREATE TABLE journal (
        id INTEGER PRIMARY KEY,
        batch INTEGER NOT NULL,
        ts REAL NOT NULL,
        action TEXT NOT NULL,
        path TEXT NOT NULL,
        trash_path TEXT,
        size INTEGER,
        mtime_ns INTEGER,
        content TEXT,
        status TEXT NOT NULL,
        message TEXT
    );
    CREATE INDEX journal_batch ON journal(batch);
    """,
    # 3: cached geometric verdicts, so an unchanged library is not verified again
    """
    CREATE TABLE verdicts (
        a INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        b INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        version TEXT NOT NULL,
        verdict TEXT NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX verdicts_b ON verdicts(b);
    """,
)


T = TypeVar("T")
# rows read between two steps that put what was read out of the garbage collector's walks (collector.settle)
_SETTLE_EVERY = 8192


@dataclass(frozen=True, slots=True)
class CachedImage:
    """A decode result read back from the store (no pixels but the small thumbnail)."""

    file_id: int
    info: ImageInfo
    phash: np.ndarray  # uint64 (8,)
    dhash: np.ndarray
    pixel_key: str | None


def cache_migrations(user_path: Path) -> tuple[Migration, ...]:
    """The cache file's migrations; schema 4 moves the user's data out of it into `user_path`."""

    def move_user_data(db: sqlite3.Connection) -> None:
        copy_user_tables(db, user_path)
        for table in ("decisions", "not_duplicates", "journal"):
            db.execute(f"DROP TABLE IF EXISTS {table}")

    return (
        *_SQL_MIGRATIONS,
        move_user_data,
        *_LATER_MIGRATIONS,
        _keypoints_table,
        _DECODES_JUDGED_AGAIN,
        _clear_fits_verified_again,  # 10: a mirrored copy looked for
        _clear_fits_verified_again,  # 11: a copy stretched to another aspect looked for
        _clear_clear_fits_again,  # 12: a clear fit's error judged as the points' noise or a keystone
        _closer_looks_again,  # 13: a larger decode's texture stands above its grain
        _MOVES_TABLE,  # 14
        _drawings_measured,  # 15
        _drawings_compared_again,  # 16
        _turned_copies_again,  # 17
        _few_inliers_fitted_again,  # 18
        _copies_of_drawings_checked_for_repeats,  # 19
        _copies_compared_in_colour,  # 20
        _blank_pictures_decoded_again,  # 21
        _drawings_with_wrong_matches_again,  # 22
        _HEIF_DECODED_AGAIN,  # 23
    )


# 14: files a scan found moved (moves.py), kept with that scan's row: a rescan reads the newest completed scan's
# links under the files' names now, though the scan that saw them move was cancelled
_MOVES_TABLE = """
    CREATE TABLE IF NOT EXISTS moves (
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        old TEXT NOT NULL,
        new TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS moves_scan ON moves(scan_id);
"""


# 9: decodes the next scan makes again, judged by this version's reading: a PNG whose picture data could not be
# read was taken as a good picture (its facts swallowed the read error), and a JPEG with stray bytes between its
# header segments was called damaged. Only those: decoding a whole library again takes hours.
_DECODES_JUDGED_AGAIN = "DELETE FROM images WHERE format = 'PNG' OR problem_kind IS NOT NULL"


# Formats of camera photos, the bulk of a library: their decodes and verdicts stay where a migration only concerns
# drawings and graphics (15, 19)
_PHOTO_FORMATS = ("JPEG", "MPO", "HEIF", "AVIF", *sorted(RAW_FORMATS))


def _drawings_measured(db: sqlite3.Connection) -> None:
    """15: the decoded picture's tones (ImageInfo.tones), which tell a drawing from a photo where its thumbnail
    blurs small text. Decodes of lossless and other non-photo formats (PNG, GIF, WebP, TIFF, BMP, ...), where
    drawings live, are made again by the next scan, and their pairs verified again, so that the rescan ends where a
    fresh scan would; JPEG, HEIF and RAW decodes, the bulk of a photo library, and their verdicts are kept (decoding
    a whole library again takes hours): those are measured on their thumbnails as before until the file changes.
    Pairs not judged copies that may be now (plain or sparse pictures, drawings on larger decodes) are verified
    again too."""
    if "tones" not in {row[1] for row in db.execute("PRAGMA table_info(images)")}:
        db.execute("ALTER TABLE images ADD COLUMN tones REAL")
    kept = _PHOTO_FORMATS
    marks = ",".join("?" * len(kept))
    again = f"SELECT file_id FROM images WHERE format NOT IN ({marks})"
    db.execute(f"DELETE FROM verdicts WHERE a IN ({again}) OR b IN ({again})", kept * 2)
    db.execute(f"DELETE FROM images WHERE format NOT IN ({marks})", kept)
    # and the pairs not judged copies that may be now: of plain or sparse pictures, by their same pixels (a
    # gradient at another bit depth: Verification.same_pixels); of drawings on larger decodes, whose texture is
    # counted along their lines now
    looked = "(json_extract(verdict, '$.plain') OR json_extract(verdict, '$.sparse') OR "
    looked += "(json_extract(verdict, '$.detail') AND json_extract(verdict, '$.drawn')))"
    _forget_non_copies(db, looked, _may_be_copies_now)


def _may_be_copies_now(v: dict[str, Any]) -> bool:
    """Migration 15's rule on a parsed verdict (see _drawings_measured)."""
    return bool(v.get("plain") or v.get("sparse") or (v.get("detail") and v.get("drawn")))


def _drawings_compared_again(db: sqlite3.Connection) -> None:
    """16: a drawing's copy must repeat its lines and words but for what an overlay covers (verify's `moved`): the
    stored copies and other versions of drawings are verified again by the next scan (the rule only takes verdicts
    away); a photo's verdicts, and every "different", stay."""
    looked = "json_extract(verdict, '$.verdict') != 'different' AND json_extract(verdict, '$.drawn')"

    def again(v: dict[str, Any]) -> bool:
        return v.get("verdict") != "different" and bool(v.get("drawn"))

    _forget_verdicts(db, looked, again)


def _turned_copies_again(db: sqlite3.Connection) -> None:
    """17: a copy found mirrored or turned is measured as it is too (verify._as_is): a symmetric drawing's copy
    found so was taken for another drawing. Those stored copies are verified again by the next scan; they are few
    (the mirrored and turned copies of a library), and every other verdict stays."""
    looked = (
        "json_extract(verdict, '$.verdict') = 'same-photo' "
        "AND (json_extract(verdict, '$.mirrored') OR json_extract(verdict, '$.rotation') != 0)"
    )

    def again(v: dict[str, Any]) -> bool:
        return v.get("verdict") == "same-photo" and bool(v.get("mirrored") or v.get("rotation"))

    _forget_verdicts(db, looked, again)


def _few_inliers_fitted_again(db: sqlite3.Connection) -> None:
    """18: a clear fit of few inliers (15-29) that fails only by its wrong matches is made again from b's keypoints
    (verify._matched_from_b): such pairs not judged copies are verified again by the next scan."""
    looked = "json_extract(verdict, '$.inliers') BETWEEN 15 AND 29"

    def again(v: dict[str, Any]) -> bool:
        return 15 <= v.get("inliers", 0) <= 29

    _forget_non_copies(db, looked, again)


def _copies_of_drawings_checked_for_repeats(db: sqlite3.Connection) -> None:
    """19: a picture that adds, on the other's blank ground, an element it already shows (a card with more pips) is
    another picture of a set, not a copy (repeats.py): stored copies verified by their pixels are verified again by
    the next scan where either file is in a format drawings and graphics come in (PNG, GIF, WebP, ...), as in
    migration 15. The rule only takes copies away; photos' copies (JPEG, HEIF, RAW) and copies by their hashes
    stay, so a library is not verified again."""
    kept = ", ".join(f"'{f}'" for f in _PHOTO_FORMATS)
    _forget_pixel_copies(db, among=f"SELECT file_id FROM images WHERE format NOT IN ({kept})")


def _copies_compared_in_colour(db: sqlite3.Connection) -> None:
    """20: the same picture in other colours is another version, not a copy (colours.py): the stored copies
    verified by their pixels are verified again by the next scan, in colour. The rule only takes copies away, and
    copies are a few percent of a library's verdicts; copies by their hashes are looked at again by every scan."""
    _forget_pixel_copies(db)


def _blank_pictures_decoded_again(db: sqlite3.Connection) -> None:
    """21: a light picture on transparency is laid on black, where it was a blank page or next to one on white
    (decoding.to_rgb). The next scan decodes again, and makes the embeddings and verdicts of, the pictures in a
    format that carries transparency (PNG, GIF, WebP, ...; not JPEG, HEIF or RAW) decoded blank, or whose stored
    thumbnail's greys lie within FAINT_SPREAD: what the new decode may lay on black (a thumbnail's greys lie within
    its file's, but for its JPEG noise). Every other decode and its verdicts stay."""
    kept = _PHOTO_FORMATS
    rows = db.execute(
        f"SELECT file_id, uniform, thumb FROM images WHERE format NOT IN ({','.join('?' * len(kept))})", kept
    )
    again = [(fid,) for fid, uniform, thumb in rows if uniform or (thumb is not None and _faint(thumb))]
    db.executemany("DELETE FROM verdicts WHERE a = ?", again)
    db.executemany("DELETE FROM verdicts WHERE b = ?", again)
    db.executemany("DELETE FROM embeddings WHERE file_id = ?", again)
    db.executemany("DELETE FROM images WHERE file_id = ?", again)


FAINT_SPREAD = BLANK_SPREAD + 8  # and a margin for the stored thumbnail's JPEG noise


def _faint(thumb: bytes) -> bool:
    """A stored thumbnail whose greys lie within FAINT_SPREAD (or that cannot be read)."""
    try:
        with Image.open(io.BytesIO(thumb)) as im:
            return grey_spread(im) <= FAINT_SPREAD
    except (OSError, ValueError, SyntaxError):
        return True


def _drawings_with_wrong_matches_again(db: sqlite3.Connection) -> None:
    """22: a drawing's keypoint fit of few inliers (under 30) may have up to three times as many wrong matches when
    the aligned pixels are the same but for rounding (verify's spotless_outliers: a card's pips, a chessboard's
    squares). The stored verdicts of drawings not judged copies with such a fit are verified again by the next
    scan; the rule only makes copies, and only of drawings."""
    looked = "json_extract(verdict, '$.drawn') AND json_extract(verdict, '$.inliers') BETWEEN 4 AND 29"

    def again(v: dict[str, Any]) -> bool:
        return bool(v.get("drawn")) and 4 <= v.get("inliers", 0) <= 29

    _forget_non_copies(db, looked, again)


# 23: a HEIC whose data ends early is truncated (libheif decoded some without a word, the last tiles missing), and
# one with a phone's thumbnail decodes from it (decoding._open_upright); a JPEG that carries more pictures (MPO: a
# camera's preview, an Ultra HDR gain map) is checked for damage and keyed by its compressed data as every JPEG is.
# The next scan decodes the HEIF, AVIF and MPO pictures again; their embeddings and verdicts stay, as the files did
# not change: one found damaged or truncated leaves its groups as a problem.
_HEIF_DECODED_AGAIN = "DELETE FROM images WHERE format IN ('HEIF', 'AVIF', 'MPO')"


def _forget_pixel_copies(db: sqlite3.Connection, among: str | None = None) -> None:
    """Forget the stored copies verified by their pixels (not by their hashes alone), of pairs with a file among
    the ids the SQL query `among` gives, when given."""
    looked = (
        "json_extract(verdict, '$.verdict') = 'same-photo' AND NOT coalesce(json_extract(verdict, '$.by_hashes'), 0)"
    )
    if among is not None:
        looked += f" AND (a IN ({among}) OR b IN ({among}))"

    def again(v: dict[str, Any]) -> bool:
        return v.get("verdict") == "same-photo" and not v.get("by_hashes")

    _forget_verdicts(db, looked, again, among)


def _clear_fits_verified_again(db: sqlite3.Connection) -> None:
    """10, 11: pairs the next scan verifies again: those not judged a copy although their direct keypoint fit was
    clear (15 inliers or more), where verification now looks further: for a mirrored copy of a nearly symmetric
    subject (10: a portrait flipped upside down read as another picture turned 180 degrees), for a copy resized to
    another aspect (11). Only those: verifying every pair of a library again takes hours."""
    _clear_clear_fits(db, mirrored_too=False)


def _clear_clear_fits_again(db: sqlite3.Connection) -> None:
    """12: every pair not judged a copy with a clear keypoint fit, mirrored ones too, whose median error may now be
    the points' noise rather than another view (a copy upscaled or made a tiny thumbnail: 0.5-0.9 px), whose wrong
    matches may be as well when its pixels agree as a copy's do, and whose mirrored fit is now refitted as a
    stretched copy too."""
    _clear_clear_fits(db, mirrored_too=True)


def _clear_clear_fits(db: sqlite3.Connection, *, mirrored_too: bool) -> None:
    """Forget the stored verdicts not "same-photo" whose keypoint fit had 15 inliers or more (but mirrored ones
    unless `mirrored_too`), so the next scan verifies those pairs again, and only those."""
    looked = "json_extract(verdict, '$.inliers') >= 15"
    if not mirrored_too:
        looked += " AND NOT json_extract(verdict, '$.mirrored')"

    def again(v: dict[str, Any]) -> bool:
        return v.get("inliers", 0) >= 15 and (mirrored_too or not v.get("mirrored"))

    _forget_non_copies(db, looked, again)


def _closer_looks_again(db: sqlite3.Connection) -> None:
    """13: every pair not judged a copy that a larger decode decided, or may have been tried for (thumbnails short
    of keypoints): its local correlation now counts as texture only what stands above the grain a larger decode
    keeps (a web copy of a plain t-shirt photo, both enlarged, read as another shot). Verdicts on thumbnails alone
    are unchanged by it."""
    looked = f"(json_extract(verdict, '$.detail') OR json_extract(verdict, '$.keypoints') < {_FEW_KEYPOINTS})"

    def again(v: dict[str, Any]) -> bool:
        return bool(v.get("detail")) or v.get("keypoints", _FEW_KEYPOINTS) < _FEW_KEYPOINTS

    _forget_non_copies(db, looked, again)


_FEW_KEYPOINTS = 64  # verify's dense_keypoints when migration 13 was written: fewer sends a pair to a larger decode


def _forget_non_copies(db: sqlite3.Connection, looked: str, again: Callable[[dict[str, Any]], bool]) -> None:
    """Forget the stored verdicts not "same-photo" that the SQL condition `looked` (or, without SQLite's JSON
    functions, `again` on the parsed verdict) picks, so the next scan verifies those pairs again, and only those."""
    _forget_verdicts(
        db,
        f"json_extract(verdict, '$.verdict') != 'same-photo' AND {looked}",
        lambda v: v.get("verdict") != "same-photo" and again(v),
    )


def _forget_verdicts(
    db: sqlite3.Connection, looked: str, again: Callable[[dict[str, Any]], bool], among: str | None = None
) -> None:
    """Forget the stored verdicts that the SQL condition `looked` (or, without SQLite's JSON functions, `again` on
    the parsed verdict of a pair with a file among the ids the SQL query `among` gives, when given) picks, so the
    next scan verifies those pairs again, and only those."""
    try:
        db.execute(f"DELETE FROM verdicts WHERE {looked}")
    except sqlite3.OperationalError:  # an SQLite built without its JSON functions: the same rule, in Python
        ids = None if among is None else {fid for (fid,) in db.execute(among)}
        stale = []
        for a, b, text in db.execute("SELECT a, b, verdict FROM verdicts"):
            if (ids is None or a in ids or b in ids) and again(json.loads(text)):
                stale.append((a, b))
        db.executemany("DELETE FROM verdicts WHERE a=? AND b=?", stale)


def _keypoints_table(db: sqlite3.Connection) -> None:
    """8: thumbnails' SIFT keypoints kept between scans (kept_keypoints.py). They are made from the thumbnail, so a
    new or removed decode of the file removes them (triggers: every path that replaces a decode is covered)."""
    db.execute(
        "CREATE TABLE keypoints (file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE, "
        "version TEXT NOT NULL, data BLOB NOT NULL)"
    )
    for event, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
        db.execute(
            f"CREATE TRIGGER keypoints_after_image_{event.lower()} AFTER {event} ON images "
            f"BEGIN DELETE FROM keypoints WHERE file_id = {row}.file_id; END"
        )


# Migrations after the user data moved out (schema 5 on).
_LATER_MIGRATIONS: tuple[str, ...] = (
    # 5: what a scan's links were computed from (its walk and settings), so an unchanged rescan can reuse them
    "ALTER TABLE scans ADD COLUMN inputs TEXT",
    # 6: the files a completed scan saw, as they were (id, size, mtime), under which matching settings: a rescan
    # after a few files changed looks again only at the pairs they are in
    """
    CREATE TABLE scan_files (
        scan_id INTEGER PRIMARY KEY REFERENCES scans(id) ON DELETE CASCADE,
        settings TEXT NOT NULL,
        files BLOB NOT NULL
    );
    """,
    # 7: a scan's groups under each mode, made when the scan ends, so that regrouping is a read
    """
    CREATE TABLE regroups (
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        result TEXT,
        PRIMARY KEY (scan_id, key)
    );
    """,
)


class CacheTables:
    """Queries on the cache file; mixed into Store, which provides `db` and `transaction()`."""

    db: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    # -- files ----------------------------------------------------------------------------------------------

    def known_files(self) -> dict[str, tuple[int, int, int]]:
        """Path -> (id, size, mtime_ns) of every file the store knows."""
        rows = self.db.execute("SELECT path, id, size, mtime_ns FROM files")
        return {path: (fid, size, mtime) for path, fid, size, mtime in rows}

    def sync_files(
        self,
        records: Sequence[FileRecord],
        *,
        known: Mapping[str, tuple[int, int, int]] | None = None,
        moved: Mapping[str, str] | None = None,
        gone: Sequence[int] = (),
        scan_id: int | None = None,
    ) -> dict[str, int]:
        """Record the walk; a file whose size or mtime changed loses its cached hashes, decode and embedding.

        `known` is known_files() as read before the walk was compared with it; `moved` (old path -> new path) gives
        a stored row its file's new path, with everything cached for it, and is remembered as scan `scan_id`'s
        (moves_since); the rows `gone` are deleted with all that hangs on them (moves.py decides both)."""
        ids: dict[str, int] = {}
        known = self.known_files() if known is None else known
        renamed = {new: known[old][0] for old, new in (moved or {}).items()}
        with self.transaction() as db:
            for lo in range(0, len(gone), 500):
                chunk = list(gone[lo : lo + 500])
                db.execute(f"DELETE FROM files WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            db.executemany(  # a copy that did not keep the date has the stored bytes under a new date
                "UPDATE files SET path=?, mtime_ns=?, inode=? WHERE id=?",
                [(r.path, r.mtime_ns, r.inode, renamed[r.path]) for r in records if r.path in renamed],
            )
            if moved and scan_id is not None:
                db.executemany("INSERT INTO moves VALUES (?, ?, ?)", [(scan_id, a, b) for a, b in moved.items()])
            for r in records:
                row = known.get(r.path)
                if row is None and r.path in renamed:
                    ids[r.path] = renamed[r.path]  # the same file (moves.py): nothing to recompute
                    continue
                if row is None:
                    cur = db.execute(
                        "INSERT INTO files(path, size, mtime_ns, inode) VALUES (?, ?, ?, ?)",
                        (r.path, r.size, r.mtime_ns, r.inode),
                    )
                    ids[r.path] = int(cur.lastrowid or 0)
                    continue
                fid, size, mtime = row
                ids[r.path] = fid
                if size != r.size or mtime != r.mtime_ns:
                    db.execute(
                        "UPDATE files SET size=?, mtime_ns=?, inode=?, partial_hash=NULL, full_hash=NULL WHERE id=?",
                        (r.size, r.mtime_ns, r.inode, fid),
                    )
                    db.execute("DELETE FROM images WHERE file_id=?", (fid,))
                    db.execute("DELETE FROM embeddings WHERE file_id=?", (fid,))
                    db.execute("DELETE FROM verdicts WHERE a=? OR b=?", (fid, fid))
        return ids

    def moves_since(self, scan_id: int) -> dict[str, str]:
        """Path when scan `scan_id` saw the file -> path now, for the files the scans after it found moved."""
        now: dict[str, str] = {}
        origin: dict[str, str] = {}  # a path now -> the path it had at that scan
        rows = self.db.execute("SELECT old, new FROM moves WHERE scan_id > ? ORDER BY scan_id, rowid", (scan_id,))
        for old, new in rows:
            first = origin.pop(old, old)
            now[first] = new
            origin[new] = first
        return now

    def recorded_moves(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The moves of each kept scan that found files moved, in scan order: (a key for the scan that a rebuilt
        cache file cannot give another scan, [(old path, new path)...])."""
        out: dict[str, list[tuple[str, str]]] = {}
        rows = self.db.execute(
            "SELECT s.id, s.started, m.old, m.new FROM moves m JOIN scans s ON s.id = m.scan_id "
            "ORDER BY m.scan_id, m.rowid"
        )
        for scan_id, started, old, new in rows:
            out.setdefault(f"{scan_id}@{started!r}", []).append((old, new))
        return list(out.items())

    def content_hashes(self, hash_version: int) -> dict[str, tuple[str | None, str | None]]:
        rows = self.db.execute(
            "SELECT path, partial_hash, full_hash FROM files WHERE hash_version=? "
            "AND (partial_hash IS NOT NULL OR full_hash IS NOT NULL)",
            (hash_version,),
        )
        return {p: (part, full) for p, part, full in rows}

    def save_content_hashes(self, rows: Iterable[tuple[str, str | None, str | None]], hash_version: int) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE files SET partial_hash=coalesce(?, partial_hash), full_hash=coalesce(?, full_hash), "
                "hash_version=? WHERE path=?",
                [(part, full, hash_version, path) for path, part, full in rows],
            )

    def full_hashes(self) -> dict[int, str]:
        """File id -> full content hash, for the files whose hash is known."""
        return dict(self.db.execute("SELECT id, full_hash FROM files WHERE full_hash IS NOT NULL"))

    def full_hashes_of(self, paths: Iterable[str]) -> dict[str, str]:
        """Path -> full content hash, for those of these files whose hash is known."""
        wanted = list(paths)
        out: dict[str, str] = {}
        for lo in range(0, len(wanted), 500):
            chunk = wanted[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            q = f"SELECT path, full_hash FROM files WHERE full_hash IS NOT NULL AND path IN ({marks})"
            out.update(self.db.execute(q, chunk))
        return out

    def full_hash_of(self, path: str) -> str | None:
        row = self.db.execute("SELECT full_hash FROM files WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    # -- decodes --------------------------------------------------------------------------------------------

    def cached_images(
        self, file_ids: Iterable[int], version: str, problems: str | None = None
    ) -> dict[int, CachedImage | Problem]:
        """Decode results still valid for these files: an image's facts and hashes made by `version`, or the
        problem it had as `problems` (default: `version`) words it; a problem an older reader found is not kept."""
        wanted = set(file_ids)
        problems = version if problems is None else problems
        out: dict[int, CachedImage | Problem] = {}
        rows = self.db.execute(
            "SELECT i.file_id, f.path, i.problem_kind, i.problem_message, i.width, i.height, i.format, i.taken, "
            "i.camera, i.uniform, i.phash, i.dhash, i.pixel_key, i.version, i.tones FROM images i "
            "JOIN files f ON f.id = i.file_id WHERE i.version IN (?, ?)",
            (version, problems),
        )
        # 100k rows make 600k objects: a full collection walking them stalled the window (see collector.py)
        for row in collector.settling(rows, _SETTLE_EVERY):
            fid, path, pkind, pmsg, w, h, fmt, taken, camera, uniform, ph, dh, pkey, made_by, tones = row
            if fid not in wanted or made_by != (version if pkind is None else problems):
                continue
            if pkind is not None:
                out[fid] = Problem(path, ProblemKind(pkind), pmsg)
                continue
            info = ImageInfo(w, h, fmt, taken, camera, bool(uniform), tones or 0.0)
            out[fid] = CachedImage(
                fid, info, np.frombuffer(ph, dtype=np.uint64).copy(), np.frombuffer(dh, dtype=np.uint64).copy(), pkey
            )
        return out

    def save_images(self, rows: Sequence[tuple], version: str, problems: str | None = None) -> None:
        """Rows of (file_id, info | None, problem | None, phash, dhash, pixel_key, thumb) in one transaction; a
        problem is saved under `problems` (default: `version`), the version of the words that describe it."""
        params = []
        said = version if problems is None else problems
        for fid, info, problem, ph, dh, pkey, thumb in rows:
            if problem is not None:
                params.append((fid, said, problem.kind.value, problem.message, *([None] * 11)))
            else:
                params.append(
                    (
                        fid,
                        version,
                        None,
                        None,
                        info.width,
                        info.height,
                        info.format,
                        info.taken,
                        info.camera,
                        int(info.uniform),
                        np.asarray(ph, dtype=np.uint64).tobytes(),
                        np.asarray(dh, dtype=np.uint64).tobytes(),
                        pkey,
                        thumb,
                        info.tones,
                    )
                )
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO images VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", params)

    def thumbnail(self, path: str) -> bytes | None:
        row = self.db.execute(
            "SELECT i.thumb FROM images i JOIN files f ON f.id=i.file_id WHERE f.path=?", (path,)
        ).fetchone()
        return row[0] if row else None

    def thumbnails(self, file_ids: Iterable[int]) -> dict[int, bytes]:
        ids = list(file_ids)
        out: dict[int, bytes] = {}
        for lo in range(0, len(ids), 500):
            chunk = ids[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            q = f"SELECT file_id, thumb FROM images WHERE thumb IS NOT NULL AND file_id IN ({marks})"
            out.update(self.db.execute(q, chunk))
        return out

    # -- embeddings -----------------------------------------------------------------------------------------

    def embeddings(self, file_ids: Iterable[int], model_id: str) -> dict[int, np.ndarray]:
        """float16 vectors of these files (only theirs are read: a rescan may need a few of 100,000)."""
        ids = sorted(set(file_ids))
        out: dict[int, np.ndarray] = {}
        for lo in range(0, len(ids), 500):
            chunk = ids[lo : lo + 500]
            q = f"SELECT file_id, vec FROM embeddings WHERE model_id=? AND file_id IN ({','.join('?' * len(chunk))})"
            rows = self.db.execute(q, (model_id, *chunk))
            out.update((fid, np.frombuffer(vec, dtype=np.float16)) for fid, vec in rows)
        return out

    def save_embeddings(self, rows: Iterable[tuple[int, np.ndarray]], model_id: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [(fid, model_id, np.asarray(v, dtype=np.float16).tobytes()) for fid, v in rows],
            )

    # -- keypoints ------------------------------------------------------------------------------------------

    def keypoints(self, file_ids: Iterable[int], version: str) -> dict[int, bytes]:
        """Stored keypoint blobs of these files made by `version` (kept_keypoints.py packs and reads them)."""
        ids = list(file_ids)
        out: dict[int, bytes] = {}
        for lo in range(0, len(ids), 500):
            chunk = ids[lo : lo + 500]
            q = f"SELECT file_id, data FROM keypoints WHERE version=? AND file_id IN ({','.join('?' * len(chunk))})"
            out.update(self.db.execute(q, (version, *chunk)))
        return out

    def save_keypoints(self, rows: Iterable[tuple[int, bytes]], version: str) -> None:
        """Keypoint blobs by file id, for files whose decode is stored (no row otherwise: nothing to match them to)."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO keypoints SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM images WHERE file_id=?)",
                [(fid, version, data, fid) for fid, data in rows],
            )

    # -- verdicts -------------------------------------------------------------------------------------------

    def verdicts(
        self,
        pairs: Iterable[tuple[int, int]] | None,
        version: str,
        convert: Callable[[dict], T] = lambda d: d,  # type: ignore[assignment,return-value]
    ) -> dict[tuple[int, int], T]:
        """Stored verification results of file-id pairs (a, b) (None: all of them), as written by save_verdicts,
        each turned into the caller's record as it is read (no dict of every row at once: 800,000 rows at 100,000
        photos). A few pairs (asked on demand) are read by key, not by a scan of the table."""
        wanted = None if pairs is None else set(pairs)
        if wanted is not None and len(wanted) <= 64:
            query = "SELECT a, b, verdict FROM verdicts WHERE a=? AND b=? AND version=?"
            found = [row for a, b in wanted for row in self.db.execute(query, (a, b, version))]
            return {(a, b): convert(json.loads(v)) for a, b, v in found}
        rows = self.db.execute("SELECT a, b, verdict FROM verdicts WHERE version=?", (version,))
        return {(a, b): convert(json.loads(v)) for a, b, v in rows if wanted is None or (a, b) in wanted}

    def each_verdict(
        self, version: str, wanted: Callable[[int, int], bool], convert: Callable[[dict], T]
    ) -> Iterator[tuple[tuple[int, int], T]]:
        """The stored verification results of the file-id pairs `wanted` accepts, in one pass over the table, each
        turned into the caller's record as it is read: a rescan of a 100,000-photo library asks for about a million
        (`verdicts` scans the table on every call, so asking in chunks costs chunks x rows)."""
        for a, b, v in self.db.execute("SELECT a, b, verdict FROM verdicts WHERE version=?", (version,)):
            if wanted(a, b):
                yield (a, b), convert(json.loads(v))

    def save_verdicts(self, rows: Iterable[tuple[int, int, dict]], version: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?)",
                [(a, b, version, json.dumps(v)) for a, b, v in rows],
            )

    # -- scans and results ----------------------------------------------------------------------------------

    def begin_scan(self, config: dict) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO scans(started, status, config) VALUES (?, 'running', ?)", (time.time(), json.dumps(config))
            )
            return int(cur.lastrowid or 0)

    def finish_scan(
        self,
        scan_id: int,
        status: str,
        result: dict,
        pairs: Sequence[tuple[str, str, dict]],
        *,
        pairs_of: int | None = None,
    ) -> None:
        """Save the result and the pair evidence (for regrouping without rescanning); keep only the last scans.

        `pairs_of`: also the pairs of that scan, copied as they are stored (a regroup's result has the same pairs:
        100k photos' pairs read into Python and written back took seconds and a million objects)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE scans SET finished=?, status=?, result=? WHERE id=?",
                (time.time(), status, pieces.dumps(result), scan_id),  # 12 MB at 100k photos: see pieces.py
            )
            db.executemany(
                "INSERT INTO pairs(scan_id, a, b, evidence) VALUES (?, ?, ?, ?)",
                [(scan_id, a, b, json.dumps(ev)) for a, b, ev in pairs],
            )
            if pairs_of is not None:
                db.execute(
                    "INSERT INTO pairs(scan_id, a, b, evidence) SELECT ?, a, b, evidence FROM pairs WHERE scan_id=?",
                    (scan_id, pairs_of),
                )
            db.execute("DELETE FROM scans WHERE id NOT IN (SELECT id FROM scans ORDER BY id DESC LIMIT 5)")

    def set_scan_inputs(self, scan_id: int, inputs: str) -> None:
        """Remember what the scan's links were computed from (a digest of its walk and settings)."""
        with self.transaction() as db:
            db.execute("UPDATE scans SET inputs=? WHERE id=?", (inputs, scan_id))

    def completed_scan_with(self, inputs: str) -> int | None:
        """The newest completed scan computed from exactly these inputs, if one is still stored."""
        row = self.db.execute(
            "SELECT id FROM scans WHERE status='completed' AND inputs=? ORDER BY id DESC LIMIT 1", (inputs,)
        ).fetchone()
        return None if row is None else int(row[0])

    def set_scan_files(self, scan_id: int, settings: str, files: np.ndarray) -> None:
        """Remember the files a completed scan saw: rows of (file id, size, mtime_ns), 24 bytes a file."""
        rows = np.ascontiguousarray(files, dtype="<i8").reshape(-1, 3)
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO scan_files VALUES (?, ?, ?)", (scan_id, settings, rows.tobytes()))

    def scan_files(self, settings: str) -> tuple[int, np.ndarray] | None:
        """The newest completed scan under these matching settings that recorded its files, and those rows."""
        row = self.db.execute(
            "SELECT f.scan_id, f.files FROM scan_files f JOIN scans s ON s.id = f.scan_id "
            "WHERE s.status='completed' AND f.settings=? ORDER BY f.scan_id DESC LIMIT 1",
            (settings,),
        ).fetchone()
        return None if row is None else (int(row[0]), np.frombuffer(row[1], dtype="<i8").reshape(-1, 3))

    def save_regroup(self, scan_id: int, key: str, result: dict | None) -> None:
        """Keep a scan's groups made under the grouping settings `key` (None: the scan's own result holds them)."""
        text = None if result is None else pieces.dumps(result)
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO regroups VALUES (?, ?, ?)", (scan_id, key, text))

    def copy_regroup(self, source: int, target: int, key: str) -> bool:
        """Give scan `target` the groups scan `source` kept under `key` (the source's own result when it kept
        them as that); False when it kept none."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT OR REPLACE INTO regroups SELECT ?, r.key, coalesce(r.result, s.result) FROM regroups r "
                "JOIN scans s ON s.id = r.scan_id WHERE r.scan_id=? AND r.key=?",
                (target, source, key),
            )
            return cur.rowcount > 0

    def drop_regroups(self, *, but: int) -> None:
        """Forget the groups kept for every scan but one."""
        with self.transaction() as db:
            db.execute("DELETE FROM regroups WHERE scan_id != ?", (but,))

    def regrouped(self, scan_id: int, key: str) -> tuple[dict | None] | None:
        """(groups kept by save_regroup,) for these settings, or None when there are none."""
        row = self.db.execute("SELECT result FROM regroups WHERE scan_id=? AND key=?", (scan_id, key)).fetchone()
        return None if row is None else (None if row[0] is None else pieces.loads(row[0]),)

    def _last_scan_row(self, columns: str, completed: bool) -> tuple | None:
        """These columns of the newest finished scan (or of the newest one that ran to its end)."""
        where = "status='completed'" if completed else "result IS NOT NULL"
        return self.db.execute(
            f"SELECT {columns} FROM scans WHERE {where} AND result IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()

    def last_scan_id(self, *, completed: bool = False) -> int | None:
        """The id last_scan would give, without reading its result (12 MB of JSON at 100k photos)."""
        row = self._last_scan_row("id", completed)
        return None if row is None else int(row[0])

    def newest_scan_started(self) -> int | None:
        """The id of the newest scan begun, whatever became of it: one still running, or killed before it saved a
        result, has already rewritten the file records that an apply's checks compare with."""
        row = self.db.execute("SELECT max(id) FROM scans").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def last_scan_config(self, *, completed: bool = False) -> tuple[int, dict] | None:
        """(scan id, config) of what last_scan would give, without reading its result."""
        row = self._last_scan_row("id, config", completed)
        return None if row is None else (int(row[0]), json.loads(row[1]))

    def last_scan(self, *, completed: bool = False) -> tuple[int, dict, dict] | None:
        """(scan id, config, result) of the newest finished scan (or the newest one that ran to its end)."""
        row = self._last_scan_row("id, config, result", completed)
        return None if row is None else (int(row[0]), json.loads(row[1]), pieces.loads(row[2]))

    def scan_result(self, scan_id: int) -> dict | None:
        """The stored result of one scan (None: none stored)."""
        row = self.db.execute("SELECT result FROM scans WHERE id=?", (scan_id,)).fetchone()
        return None if row is None or row[0] is None else pieces.loads(row[0])

    def table_sizes(self) -> dict[str, int]:
        """Bytes on disk per table and index of the cache file (SQLite's dbstat), largest first: for benchmarks."""
        rows = self.db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
        return {name: int(size) for name, size in rows}

    def file_ids(self) -> dict[str, int]:
        """Path -> file id of every file the store knows."""
        return dict(self.db.execute("SELECT path, id FROM files"))

    def scan_pairs(self, scan_id: int) -> list[tuple[str, str, dict]]:
        return list(self.each_scan_pair(scan_id))

    def each_scan_pair(self, scan_id: int) -> Iterator[tuple[str, str, dict]]:
        """The pairs one at a time: a reader that keeps few of them holds none of the rest (the byte copies' pairs
        and their parsed evidence were a fifth of an unchanged 50k rescan's peak)."""
        rows = self.db.execute("SELECT a, b, evidence FROM pairs WHERE scan_id=?", (scan_id,))
        for a, b, ev in rows:
            yield a, b, json.loads(ev)

    def image_facts(self, paths: Iterable[str]) -> dict[str, tuple[int, int, ImageInfo | None]]:
        """(size, mtime_ns, info) of files as last scanned, for checks before acting on them and for regrouping."""
        out: dict[str, tuple[int, int, ImageInfo | None]] = {}
        wanted = list(paths)
        for lo in range(0, len(wanted), 500):
            chunk = wanted[lo : lo + 500]
            rows = self.db.execute(
                "SELECT f.path, f.size, f.mtime_ns, i.width, i.height, i.format, i.taken, i.camera, i.uniform, "
                "i.problem_kind, i.tones FROM files f LEFT JOIN images i ON i.file_id=f.id "
                f"WHERE f.path IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for path, size, mtime, w, h, fmt, taken, camera, uniform, pkind, tones in rows:
                known = w is not None and pkind is None
                info = ImageInfo(w, h, fmt, taken, camera, bool(uniform), tones or 0.0) if known else None
                out[path] = (size, mtime, info)
        return out
