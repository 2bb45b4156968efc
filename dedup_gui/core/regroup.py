"""Regroup the last scan under another mode without reading a single image: pairs and facts come from the store.

A scan's groups under each mode are made when the scan ends and kept with it, under a key of everything grouping
depends on besides the scan (the mode, thresholds, keeper rules, the user's "not duplicates"): regrouping is then
a read (at 100,000 photos through the CLI 0.6-1.3 s, against 3.1 s in near mode and 4.7 s in similar mode made
afresh, more when pairs are verified on demand).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from dedup_gui import __version__
from dedup_gui.core import collector
from dedup_gui.core.assemble import apart_pairs, build_groups
from dedup_gui.core.checker import PairChecker, StoredVerdicts, content_sources, stored_thumbnails
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.embedding import MODEL_ID
from dedup_gui.core.embedding_runner import queries_id
from dedup_gui.core.errors import DedupError, StoreError
from dedup_gui.core.keeper import DEFAULT_KEEPER_RULES
from dedup_gui.core.kept_keypoints import StoredKeypoints
from dedup_gui.core.linking import MATCH_VERSION, OnDemandLinks
from dedup_gui.core.progress import Cancelled
from dedup_gui.core.protection import ProtectedFolders
from dedup_gui.core.serialize import evidence_from_dict, group_from_dict, group_to_dict, result_from_dict
from dedup_gui.core.store import CachedImage, Store
from dedup_gui.core.types import FileRecord, Group, Mode, PairEvidence, ScanResult
from dedup_gui.core.worker import ANALYSIS_VERSION

log = logging.getLogger("dedup_gui.regroup")


def regroup(
    store: Store, mode: Mode, base: ScanConfig | None = None, check: Callable[[], None] = lambda: None
) -> ScanResult:
    """The last scan's result with groups rebuilt from its stored pairs for `mode` (and base's thresholds), or
    read back when that scan's groups under the same settings were kept. `check` may raise Cancelled between
    pairs verified on demand."""
    with collector.held_off():  # a 100k library's records, read at once, are not walked by every collection
        last = store.last_scan(completed=True)
        # each bulk read is put out of the collector's reach as it is made: one full collection walking a 100k
        # library's pairs and records holds the GIL (the window) for 100 ms or more (see collector.py)
        collector.settle()
        if last is None:
            raise DedupError("nothing to regroup: run a scan first")
        scan_id, config_dict, result_dict = last
        del last
        try:
            return _regrouped(store, scan_id, config_dict, result_dict, mode, base, check)
        finally:  # the parsed result (a million objects at 100k) freed a slice at a time: see collector.release
            collector.release_parsed(result_dict)


def _regrouped(
    store: Store,
    scan_id: int,
    config_dict: dict,
    result_dict: dict,
    mode: Mode,
    base: ScanConfig | None,
    check: Callable[[], None],
) -> ScanResult:
    """regroup() once the last scan is read."""
    config = replace(base or ScanConfig(roots=()), mode=mode)
    not_dups = store.not_duplicates()
    key = grouping_key(config, not_dups)
    kept = store.regrouped(scan_id, key)
    if kept is not None and kept[0] is None:
        return result_from_dict(result_dict, scan_id)  # the scan's own groups
    # the stored groups are replaced: only the rest of the result is read back
    previous = result_from_dict({**result_dict, "details": []}, scan_id)
    if kept is not None and kept[0] is not None:
        details = kept[0]["details"]
        del kept
        try:
            return replace(previous, groups=tuple(group_from_dict(g) for g in details))
        finally:
            collector.release(details)
    groups = _made(store, scan_id, config_dict, config, not_dups, key, check)
    return replace(previous, groups=tuple(groups))


def _made(
    store: Store,
    scan_id: int,
    config_dict: dict,
    config: ScanConfig,
    not_dups: set[tuple[str, str]],
    key: str,
    check: Callable[[], None],
) -> list[Group]:
    """The scan's groups made afresh from its pairs under `config`, and kept under `key`."""
    groups = _regroup(store, scan_id, config_dict, config, not_dups, check)
    try:
        store.save_regroup(scan_id, key, {"details": [group_to_dict(g) for g in groups]})
    except StoreError as exc:  # only a cache: a store that cannot be written still regroups
        log.warning("the groups were not kept: %s", exc)
    return groups


def keep_modes(
    store: Store,
    scan_id: int,
    config: ScanConfig,
    same_as: int | None = None,
    check: Callable[[], None] = lambda: None,
) -> None:
    """When a scan has ended: its own groups are its mode's, and the other modes' are made now and kept, so a
    regroup under the scan's settings is a read. `same_as`: an earlier scan whose links this one reused as they
    were (same files, same settings, no link added): its kept groups are this scan's too, and are copied rather
    than made again (an unchanged 100k rescan: about 10 s of regrouping). Only a cache: a failure or a cancel
    (`check` raises Cancelled) leaves the scan's result as it is, and a later regroup makes what is missing."""
    try:
        last = store.last_scan_config(completed=True)
        if last is None or last[0] != scan_id:
            return  # a newer scan has completed since: its own end keeps its groups
        config_dict = last[1]  # not its result: the groups made here are kept, not returned (12 MB at 100k)
        not_dups = store.not_duplicates()
        store.save_regroup(scan_id, grouping_key(config, not_dups), None)
        for mode in Mode:
            if mode is config.mode:
                continue
            other = replace(config, mode=mode)
            key = grouping_key(other, not_dups)
            check()
            if same_as is None or not store.copy_regroup(same_as, scan_id, key):
                with collector.held_off():
                    _made(store, scan_id, config_dict, other, not_dups, key, check)
        store.drop_regroups(but=scan_id)  # a regroup reads the last completed scan's: 24 MB a scan at 100k
    except Cancelled:
        log.info("cancelled: the other modes are grouped when asked for")
    except DedupError as exc:
        log.warning("the other modes' groups were not kept: %s", exc)


