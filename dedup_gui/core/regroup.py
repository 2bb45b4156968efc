"""Regroup the last scan under another mode without reading a single image: pairs and facts come from the store."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from dedup_gui.core import collector
from dedup_gui.core.assemble import apart_pairs, build_groups
from dedup_gui.core.checker import PairChecker, StoredVerdicts, content_sources, stored_thumbnails
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.embedding import MODEL_ID
from dedup_gui.core.embedding_runner import queries_id
from dedup_gui.core.errors import DedupError
from dedup_gui.core.linking import OnDemandLinks
from dedup_gui.core.serialize import evidence_from_dict, result_from_dict
from dedup_gui.core.store import CachedImage, Store
from dedup_gui.core.types import FileRecord, Mode, PairEvidence, ScanResult
from dedup_gui.core.worker import ANALYSIS_VERSION


def regroup(store: Store, mode: Mode, base: ScanConfig | None = None) -> ScanResult:
    """The last scan's result with groups rebuilt from its stored pairs for `mode` (and base's thresholds)."""
    with collector.held_off():  # a 100k library's records, read at once, are not walked by every collection
        return _regroup(store, mode, base)


def _regroup(store: Store, mode: Mode, base: ScanConfig | None) -> ScanResult:
    last = store.last_scan(completed=True)
    if last is None:
        raise DedupError("nothing to regroup: run a scan first")
    scan_id, config_dict, result_dict = last
    references = tuple(os.path.realpath(r) for r in config_dict.get("references", ()))
    config = replace(base or ScanConfig(roots=()), mode=mode)
    pairs = store.scan_pairs(scan_id)
    copies: dict[str, list[str]] = {}
    links_by_path: list[tuple[str, str, PairEvidence]] = []
    for a, b, ev in pairs:
        if ev.get("method") == "bytes":
            copies.setdefault(a, [a]).append(b)
        else:
            links_by_path.append((a, b, evidence_from_dict({"a": a, "b": b, **ev} if "a" not in ev else ev)))
    # only files with a link the mode admits can be in a group: the rest are not read (exact mode after a near
    # scan reads the byte and pixel copies alone); links between those files still count (another shot contradicts)
    reps = sorted({p for a, b, ev in links_by_path if ev.tier in mode.tiers for p in (a, b)} | set(copies))
    ids = store.file_ids()
    cached = store.cached_images([ids[p] for p in reps if p in ids], ANALYSIS_VERSION)
    rep_ids = [ids[p] for p in reps if p in ids]
    vectors = store.embeddings(rep_ids, MODEL_ID)
    # extra queries (framed picture, rotations) as the scan stored them, under whichever rotation setting it had
    queries = store.embeddings(rep_ids, queries_id(False)) | store.embeddings(rep_ids, queries_id(True))
    facts = store.image_facts([p for rep in reps for p in copies.get(rep, [rep])])
    contents: list[Content] = []
    index: dict[str, int] = {}
    records: list[FileRecord] = []
    for rep in reps:
        paths = copies.get(rep, [rep])
        hit = cached.get(ids.get(rep, -1))
        if not isinstance(hit, CachedImage) or any(p not in facts for p in paths):
            continue  # forgotten since the scan
        vec = vectors.get(ids[rep])
        extra = queries.get(ids[rep])
        index[rep] = len(contents)
        content = Content(paths, [ids[p] for p in paths], facts[rep][0], hit.info, hit.phash, hit.dhash, hit.pixel_key)
        if vec is not None:
            content.vector = vec.astype(np.float32)
            content.queries = None if extra is None else extra.astype(np.float32).reshape(-1, len(vec))
        contents.append(content)
        for p in paths:
            size, mtime, _ = facts[p]
            records.append(FileRecord(p, size, mtime, 0, bool(references) and _under(p, references)))
    links = [(index[a], index[b], ev) for a, b, ev in links_by_path if a in index and b in index]
    collector.settle()
    not_dups = store.not_duplicates()  # every file's content hash is read only when there are some
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
            scratch=store.path.parent,
        )
        oracle = OnDemandLinks(contents, config, checker, stored=True)
    groups = build_groups(contents, links, records, config, apart, oracle)
    # the stored groups are replaced: only the rest of the result is read back
    previous = result_from_dict({**result_dict, "details": []}, scan_id)
    # freed a slice at a time, so that the window's thread is not kept waiting (see collector.release)
    if checker is not None:
        checker.release()
    collector.release(pairs, links_by_path, links, contents, records, cached, vectors, queries, facts, ids, index)
    return replace(previous, groups=tuple(groups))


def _under(path: str, roots: tuple[str, ...]) -> bool:
    """In (or under) one of these real folders, by the file's real path (resolving it costs a stat per part)."""
    real = os.path.realpath(path)
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)
