"""Build step: export the embedding network to ONNX (with torch, in the build venv) for the bundle to ship.

    python packaging/export_model.py OUT_DIR

Uses the app's own exporter (`onnx_backend.export_onnx`, which checks the graph against torch) and writes the
manifest that `dedup_gui.core.embedding.bundled` reads at run time. Reuses OUT_DIR's graph when its manifest
still matches this code and these weights, so a rebuild skips the export.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from dedup_gui.core.embedding.bundled import MANIFEST_NAME, bundled_onnx_path, write_manifest
from dedup_gui.core.embedding.onnx_backend import export_onnx, onnx_file_name
from dedup_gui.core.embedding.spec import EXPORT_FORMAT, weights_fingerprint


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    target = out / onnx_file_name()
    current = bundled_onnx_path(out)
    if current == target:
        print(f"model up to date: {target}")
        return 0
    for old in out.glob("*.onnx"):
        old.unlink()
    start = time.perf_counter()
    export_onnx(target)
    target.chmod(0o644)  # the exporter's temporary file is private; the bundle may be installed for all users
    manifest = write_manifest(target, EXPORT_FORMAT, weights_fingerprint())
    size = target.stat().st_size / 1e6
    print(f"exported {target.name} ({size:.1f} MB) in {time.perf_counter() - start:.1f} s")
    print(json.dumps(json.loads((out / MANIFEST_NAME).read_text()), indent=None), f"-> {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
