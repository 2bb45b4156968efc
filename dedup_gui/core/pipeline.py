"""`run_scan`: the one engine entry point shared by the CLI and the GUI; combines the services stage by stage.

walk -> exact copies (size, partial hash, full hash) -> one decode per distinct content in a process pool (hashes
computed there too) -> candidate pairs (dihedral hash search, embeddings) -> confirmed links -> star groups -> store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

import numpy as np

from dedup_gui.core import collector, contenthash, incremental, marks, moves, regroup, scanning
from dedup_gui.core.assemble import apart_pairs, build_groups
from dedup_gui.core.checker import PairChecker, StoredVerdicts, content_sources, stored_thumbnails, verdict_version
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.decode_pool import decode_all
from dedup_gui.core.embedding import MODEL_ID
from dedup_gui.core.embedding_runner import EmbeddingRunner, queries_id, want_rotations
from dedup_gui.core.errors import StoreError
from dedup_gui.core.kept_keypoints import StoredKeypoints
from dedup_gui.core.linking import MATCH_VERSION, OnDemandLinks, find_links
from dedup_gui.core.progress import (
    PREPARING_MODEL,
    Cancelled,
    CancelToken,
    NullSink,
    ProgressEvent,
    ProgressSink,
    Stage,
    Throttle,
)
from dedup_gui.core.serialize import evidence_from_dict, evidence_to_dict, result_from_dict, result_to_dict
from dedup_gui.core.store import CachedImage, Store
from dedup_gui.core.types import (
    FileRecord,
    Group,
    Mode,
    PairEvidence,
    Problem,
    ProblemKind,
    ScanResult,
    ScanStats,
    ScanStatus,
)
from dedup_gui.core.verify_batches import cluster_ids
from dedup_gui.core.worker import ANALYSIS_VERSION, PROBLEMS_VERSION, Analysed

log = logging.getLogger("dedup_gui.pipeline")

# Stored beside the links so regrouping knows which files are byte-identical copies of one content.
COPY_EVIDENCE = {"tier": "exact", "method": "bytes", "score": 1.0, "description": "same bytes"}
SAVE_EVERY = 128  # decode results per store transaction
OTHER_MODES = "grouping under the other modes too, so that switching is instant"
MOVED_FILES = "reading files moved since the last scan"


@dataclass
class ScanState:
    config: ScanConfig
    store: Store
    emit: ProgressSink
    cancel: CancelToken
    problems: list[Problem] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    decoded: int = 0
    from_cache: int = 0
    embedded: int = 0
    rotations: bool = False
    verified: int = 0
    redone: set[int] = field(default_factory=set)  # contents decoded or embedded by this scan

    @contextmanager
    def stage(self, stage: Stage) -> Iterator[None]:
        """Times a stage; a cancel that came while the last one ended is honoured before this one starts."""
        if stage is not Stage.SAVING:
            self.cancel.check()
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage.value] = self.seconds.get(stage.value, 0.0) + time.perf_counter() - t0

    def checkpoint(self) -> None:
        """Between two steps of work: honour a cancel, and put what the scan built so far out of the garbage
        collector's reach (collector.py: its full collections stalled the window)."""
        collector.settle()
        self.cancel.check()


def _config_dict(config: ScanConfig) -> dict:
    """The scan's settings as stored with its result; folders by real path (links and relative paths resolved)."""
    return {
        "roots": [os.path.realpath(p) for p in config.roots],
        "references": [os.path.realpath(p) for p in config.references],
        "excludes": list(config.excludes),
        "mode": config.mode.value,
        "embeddings": config.embeddings,
    }


def run_scan(
    config: ScanConfig, *, store: Store, sink: ProgressSink | None = None, cancel: CancelToken | None = None
) -> ScanResult:
    """Scan the configured folders and return the groups; synchronous, threading is the caller's business.

    Environment errors (bad root, store not writable) raise DedupError subclasses; per-file failures become
    Problems in the result. On cancel, finished work is saved first and a CANCELLED result is returned.
    """
    with collector.held_off():  # the scan's objects are freed (by reference counting) before it ends
        return _scan(config, store, sink, cancel)


