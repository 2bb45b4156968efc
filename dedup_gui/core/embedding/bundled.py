"""The ONNX graph shipped inside a packaged app: found beside the frozen program, so a bundle never needs torch.

At build time `packaging/export_model.py` exports the graph with the torch code in `onnx_backend` and writes it
with a small JSON manifest into the bundle's `models/` folder. At run time `bundled_onnx_path()` returns that
file when the manifest matches this code (model id and export format), and None otherwise, in which case the
embedder exports and caches the graph as usual. Importing this module is cheap: json, hashlib and paths only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from pathlib import Path

from .spec import EXPORT_FORMAT, MODEL_ID

log = logging.getLogger("dedup_gui.embedding")

MANIFEST_NAME = "embedding-model.json"
BUNDLE_MODELS_DIR = "models"


def bundle_models_dir() -> Path | None:
    """`models/` inside a PyInstaller bundle (sys._MEIPASS); None when running from a normal install."""
    base = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or base is None:
        return None
    return Path(base) / BUNDLE_MODELS_DIR


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(onnx_path: Path, export_format: int, weights: str) -> Path:
    """Describe `onnx_path` in a manifest beside it (build time): what it is and how to check it is intact."""
    manifest = {
        "model_id": MODEL_ID,
        "export_format": export_format,
        "file": onnx_path.name,
        "size": onnx_path.stat().st_size,
        "sha256": file_sha256(onnx_path),
        "weights": weights,
        "weights_licence": "Apache-2.0",
    }
    path = onnx_path.parent / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def bundled_onnx_path(models_dir: Path | None = None) -> Path | None:
    """The shipped graph when it is present, intact and made for this code; else None (with the reason logged)."""
    models_dir = models_dir if models_dir is not None else bundle_models_dir()
    if models_dir is None:
        return None
    manifest_path = models_dir / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        onnx_path = models_dir / str(manifest["file"])
        if manifest["model_id"] != MODEL_ID or manifest["export_format"] != EXPORT_FORMAT:
            log.warning(
                "bundled model %s (export %s) does not match %s (export %s); not used",
                manifest["model_id"],
                manifest["export_format"],
                MODEL_ID,
                EXPORT_FORMAT,
            )
            return None
        if onnx_path.stat().st_size != manifest["size"] or file_sha256(onnx_path) != manifest["sha256"]:
            log.warning("bundled model %s is damaged (size or checksum differ); not used", onnx_path)
            return None
    except FileNotFoundError:
        log.info("no bundled model in %s", models_dir)
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("bundled model manifest %s is unreadable (%s); not used", manifest_path, exc)
        return None
    return onnx_path
