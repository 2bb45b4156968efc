"""`run_scan`: the one engine entry point shared by the CLI and the GUI; combines the services stage by stage.

walk -> exact copies (size, partial hash, full hash) -> one decode per distinct content in a process pool (hashes
computed there too) -> candidate pairs (dihedral hash search, embeddings) -> confirmed links -> star groups -> store.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from dedup_gui.core import contenthash, scanning
from dedup_gui.core.assemble import apart_pairs, build_groups
from dedup_gui.core.checker import PairChecker, StoredVerdicts, content_sources, stored_thumbnails
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.embedding import MODEL_ID
from dedup_gui.core.embedding_runner import EmbeddingRunner, queries_id, want_rotations
from dedup_gui.core.linking import OnDemandLinks, find_links
from dedup_gui.core.progress import Cancelled, CancelToken, NullSink, ProgressEvent, ProgressSink, Stage, Throttle
from dedup_gui.core.serialize import evidence_to_dict, result_to_dict
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
from dedup_gui.core.worker import ANALYSIS_VERSION, Analysed, analyse

log = logging.getLogger("dedup_gui.pipeline")

# Stored beside the links so regrouping knows which files are byte-identical copies of one content.
COPY_EVIDENCE = {"tier": "exact", "method": "bytes", "score": 1.0, "description": "same bytes"}
SAVE_EVERY = 128  # decode results per store transaction


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

    @contextmanager
    def stage(self, stage: Stage) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage.value] = self.seconds.get(stage.value, 0.0) + time.perf_counter() - t0


def _config_dict(config: ScanConfig) -> dict:
    return {
        "roots": [str(p) for p in config.roots],
        "references": [str(p) for p in config.references],
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
    state = ScanState(config, store, Throttle(sink or NullSink()), cancel or CancelToken())
    records = _enumerate(state)
    scan_id = store.begin_scan(_config_dict(config))
    groups: list[Group] = []
    links: list[tuple[int, int, PairEvidence]] = []
    contents: list[Content] = []
    status = ScanStatus.COMPLETED
    try:
        state.cancel.check()
        with state.stage(Stage.EXACT):
            ids = store.sync_files(records)
            twins = _exact(state, records)
        contents = _contents(records, ids, twins)
        with state.stage(Stage.DECODING):
            _decode(state, contents)
        with state.stage(Stage.MATCHING):
            state.emit(ProgressEvent(Stage.MATCHING, 0, None))
            cache = StoredVerdicts(store, contents)
            checker = PairChecker(
                stored_thumbnails(store, contents),
                cache,
                sources=content_sources(contents),
                workers=config.workers,
                check=state.cancel.check,
            )
            links = find_links(contents, config, checker, check=state.cancel.check)
            state.emit(ProgressEvent(Stage.MATCHING, 1, 1))
        with state.stage(Stage.GROUPING):
            apart = apart_pairs(contents, store.full_hashes(), store.not_duplicates())
            oracle = OnDemandLinks(contents, config, checker) if config.embeddings else None
            groups = build_groups(contents, links, records, config, apart, oracle)
            state.verified = cache.verified
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
    with state.stage(Stage.SAVING):
        state.emit(ProgressEvent(Stage.SAVING, 0, 1))
        pairs = [(contents[a].paths[0], contents[b].paths[0], evidence_to_dict(ev)) for a, b, ev in links]
        pairs += [(c.paths[0], copy, COPY_EVIDENCE) for c in contents if c.info is not None for copy in c.paths[1:]]
        store.finish_scan(scan_id, status.value, result_to_dict(result), pairs)
        state.emit(ProgressEvent(Stage.SAVING, 1, 1))
    return result


# -- stages -------------------------------------------------------------------------------------------------


def _enumerate(state: ScanState) -> list[FileRecord]:
    c = state.config
    options = scanning.WalkOptions(c.roots, c.references, c.excludes, c.follow_symlinks, c.include_hidden)
    records: list[FileRecord] = []
    with state.stage(Stage.ENUMERATING):
        state.emit(ProgressEvent(Stage.ENUMERATING, 0, None))
        for record in scanning.walk(options, state.problems):
            records.append(record)
            if len(records) % 256 == 0:
                state.cancel.check()
                state.emit(ProgressEvent(Stage.ENUMERATING, len(records), None, detail=record.path))
        state.emit(ProgressEvent(Stage.ENUMERATING, len(records), len(records)))
    return records


def _exact(state: ScanState, records: list[FileRecord]) -> dict[str, str]:
    cache = state.store.content_hashes(contenthash.HASH_VERSION)
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
        state.cancel.check()

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


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the main process, which cancels cleanly at the next batch."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool_context() -> multiprocessing.context.BaseContext:
    """forkserver on Linux: forking a process that runs Qt or torch threads is unsafe, spawn is slower."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


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