def _scan(config: ScanConfig, store: Store, sink: ProgressSink | None, cancel: CancelToken | None) -> ScanResult:
    state = ScanState(config, store, Throttle(sink or NullSink()), cancel or CancelToken())
    scanning.check_roots(config.roots + config.references)
    scan_id = store.begin_scan(_config_dict(config))
    store.follow_moves(store.recorded_moves())  # marks a scan killed after its walk left behind
    records: list[FileRecord] = []
    inputs = settings = ""
    previous: int | None = None  # a completed scan with the same inputs
    before = store.last_scan_id(completed=True)  # whose groups the marks were made on
    changed: set[str] = set()  # files changed in place since the store saw them
    vanished: set[str] = set()  # files gone from the scanned folders, not taken away by an apply
    same_links = -1
    ids: dict[str, int] = {}
    files = np.empty((0, 3), dtype=np.int64)  # (file id, size, mtime) of the walk: see incremental.file_rows
    groups: list[Group] = []
    links: list[tuple[int, int, PairEvidence]] = []
    contents: list[Content] = []
    checker: PairChecker | None = None
    status = ScanStatus.COMPLETED
    try:
        records = _enumerate(state)
        state.checkpoint()
        with state.stage(Stage.EXACT):
            known = store.known_files()
            folders = config.roots + config.references
            followed = moves.follow(
                records,
                known,
                folders,
                state.problems,
                store.full_hash_of,
                taken_away=store.taken_away,
                tick=_reading(state),
            )
            changed, vanished = _changes(records, known, followed, store.taken_away)
            ids = store.sync_files(records, known=known, moved=followed.moved, gone=followed.gone, scan_id=scan_id)
            store.follow_moves(store.recorded_moves())  # the keep/trash marks follow the files
            del known
            if followed.moved or followed.gone:
                log.info("%d files moved, %d gone since the store saw them", len(followed.moved), len(followed.gone))
            twins = _exact(state, records)
        contents = _contents(records, ids, twins)
        embed = config.embeddings and config.mode is not Mode.EXACT
        state.rotations = embed and want_rotations(config.rotations, config.device)
        settings = _settings_key(state)
        files = incremental.file_rows(records, ids)
        inputs = _inputs_key(state, records)
        previous = store.completed_scan_with(inputs)
        with state.stage(Stage.DECODING):
            reuse = _decode(state, contents, reuse=previous is not None)
        with state.stage(Stage.MATCHING):
            state.emit(ProgressEvent(Stage.MATCHING, 0, None))
            cache = StoredVerdicts(store, contents)
            checker = PairChecker(
                stored_thumbnails(store, contents),
                cache,
                sources=content_sources(contents),
                workers=config.workers,
                check=state.checkpoint,
                clusters=cluster_ids([c.vector for c in contents]),
                scratch=store.path.parent,
                kept=StoredKeypoints(store, contents),
            )
            reused = reuse and previous is not None
            if reuse and previous is not None:
                links = _stored_links(state, previous, contents)
                same_links = len(links)  # unless grouping adds some, the groups of every mode are that scan's
            else:
                # the last scan's links between photos that did not change, and a search among the rest only
                carried = incremental.carried_over(store, settings, contents, files, state.redone)
                fresh = None if carried is None else carried.fresh
                kept = None if carried is None else carried.links
                links = find_links(contents, config, checker, check=state.checkpoint, among=fresh, kept=kept)
                if carried is not None:
                    n = int(carried.fresh.sum())
                    log.info("%d of %d contents new or changed since scan %d", n, len(contents), carried.scan_id)
                    reused = True  # the verdicts it asked for in grouping are stored: they count as known
            state.emit(ProgressEvent(Stage.MATCHING, 1, 1))
        with state.stage(Stage.GROUPING):
            not_dups = store.not_duplicates()  # every file's content hash is read only when there are some
            apart = apart_pairs(contents, store.full_hashes() if not_dups else {}, not_dups)
            # a rescan that reuses the links asks the stored verdicts, as the scan that found them knew them
            oracle = OnDemandLinks(contents, config, checker, stored=reused) if config.embeddings else None
            groups = build_groups(contents, links, records, config, apart, oracle)
            state.verified = cache.verified
            _hash_members(state, groups)
    except Cancelled:
        status = ScanStatus.CANCELLED
        groups = []
    problems = _problems(state.problems, contents)
    stats = ScanStats(
        files=len(records),
        images=sum(len(c.paths) for c in contents if c.info is not None),
        bytes=sum(r.size for r in records),
        decoded=state.decoded,
        from_cache=state.from_cache,
        embedded=state.embedded,
        verified=state.verified,
        candidate_pairs=len(links),
        seconds=dict(state.seconds),
    )
    result = ScanResult(status, tuple(groups), tuple(problems), stats, scan_id)
    # the links of an earlier scan of the same files, reused as they were and none added: its pairs are this
    # scan's, copied inside the store (an unchanged 50k rescan wrote 1.3 million objects' worth of JSON again)
    same_as = previous if status is ScanStatus.COMPLETED and len(links) == same_links else None
    with state.stage(Stage.SAVING):
        state.emit(ProgressEvent(Stage.SAVING, 0, 1))
        pairs: list[tuple[str, str, dict]] = []
        if same_as is None:
            pairs = [(contents[a].paths[0], contents[b].paths[0], evidence_to_dict(ev)) for a, b, ev in links]
            pairs += [(c.paths[0], p, COPY_EVIDENCE) for c in contents if c.info is not None for p in c.paths[1:]]
        store.finish_scan(scan_id, status.value, result_to_dict(result), pairs, pairs_of=same_as)
        if status is ScanStatus.COMPLETED and records:
            store.set_scan_inputs(scan_id, inputs)
            store.set_scan_files(scan_id, settings, files)
        state.emit(ProgressEvent(Stage.SAVING, 1, 1))
    # freed a slice at a time: at 100,000 photos, freeing it all as this returned held the GIL (the window) 250 ms
    if checker is not None:
        checker.release()
    walked = bool(records)
    collector.release(pairs, links, contents, records)  # empties them
    if status is ScanStatus.COMPLETED and (changed or vanished):  # after the scan's objects are freed, as regroup
        _drop_stale_marks(store, result.groups, changed, vanished, before)
    if status is ScanStatus.COMPLETED and walked:
        with state.stage(Stage.SAVING):  # after the scan's objects are freed: regrouping holds its own
            state.emit(ProgressEvent(Stage.SAVING, 1, 1, detail=OTHER_MODES))
            regroup.keep_modes(store, scan_id, config, same_as, check=state.cancel.check)
    return result