def grouping_key(config: ScanConfig, not_dups: set[tuple[str, str]]) -> str:
    """A digest of what a scan's groups depend on besides the scan: the mode, the thresholds grouping uses, the
    keeper rules, the pairs the user said are not duplicates, and the app's rules (its version, and the matching
    version, which a change to who may join a group bumps between releases too)."""
    rules = tuple(config.keeper_rules or DEFAULT_KEEPER_RULES)
    what = (
        __version__,
        MATCH_VERSION,
        config.mode.value,
        config.hashes,
        config.similar_cosine,
        rules,
        sorted(not_dups),
    )
    return hashlib.sha1(repr(what).encode()).hexdigest()


def _regroup(
    store: Store,
    scan_id: int,
    config_dict: dict,
    config: ScanConfig,
    not_dups: set[tuple[str, str]],
    check: Callable[[], None],
) -> list[Group]:
    mode = config.mode
    references = ProtectedFolders(config_dict.get("references", ()))
    pairs = store.scan_pairs(scan_id)
    collector.settle()
    copies: dict[str, list[str]] = {}
    links_by_path: list[tuple[str, str, PairEvidence]] = []
    for a, b, ev in collector.settling(pairs):
        if ev.get("method") == "bytes":
            copies.setdefault(a, [a]).append(b)
        else:
            links_by_path.append((a, b, evidence_from_dict({"a": a, "b": b, **ev} if "a" not in ev else ev)))
    # only files with a link the mode admits can be in a group: the rest are not read (exact mode after a near
    # scan reads the byte and pixel copies alone); links between those files still count (another shot contradicts)
    collector.settle()
    reps = sorted({p for a, b, ev in links_by_path if ev.tier in mode.tiers for p in (a, b)} | set(copies))
    ids = store.file_ids()
    # a content's decode and vectors may be stored under any of its files (a scan reuses a byte copy's), as the
    # scan looks them up: by the first path alone, a photo changed and put back lost its backup copy's group
    id_lists = {rep: [ids[p] for p in copies.get(rep, [rep]) if p in ids] for rep in reps}
    all_ids = [i for fids in id_lists.values() for i in fids]
    cached = store.cached_images(all_ids, ANALYSIS_VERSION)
    vectors = store.embeddings(all_ids, MODEL_ID)
    # extra queries (framed picture, rotations) as the scan stored them, under whichever rotation setting it had
    queries = store.embeddings(all_ids, queries_id(False)) | store.embeddings(all_ids, queries_id(True))
    facts = store.image_facts([p for rep in reps for p in copies.get(rep, [rep])])
    collector.settle()
    contents: list[Content] = []
    index: dict[str, int] = {}
    records: list[FileRecord] = []
    for rep in collector.settling(reps):
        paths = copies.get(rep, [rep])
        fids = id_lists[rep]
        at = next((k for k, f in enumerate(fids) if f in cached), 0)
        hit = cached.get(fids[at]) if fids else None
        if not isinstance(hit, CachedImage) or any(p not in facts for p in paths):
            continue  # forgotten since the scan
        vec = next((vectors[f] for f in fids if f in vectors), None)
        extra = next((queries[f] for f in fids if f in queries), None)
        index[rep] = len(contents)
        content = Content(paths, [ids[p] for p in paths], facts[rep][0], hit.info, hit.phash, hit.dhash, hit.pixel_key)
        content.stored_at = at  # as the scan chose it: its verdicts are stored under that file
        if vec is not None:
            content.vector = vec.astype(np.float32)
            content.queries = None if extra is None else extra.astype(np.float32).reshape(-1, len(vec))
        contents.append(content)
        for p in paths:
            size, mtime, _ = facts[p]
            records.append(FileRecord(p, size, mtime, 0, references.holds(p)))
    links = [(index[a], index[b], ev) for a, b, ev in links_by_path if a in index and b in index]
    collector.settle()
    # every file's content hash is read only when there are "not duplicates" pairs
    apart = apart_pairs(contents, store.full_hashes() if not_dups else {}, not_dups)
    oracle = None
    checker: PairChecker | None = None
    if config_dict.get("embeddings", True):
        # the stored verdicts decide who contradicts whom, read by key for the pairs assembly asks about; a pair
        # never verified is verified from the thumbnails (one pair at a time: no cluster order needed)
        verdicts = StoredVerdicts(store, contents)
        checker = PairChecker(
            stored_thumbnails(store, contents),
            verdicts,
            sources=content_sources(contents),
            workers=config.workers,
            check=check,
            scratch=store.path.parent,
            kept=StoredKeypoints(store, contents),
        )
        oracle = OnDemandLinks(contents, config, checker, stored=True)
    groups = build_groups(contents, links, records, config, apart, oracle)
    # freed a slice at a time, so that the window's thread is not kept waiting (see collector.release)
    if checker is not None:
        checker.release()
    collector.release(pairs, links_by_path, links, contents, records, cached, vectors, queries, facts, ids, index)
    return groups