def _decode(state: ScanState, contents: list[Content]) -> None:
    """Decode each content not in the cache on all cores, embedding on a thread alongside; saved in chunks."""
    store, config = state.store, state.config
    cached = store.cached_images([fid for c in contents for fid in c.file_ids], ANALYSIS_VERSION)
    for c in contents:
        if c.size == 0:
            c.problem = Problem(c.paths[0], ProblemKind.EMPTY, "empty file (0 bytes)")
            continue
        hit = next((cached[fid] for fid in c.file_ids if fid in cached), None)
        if hit is not None:
            _apply(c, hit)
            state.from_cache += len(c.paths)
    embed = config.embeddings and config.mode is not Mode.EXACT
    state.rotations = embed and want_rotations(config.rotations, config.device)
    need_embed = _load_vectors(state, contents) if embed else set()
    todo = [i for i, c in enumerate(contents) if c.size and ((c.info is None and c.problem is None) or i in need_embed)]
    total = len(contents)
    done = total - len(todo)
    state.emit(ProgressEvent(Stage.DECODING, done, total))
    if not todo:
        return
    rotations = state.rotations
    runner = EmbeddingRunner(config.device, None, state.cancel, rotations=rotations) if need_embed else None
    pending_rows: list[tuple] = []

    def flush() -> None:
        if pending_rows:
            store.save_images(pending_rows, ANALYSIS_VERSION)
            pending_rows.clear()
        if runner is not None:
            _save_vectors(state, contents, runner.take())

    def collect(i: int, value: Analysed | Problem) -> None:
        content = contents[i]
        _apply(content, value)
        for fid in content.file_ids:
            if isinstance(value, Problem):
                pending_rows.append((fid, None, value, None, None, None, None))
            else:
                d = value.decoded
                pending_rows.append((fid, d.info, None, value.phash, value.dhash, d.pixel_key, d.thumb_jpeg))
        if runner is not None and isinstance(value, Analysed) and value.decoded.cnn is not None:
            runner.put(i, value.decoded.cnn, value.decoded.cnn_inner)
        state.decoded += 1

    def job(i: int) -> tuple[str, int, bool]:
        return contents[i].paths[0], contents[i].size, i in need_embed

    workers = max(1, min(config.workers, len(todo)))
    try:
        if workers == 1 or len(todo) < 4:
            for i in todo:
                state.cancel.check()
                collect(i, analyse(job(i)))
                done += 1
                state.emit(ProgressEvent(Stage.DECODING, done, total, detail=contents[i].paths[0]))
                if len(pending_rows) >= SAVE_EVERY:
                    flush()
        else:
            _decode_in_pool(state, todo, job, collect, flush, workers, done, total)
        if runner is not None:
            _wait_for_embeddings(state, runner, len(need_embed))
    finally:
        if runner is not None:
            runner.finish()
        flush()


def _decode_in_pool(
    state: ScanState,
    todo: list[int],
    job: Callable[[int], tuple[str, int, bool]],
    collect: Callable[[int, Analysed | Problem], None],
    flush: Callable[[], None],
    workers: int,
    done: int,
    total: int,
) -> None:
    """Keep a few jobs per worker in flight (bounded memory), handle results as they finish, stop on cancel."""
    jobs = iter(todo)
    in_flight: dict[Future, int] = {}
    unsaved = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(), initializer=_ignore_sigint) as pool:
        try:
            while True:
                while len(in_flight) < workers * 4:
                    i = next(jobs, None)
                    if i is None:
                        break
                    in_flight[pool.submit(analyse, job(i))] = i
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i = in_flight.pop(fut)
                    collect(i, fut.result())
                    done += 1
                    unsaved += 1
                    state.emit(ProgressEvent(Stage.DECODING, done, total))
                if unsaved >= SAVE_EVERY:
                    flush()
                    unsaved = 0
                state.cancel.check()
        except Cancelled:
            for fut in in_flight:
                fut.cancel()
            raise


def _wait_for_embeddings(state: ScanState, runner: EmbeddingRunner, total: int) -> None:
    """After the last decode the model may still be working through its queue: report it, honour cancel."""
    while runner.count < total and runner.alive:
        state.emit(ProgressEvent(Stage.EMBEDDING, runner.count, total))
        state.cancel.check()
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
        c.vector = v.astype(np.float32)
        q = next((extra[f] for f in c.file_ids if f in extra), None)
        c.queries = None if q is None else q.astype(np.float32).reshape(-1, len(c.vector))
    return need


def _save_vectors(
    state: ScanState, contents: list[Content], done: list[tuple[int, np.ndarray, np.ndarray | None]]
) -> None:
    if not done:
        return
    rows, rot_rows = [], []
    for i, vector, queries in done:
        c = contents[i]
        c.vector = np.asarray(vector, dtype=np.float32)
        c.queries = None if queries is None else np.asarray(queries, dtype=np.float32)
        rows += [(fid, vector) for fid in c.file_ids]
        if queries is not None:
            rot_rows += [(fid, np.asarray(queries).reshape(-1)) for fid in c.file_ids]
    state.store.save_embeddings(rows, MODEL_ID)
    if rot_rows:
        state.store.save_embeddings(rot_rows, queries_id(state.rotations))
    state.embedded += len(done)


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