def _changes(
    records: Sequence[FileRecord],
    known: Mapping[str, tuple[int, int, int]],
    followed: moves.Followed,
    taken_away: Callable[[], Collection[str]],
) -> tuple[set[str], set[str]]:
    """(files changed in place, files gone by other hands than an apply's) since the store saw them; the journal
    (`taken_away`) is read only when files are gone, as moves.follow reads it."""
    moved_to = set(followed.moved.values())
    changed = set()
    for r in records:
        row = known.get(r.path)
        if row is not None and (row[1], row[2]) != (r.size, r.mtime_ns) and r.path not in moved_to:
            changed.add(r.path)
    if not followed.gone:
        return changed, set()
    gone, away = set(followed.gone), taken_away()
    return changed, {path for path, row in known.items() if row[0] in gone and path not in away}


def _drop_stale_marks(
    store: Store, groups: Sequence[Group], changed: set[str], vanished: set[str], before: int | None
) -> None:
    """Clear the marks the changes made meaningless (marks.py), seen in the groups of the scan completed `before`
    this one and of this one. A store that cannot be read or written here leaves them: apply refuses such files on
    its own (the file is not the one scanned, or its group's kept file is gone)."""
    try:
        decisions = store.decisions()
        if not decisions:
            return
        old = store.scan_result(before) if before is not None else None
        earlier = result_from_dict(old, before).groups if old is not None else ()
        stale = marks.stale_marks([*earlier, *groups], changed, vanished, decisions)
        if stale:
            store.set_decisions([(path, None) for path in stale])
            log.info("%d keep/trash marks cleared: their files or the files grouped with them changed", len(stale))
    except StoreError as exc:
        log.warning("the marks of changed files could not be cleared: %s", exc)


# -- stages -------------------------------------------------------------------------------------------------


def _enumerate(state: ScanState) -> list[FileRecord]:
    c = state.config
    options = scanning.WalkOptions(c.roots, c.references, c.excludes, c.follow_symlinks, c.include_hidden)
    records: list[FileRecord] = []
    with state.stage(Stage.ENUMERATING):
        state.emit(ProgressEvent(Stage.ENUMERATING, 0, None))
        for record in scanning.walk(options, state.problems, check=state.checkpoint):
            records.append(record)
            if len(records) % 256 == 0:
                state.checkpoint()
                state.emit(ProgressEvent(Stage.ENUMERATING, len(records), None, detail=record.path))
        state.emit(ProgressEvent(Stage.ENUMERATING, len(records), len(records)))
    return records


