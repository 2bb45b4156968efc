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
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from dedup_gui.core import contenthash, scanning
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.grouping import Link, keeper_key, propose_keeper, star_groups
from dedup_gui.core.hashing import TRANSFORMS, best_transform, hamming
from dedup_gui.core.index import dihedral_hash_pairs
from dedup_gui.core.progress import Cancelled, CancelToken, NullSink, ProgressEvent, ProgressSink, Stage, Throttle
from dedup_gui.core.serialize import evidence_to_dict, result_to_dict
from dedup_gui.core.store import CachedImage, Store
from dedup_gui.core.types import (
    FileRecord,
    Group,
    ImageInfo,
    Member,
    PairEvidence,
    Problem,
    ProblemKind,
    ScanResult,
    ScanStats,
    ScanStatus,
    Tier,
)
from dedup_gui.core.worker import ANALYSIS_VERSION, Analysed, analyse

log = logging.getLogger("dedup_gui.pipeline")

SAVE_EVERY = 128  # decode results per store transaction


@dataclass
class Content:
    """One distinct file content: its byte-identical copies share one decode and one node in the graph."""

    paths: list[str]
    file_ids: list[int]
    size: int
    info: ImageInfo | None = None
    phash: np.ndarray | None = None
    dhash: np.ndarray | None = None
    pixel_key: str | None = None
    problem: Problem | None = None


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
            links = _match(state, contents)
        with state.stage(Stage.GROUPING):
            groups = build_groups(contents, links, records, config)
    except Cancelled:
        status = ScanStatus.CANCELLED
        groups = []
    problems = _unique_problems(state.problems + [c.problem for c in contents if c.problem for _ in c.paths])
    problems = _expand_copy_problems(problems, contents)
    stats = ScanStats(
        files=len(records),
        images=sum(len(c.paths) for c in contents if c.info is not None),
        bytes=sum(r.size for r in records),
        decoded=state.decoded,
        from_cache=state.from_cache,
        candidate_pairs=len(links),
        seconds=dict(state.seconds),
    )
    result = ScanResult(status, tuple(groups), tuple(problems), stats, scan_id)
    with state.stage(Stage.SAVING):
        state.emit(ProgressEvent(Stage.SAVING, 0, 1))
        pairs = [(contents[a].paths[0], contents[b].paths[0], evidence_to_dict(ev)) for a, b, ev in links]
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
    """Decode each content not in the cache, on all cores; results are saved in chunks as they arrive."""
    store = state.store
    cached = store.cached_images([fid for c in contents for fid in c.file_ids], ANALYSIS_VERSION)
    todo: list[Content] = []
    for c in contents:
        if c.size == 0:
            c.problem = Problem(c.paths[0], ProblemKind.EMPTY, "empty file (0 bytes)")
            continue
        hit = next((cached[fid] for fid in c.file_ids if fid in cached), None)
        if hit is None:
            todo.append(c)
        else:
            _apply(c, hit)
            state.from_cache += len(c.paths)
    total = len(contents)
    done = total - len(todo)
    state.emit(ProgressEvent(Stage.DECODING, done, total))
    if not todo:
        return
    pending_rows: list[tuple] = []

    def flush() -> None:
        if pending_rows:
            store.save_images(pending_rows, ANALYSIS_VERSION)
            pending_rows.clear()

    def collect(content: Content, value: Analysed | Problem) -> None:
        _apply(content, value)
        for fid in content.file_ids:
            if isinstance(value, Problem):
                pending_rows.append((fid, None, value, None, None, None, None))
            else:
                d = value.decoded
                pending_rows.append((fid, d.info, None, value.phash, value.dhash, d.pixel_key, d.thumb_jpeg))
        state.decoded += 1

    jobs = iter(todo)
    workers = max(1, min(state.config.workers, len(todo)))
    in_flight: dict[Future, Content] = {}
    try:
        if workers == 1 or len(todo) < 4:
            for c in jobs:
                state.cancel.check()
                collect(c, analyse((c.paths[0], c.size, False)))
                done += 1
                state.emit(ProgressEvent(Stage.DECODING, done, total, detail=c.paths[0]))
                if len(pending_rows) >= SAVE_EVERY:
                    flush()
            return
        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(), initializer=_ignore_sigint) as pool:
            try:
                while True:
                    while len(in_flight) < workers * 4:
                        c = next(jobs, None)
                        if c is None:
                            break
                        in_flight[pool.submit(analyse, (c.paths[0], c.size, False))] = c
                    if not in_flight:
                        break
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        c = in_flight.pop(fut)
                        collect(c, fut.result())
                        done += 1
                        state.emit(ProgressEvent(Stage.DECODING, done, total, detail=c.paths[0]))
                    if len(pending_rows) >= SAVE_EVERY:
                        flush()
                    state.cancel.check()
            except Cancelled:
                for fut in in_flight:
                    fut.cancel()
                raise
    finally:
        flush()


