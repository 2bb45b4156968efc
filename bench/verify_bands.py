"""Where verification spends its larger decodes, by candidate band, and what they settle: read from a scanned store.

    python bench/verify_bands.py STORE [--truth TRUTH.json --root PHOTOS]

Rebuilds the last scan's candidate pairs from the store (hashes and embeddings as stored, the scan's settings),
joins each with its stored verdict, and prints per band (close hashes; cosine 0.6-0.7, 0.7-0.8, 0.8-0.9, 0.9+):
pairs, pairs verified on a larger decode, whole-picture alignment, verdicts, and with a truth file (an evaluation
set's truth.json) the true copy pairs among them and how many of those only the larger decode made a copy. A rule
that skips larger decodes for a band is safe only where that last count is 0 on every set, camera-sized ones too.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from dedup_gui.core.candidates import candidates
from dedup_gui.core.checker import _verification, verdict_version
from dedup_gui.core.config import ScanConfig
from dedup_gui.core.content import Content
from dedup_gui.core.embedding import MODEL_ID
from dedup_gui.core.embedding_runner import queries_id
from dedup_gui.core.store import CachedImage, Store
from dedup_gui.core.worker import ANALYSIS_VERSION

BANDS = ((0.9, "0.9+"), (0.8, "0.8-0.9"), (0.7, "0.7-0.8"), (0.6, "0.6-0.7"), (-1.0, "below 0.6"))


def band(hash_close: bool, cosine: float | None) -> str:
    if hash_close:
        return "hashes close"
    if cosine is None:
        return "no cosine"
    return next(name for lo, name in BANDS if cosine >= lo)


def true_pairs(truth_path: Path, root: Path) -> set[frozenset[str]]:
    """Copy pairs of the truth (other shots excluded), as real paths."""
    truth = json.loads(truth_path.read_text())
    out: set[frozenset[str]] = set()
    for group in truth["groups"]:
        members = [f for f, kind in group["kinds"].items() if kind != "similar"]
        paths = [str((root / m).resolve()) for m in members]
        out |= {frozenset((a, b)) for k, a in enumerate(paths) for b in paths[k + 1 :]}
    return out


def stored_contents(store: Store) -> tuple[list[Content], ScanConfig]:
    """The last completed scan's contents as the store has them (decodes, hashes, embeddings; byte copies as one
    content) and its settings: what a scan would search for candidates, with nothing decoded again."""
    scan_id, config_dict, _ = store.last_scan(completed=True) or (None, {}, {})
    copies: dict[str, list[str]] = {}
    for a, b, ev in store.scan_pairs(scan_id) if scan_id is not None else []:
        if ev.get("method") == "bytes":
            copies.setdefault(a, [a]).append(b)
    copied = {p for ps in copies.values() for p in ps[1:]}
    ids = store.file_ids()
    cached = store.cached_images(ids.values(), ANALYSIS_VERSION)
    vectors = store.embeddings(ids.values(), MODEL_ID)
    queries = store.embeddings(ids.values(), queries_id(False)) | store.embeddings(ids.values(), queries_id(True))
    contents = []
    for path in sorted(p for p in ids if p not in copied):
        hit = cached.get(ids[path])
        if not isinstance(hit, CachedImage):
            continue
        paths = copies.get(path, [path])
        c = Content(paths, [ids[p] for p in paths], 0, hit.info, hit.phash, hit.dhash, hit.pixel_key)
        vec, extra = vectors.get(ids[path]), queries.get(ids[path])
        if vec is not None:
            c.vector = vec
            c.queries = None if extra is None else extra.reshape(-1, len(vec))
        contents.append(c)
    config = ScanConfig(roots=(), min_cosine=config_dict.get("min_cosine", 0.6))
    return contents, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--root", type=Path)
    args = parser.parse_args()
    store = Store(args.store)
    contents, config = stored_contents(store)
    found = candidates(contents, config, lambda: None)
    by_ids = {(contents[i].file_ids[0], contents[j].file_ids[0]): (i, j) for i, j in found}
    verdicts = {
        by_ids[k]: v for k, v in store.verdicts(by_ids, verdict_version(), _verification).items() if k in by_ids
    }
    truth = true_pairs(args.truth, args.root) if args.truth and args.root else None
    rows: dict[str, Counter[str]] = {}
    for (i, j), cand in found.items():
        row = rows.setdefault(band(cand.hash_close, cand.cosine), Counter())
        row["pairs"] += 1
        v = verdicts.get((i, j))
        if v is None:
            row["no verdict"] += 1
            continue
        row[v.verdict] += 1
        row["larger decode"] += v.detail
        row["dense"] += v.dense
        if (
            truth is not None
            and frozenset((str(Path(contents[i].paths[0]).resolve()), str(Path(contents[j].paths[0]).resolve())))
            in truth
        ):
            row["true copies"] += 1
            row["true, copy only by larger decode"] += v.detail and v.verdict == "same-photo"
    names = ["hashes close", *(name for _, name in BANDS), "no cosine"]
    cols = ["pairs", "larger decode", "dense", "same-photo", "similar", "different", "no verdict"]
    if truth is not None:
        cols += ["true copies", "true, copy only by larger decode"]
    print(f"{len(contents)} contents, {len(found)} candidate pairs, {len(verdicts)} with a stored verdict")
    print("| band | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for name in names:
        if name in rows:
            print(f"| {name} | " + " | ".join(str(rows[name][c]) for c in cols) + " |")
    total = Counter()
    for r in rows.values():
        total.update(r)
    print("| all | " + " | ".join(str(total[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