def _reading(state: ScanState) -> Callable[[int, int], None]:
    """Progress while the files that look moved are read to check they are the stored ones."""

    def tick(done: int, total: int) -> None:
        state.emit(ProgressEvent(Stage.EXACT, done, total, detail=MOVED_FILES))
        state.checkpoint()

    return tick


def _exact(state: ScanState, records: list[FileRecord]) -> dict[str, str]:
    cache = state.store.content_hashes(contenthash.HASH_VERSION)
    state.checkpoint()  # 100k entries: out of the collector's reach before the next full collection walks them
    new: dict[str, list[str | None]] = {}
    done = 0
    total = len(records)

    def cached(r: FileRecord) -> tuple[str | None, str | None]:
        return cache.get(r.path, (None, None))

    def remember(r: FileRecord, part: str | None, full: str | None) -> None:
        entry = new.setdefault(r.path, [None, None])
        entry[0] = part or entry[0]
        entry[1] = full or entry[1]

    def tick(n: int) -> None:
        nonlocal done
        done += n
        state.emit(ProgressEvent(Stage.EXACT, done, total))
        state.checkpoint()

    state.emit(ProgressEvent(Stage.EXACT, 0, total))
    try:
        twins = contenthash.exact_copies(records, cached=cached, remember=remember, problems=state.problems, tick=tick)
    finally:
        if new:
            state.store.save_content_hashes([(p, v[0], v[1]) for p, v in new.items()], contenthash.HASH_VERSION)
    state.emit(ProgressEvent(Stage.EXACT, total, total))
    return twins


def _contents(records: list[FileRecord], ids: dict[str, int], twins: dict[str, str]) -> list[Content]:
    by_hash: dict[str, Content] = {}
    contents: list[Content] = []
    for r in sorted(records, key=lambda r: r.path):
        if r.size == 0:
            contents.append(Content([r.path], [ids[r.path]], 0))
            continue
        h = twins.get(r.path)
        if h is not None and h in by_hash:
            by_hash[h].paths.append(r.path)
            by_hash[h].file_ids.append(ids[r.path])
            continue
        c = Content([r.path], [ids[r.path]], r.size)
        contents.append(c)
        if h is not None:
            by_hash[h] = c
    return contents


def _hash_members(state: ScanState, groups: list[Group]) -> None:
    """A full content hash for every grouped file: apply refuses a file whose contents it cannot compare with the
    scan's (a file changed later with the same size and date would otherwise pass as unchanged)."""
    sizes = {m.path: m.size for g in groups for m in g.members}
    known = state.store.full_hashes_of(sizes)
    rows = []
    for path, size in sizes.items():
        if path in known:
            continue
        state.checkpoint()
        try:
            rows.append((path, None, contenthash.full_hash(FileRecord(path, size, 0, 0))))
        except contenthash.ContentError as exc:  # changed or gone since the walk: apply will refuse it
            log.warning("cannot hash %s: %s", path, exc.problem.message)
    if rows:
        state.store.save_content_hashes(rows, contenthash.HASH_VERSION)


def _apply(content: Content, value: CachedImage | Analysed | Problem) -> None:
    if isinstance(value, Problem):
        content.problem = value
    elif isinstance(value, Analysed):
        content.info, content.phash, content.dhash = value.decoded.info, value.phash, value.dhash
        content.pixel_key = value.decoded.pixel_key
    else:
        content.info, content.phash, content.dhash, content.pixel_key = (
            value.info,
            value.phash,
            value.dhash,
            value.pixel_key,
        )