def _hash_evidence(a: Content, b: Content, tier: Tier) -> PairEvidence:
    """Evidence that b is a copy of a by their hashes, naming the transform that turns a into b."""
    assert a.phash is not None and b.phash is not None and a.dhash is not None and b.dhash is not None
    t, dp, dd = best_transform(a.phash, b.phash, a.dhash, b.dhash)
    name = _INVERSE[TRANSFORMS[t]]
    what = "" if name == "identity" else f", {name.replace('+', ' and ').replace('rot', 'rotated ')}"
    return PairEvidence(
        a.paths[0],
        b.paths[0],
        tier,
        score=round(max(0.0, 1.0 - dp / 32.0), 3),
        method="hash",
        hash_distance=dp,
        transform=None if name == "identity" else name,
        description=f"pHash distance {dp}/64, dHash {dd}/64{what}",
    )


# T(b) ~ a means b looks like T^-1(a): name the inverse so the text describes b relative to a.
_INVERSE = {"identity": "identity", "rot90": "rot270", "rot180": "rot180", "rot270": "rot90"} | {
    t: t for t in TRANSFORMS if t.startswith("mirror")
}


def _match(state: ScanState, contents: list[Content]) -> list[tuple[int, int, PairEvidence]]:
    """Confirmed links between contents: same decoded pixels, or close perceptual hashes under some transform."""
    thr = state.config.hashes
    links: list[tuple[int, int, PairEvidence]] = []
    ok = [i for i, c in enumerate(contents) if c.info is not None]
    state.emit(ProgressEvent(Stage.MATCHING, 0, len(ok)))
    by_key: dict[str, list[int]] = defaultdict(list)
    for i in ok:
        if contents[i].pixel_key:
            by_key[contents[i].pixel_key].append(i)
    pixel_twins: set[tuple[int, int]] = set()
    for members in by_key.values():
        for j in members[1:]:
            a, b = contents[members[0]], contents[j]
            pixel_twins.add((members[0], j))
            links.append(
                (
                    members[0],
                    j,
                    PairEvidence(
                        a.paths[0], b.paths[0], Tier.EXACT, 1.0, "pixels", description="same pixels, different metadata"
                    ),
                )
            )
    hashable = [i for i in ok if not contents[i].info.uniform]  # type: ignore[union-attr]
    if len(hashable) >= 2:
        ph = np.stack([contents[i].phash for i in hashable])  # type: ignore[misc]
        dh = np.stack([contents[i].dhash for i in hashable])  # type: ignore[misc]
        ia, ib, it, _ = dihedral_hash_pairs(ph, thr.phash, check=state.cancel.check)
        dd = hamming(dh[ia, 0], dh[ib, it])
        for x, y in zip(ia[dd <= thr.dhash].tolist(), ib[dd <= thr.dhash].tolist(), strict=True):
            i, j = hashable[x], hashable[y]
            if (i, j) in pixel_twins or (j, i) in pixel_twins:
                continue
            links.append((i, j, _hash_evidence(contents[i], contents[j], Tier.SAME_PHOTO)))
    state.emit(ProgressEvent(Stage.MATCHING, len(ok), len(ok)))
    return links


def _compatible(contents: list[Content], linked: set[tuple[int, int]], radius: int) -> Callable[[int, int], bool]:
    def compatible(i: int, j: int) -> bool:
        if (i, j) in linked or (j, i) in linked:
            return True
        a, b = contents[i], contents[j]
        if a.phash is None or b.phash is None or a.info is None or b.info is None:
            return False
        if a.info.uniform or b.info.uniform:
            return False
        return int(hamming(a.phash[0], b.phash).min()) <= radius

    return compatible