def _decode(state: ScanState, contents: list[Content], *, reuse: bool = False) -> bool:
    """Decode each content not in the cache on all cores, embedding on a thread alongside; saved in chunks.

    Every decoded file also gets its full content hash stored, so each file that can be in a group has one: a
    cached decode whose file has none is decoded again. With `reuse` (a completed scan had the same inputs),
    returns True when every content came from the cache: the caller then reuses that scan's links, and no
    embedding is loaded here.
    """
    store, config = state.store, state.config
    cached = store.cached_images([fid for c in contents for fid in c.file_ids], ANALYSIS_VERSION, PROBLEMS_VERSION)
    hashed = store.full_hashes()
    for c in contents:
        if c.size == 0:
            c.problem = Problem(c.paths[0], ProblemKind.EMPTY, "empty file (0 bytes)")
            continue
        at = next((k for k, fid in enumerate(c.file_ids) if fid in cached), None)
        hit = None if at is None else cached[c.file_ids[at]]
        if isinstance(hit, CachedImage) and not all(fid in hashed for fid in c.file_ids):
            hit = None
        if at is not None and hit is not None:
            c.stored_at = at  # a byte copy added since may sort first: the decode and verdicts are under this file
            _apply(c, hit)
            state.from_cache += len(c.paths)
    if reuse and all(c.info is not None or c.problem is not None for c in contents):
        state.emit(ProgressEvent(Stage.DECODING, len(contents), len(contents)))
        return True
    embed = config.embeddings and config.mode is not Mode.EXACT
    need_embed = _load_vectors(state, contents) if embed else set()
    todo = [i for i, c in enumerate(contents) if c.size and ((c.info is None and c.problem is None) or i in need_embed)]
    state.redone.update(todo)
    total = len(contents)
    done = total - len(todo)
    state.emit(ProgressEvent(Stage.DECODING, done, total))
    if not todo:
        return False
    rotations = state.rotations
    runner = (
        EmbeddingRunner(config.device, None, state.cancel, rotations=rotations, on_wait=_preparing(state))
        if need_embed
        else None
    )
    pending_rows: list[tuple] = []
    hash_rows: list[tuple[str, str | None, str | None]] = []

    waited = dict.fromkeys(("decoders", "model", "store"), 0.0)  # for the log: what this thread waits on

    def flush() -> None:
        start = time.perf_counter()
        if pending_rows:
            store.save_images(pending_rows, ANALYSIS_VERSION, PROBLEMS_VERSION)
            pending_rows.clear()
        if hash_rows:
            store.save_content_hashes(hash_rows, contenthash.HASH_VERSION)
            hash_rows.clear()
        if runner is not None:
            _save_vectors(state, contents, runner.take())
        waited["store"] += time.perf_counter() - start

    def collect(i: int, value: Analysed | Problem) -> None:
        content = contents[i]
        _apply(content, value)
        content.stored_at = 0  # decoded now: every file gets the rows
        for fid in content.file_ids:
            if isinstance(value, Problem):
                pending_rows.append((fid, None, value, None, None, None, None))
            else:
                d = value.decoded
                pending_rows.append((fid, d.info, None, value.phash, value.dhash, d.pixel_key, d.thumb_jpeg))
        if isinstance(value, Analysed):
            hash_rows.extend((path, None, value.full_hash) for path in content.paths)
        if runner is not None and isinstance(value, Analysed) and value.decoded.cnn is not None:
            start = time.perf_counter()
            runner.put(i, value.decoded.cnn, value.decoded.cnn_inner)
            waited["model"] += time.perf_counter() - start
        state.decoded += 1

    def job(i: int) -> tuple[str, int, bool]:
        return contents[i].paths[0], contents[i].size, i in need_embed

    workers = max(1, min(config.workers, len(todo)))
    started = asked = time.perf_counter()
    try:
        with closing(decode_all(((i, job(i)) for i in todo), workers)) as results:
            for i, value in results:
                waited["decoders"] += time.perf_counter() - asked
                collect(i, value)
                done += 1
                state.emit(ProgressEvent(Stage.DECODING, done, total, detail=contents[i].paths[0]))
                if len(pending_rows) >= SAVE_EVERY:
                    flush()
                state.checkpoint()
                asked = time.perf_counter()
        log.info(
            "decoded %d files in %.1f s with %d processes; this thread waited %.1f s for them, %.1f s for the image"
            " model and %.1f s for the store",
            len(todo),
            time.perf_counter() - started,
            workers,
            waited["decoders"],
            waited["model"],
            waited["store"],
        )
        if runner is not None:
            start = time.perf_counter()
            _wait_for_embeddings(state, runner, len(need_embed))
            log.info("the image model finished %.1f s after the last decode", time.perf_counter() - start)
    finally:
        if runner is not None:
            runner.finish()
        flush()
    return False


def _preparing(state: ScanState) -> Callable[[], None]:
    """While decoding waits for the image model to be set up, say so instead of showing a frozen count."""

    def waiting() -> None:
        last = getattr(state.emit, "last", None)
        if last is not None:
            state.emit(dataclasses.replace(last, detail=PREPARING_MODEL))

    return waiting


def _wait_for_embeddings(state: ScanState, runner: EmbeddingRunner, total: int) -> None:
    """After the last decode the model may still be working through its queue: report it, honour cancel."""
    while runner.count < total and runner.alive:
        state.emit(ProgressEvent(Stage.EMBEDDING, runner.count, total))
        state.checkpoint()
        runner.wait(0.15)
    state.emit(ProgressEvent(Stage.EMBEDDING, total, total))