def build_groups(
    contents: list[Content],
    links: list[tuple[int, int, PairEvidence]],
    records: list[FileRecord],
    config: ScanConfig,
) -> list[Group]:
    """Star groups over the links the mode admits, expanded to every exact copy, with a proposed keeper."""
    by_path = {r.path: r for r in records}
    tiers = config.mode.tiers
    admitted = [(a, b, ev) for a, b, ev in links if ev.tier in tiers]
    evidence = {(a, b): ev for a, b, ev in admitted} | {(b, a): ev for a, b, ev in admitted}
    compatible = _compatible(contents, set(evidence), config.hashes.compatible_phash)

    def member(path: str, c: Content) -> Member:
        r = by_path[path]
        return Member(path, r.size, r.protected, c.info, None)

    def anchor_rank(i: int) -> tuple:
        c = contents[i]
        key = min(keeper_key(member(p, c)) for p in c.paths)
        return tuple(-x if isinstance(x, int | bool) else x for x in key[:4])

    links_ = [Link(a, b, ev.score + (1.0 if ev.tier is Tier.EXACT else 0.0)) for a, b, ev in admitted]
    stars = star_groups(len(contents), links_, compatible, anchor_rank)
    in_star = {i for _, members in stars for i in members}
    # byte-identical copies of a content that matched nothing else still form a group of their own
    stars += [(i, [i]) for i, c in enumerate(contents) if len(c.paths) > 1 and c.info is not None and i not in in_star]
    groups: list[Group] = []
    for anchor, node_ids in stars:
        members = [member(p, contents[i]) for i in node_ids for p in contents[i].paths]
        keeper_path, reason = propose_keeper(members)
        keeper_node = next(i for i in node_ids if keeper_path in contents[i].paths)
        final: list[Member] = []
        tier = Tier.EXACT
        for i in node_ids:
            for p in contents[i].paths:
                m = member(p, contents[i])
                if p == keeper_path:
                    final.append(m)
                    continue
                if i == keeper_node:
                    ev = PairEvidence(keeper_path, p, Tier.EXACT, 1.0, "bytes", description="same bytes")
                else:
                    ev = _relative_to_keeper(contents, keeper_node, i, p, evidence, anchor)
                if ev.tier.rank > tier.rank:
                    tier = ev.tier
                final.append(Member(m.path, m.size, m.protected, m.info, ev))
        final.sort(key=lambda m: (m.path != keeper_path, m.path))
        groups.append(Group(tier, keeper_path, reason, tuple(final)))
    groups.sort(key=lambda g: (-g.reclaimable_bytes, g.keeper))
    return groups


def _relative_to_keeper(
    contents: list[Content],
    keeper: int,
    i: int,
    path: str,
    evidence: dict[tuple[int, int], PairEvidence],
    anchor: int,
) -> PairEvidence:
    """Evidence that member i is a copy of the keeper, oriented keeper -> member (transform, distance, text).

    The confirming link is the direct one when it exists, else the member's link to the group's anchor.
    """
    direct = evidence.get((keeper, i))
    link = direct or evidence[(anchor, i) if i != anchor else (i, keeper)]
    k, m = contents[keeper], contents[i]
    if link.method in ("pixels", "bytes") or k.phash is None or m.phash is None:
        return replace(link, a=k.paths[0], b=path)
    hashed = _hash_evidence(k, m, link.tier)
    via = "" if direct else f"; matched through {Path(contents[anchor].paths[0]).name}"
    return replace(
        link,
        a=k.paths[0],
        b=path,
        hash_distance=hashed.hash_distance,
        transform=hashed.transform,
        description=(hashed.description if link.method == "hash" else f"{link.description}; {hashed.description}")
        + via,
    )


def _unique_problems(problems: list[Problem]) -> list[Problem]:
    seen: dict[str, Problem] = {}
    for p in problems:
        seen.setdefault(p.path, p)
    return sorted(seen.values(), key=lambda p: p.path)


def _expand_copy_problems(problems: list[Problem], contents: list[Content]) -> list[Problem]:
    """A broken file's byte-identical copies are broken too: each is reported, none is grouped."""
    out = {p.path: p for p in problems}
    for c in contents:
        if c.problem is not None:
            for path in c.paths:
                out.setdefault(path, Problem(path, c.problem.kind, c.problem.message))
    return sorted(out.values(), key=lambda p: p.path)