def _load_vectors(state: ScanState, contents: list[Content]) -> set[int]:
    """Attach cached embeddings; return the indices of decodable contents that still need one."""
    ids = [fid for c in contents for fid in c.file_ids]
    vectors = state.store.embeddings(ids, MODEL_ID)
    extra = state.store.embeddings(ids, queries_id(state.rotations))
    need: set[int] = set()
    for i, c in enumerate(contents):
        if c.problem is not None or c.size == 0:
            continue
        v = next((vectors[f] for f in c.file_ids if f in vectors), None)
        if v is None:
            need.add(i)
            continue
        c.vector = v
        q = next((extra[f] for f in c.file_ids if f in extra), None)
        c.queries = None if q is None else q.reshape(-1, len(c.vector))
    return need


def _save_vectors(
    state: ScanState, contents: list[Content], done: list[tuple[int, np.ndarray, np.ndarray | None]]
) -> None:
    if not done:
        return
    rows, rot_rows = [], []
    for i, vector, queries in done:
        c = contents[i]
        # float16 as the store keeps them: half the memory, and this scan and a rescan compare the same numbers
        c.vector = np.asarray(vector, dtype=np.float16)
        c.queries = None if queries is None else np.asarray(queries, dtype=np.float16)
        rows += [(fid, vector) for fid in c.file_ids]
        if queries is not None:
            rot_rows += [(fid, np.asarray(queries).reshape(-1)) for fid in c.file_ids]
    state.store.save_embeddings(rows, MODEL_ID)
    if rot_rows:
        state.store.save_embeddings(rot_rows, queries_id(state.rotations))
    state.embedded += len(done)


def _inputs_key(state: ScanState, records: list[FileRecord]) -> str:
    """A digest of everything a scan's links depend on: every file as walked (path, size, date, inode) and the
    matching settings and algorithm versions. A rescan with the same digest as a completed scan reuses its links
    instead of loading every embedding, searching and verifying again; grouping still runs, so the mode, the keeper
    rules and "not duplicates" are applied afresh."""
    digest = hashlib.sha1(repr(_match_settings(state)).encode())
    for r in sorted(records, key=lambda r: r.path):
        digest.update(f"{r.path}\0{r.size}\0{r.mtime_ns}\0{r.inode}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _match_settings(state: ScanState) -> tuple[tuple, tuple]:
    """The settings and algorithm versions a scan's links depend on (besides its files)."""
    c = state.config
    settings = (c.embeddings, c.mode is Mode.EXACT, state.rotations, c.hashes, c.min_cosine, c.similar_cosine)
    versions = (MODEL_ID, ANALYSIS_VERSION, contenthash.HASH_VERSION, verdict_version(), MATCH_VERSION)
    return settings, versions


def _settings_key(state: ScanState) -> str:
    return incremental.settings_key(*_match_settings(state))


def _stored_links(state: ScanState, scan_id: int, contents: list[Content]) -> list[tuple[int, int, PairEvidence]]:
    """The links a completed scan with the same inputs found, as content indices of this scan; and the vectors of
    the linked contents only (grouping compares group members by them)."""
    store = state.store
    index = {c.paths[0]: i for i, c in enumerate(contents)}
    links = []
    for a, b, ev in store.each_scan_pair(scan_id):
        if ev.get("method") != "bytes" and a in index and b in index:
            links.append((index[a], index[b], evidence_from_dict({"a": a, "b": b, **ev})))
    linked = sorted({i for a, b, _ in links for i in (a, b)})
    ids = [fid for i in linked for fid in contents[i].file_ids]
    vectors = store.embeddings(ids, MODEL_ID)
    extra = store.embeddings(ids, queries_id(state.rotations))
    for i in linked:
        c = contents[i]
        v = next((vectors[f] for f in c.file_ids if f in vectors), None)
        if v is not None:
            c.vector = v
            q = next((extra[f] for f in c.file_ids if f in extra), None)
            c.queries = None if q is None else q.reshape(-1, len(c.vector))
    return links


def _problems(found: list[Problem], contents: list[Content]) -> list[Problem]:
    """Each problem once per path, sorted; a broken file's byte-identical copies are broken too and listed."""
    out: dict[str, Problem] = {}
    for p in found:
        out.setdefault(p.path, p)
    for c in contents:
        if c.problem is not None:
            for path in c.paths:
                out.setdefault(path, Problem(path, c.problem.kind, c.problem.message))
    return sorted(out.values(), key=lambda p: p.path)
