"""The embedder loads the real ImageNet weights, every backend agrees with the torch reference, vectors are usable."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from dedup_gui.core.embedding import DIM, INPUT_SIZE, MODEL_ID, Embedder, classify, load_backend, load_embedder
from dedup_gui.core.embedding.onnx_backend import STALE_EXPORT_S, onnx_file_name, remove_stale_exports

PHOTOS = ("chelsea", "astronaut", "coffee", "rocket")


def _photo(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)())


def _pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB").resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR), dtype=np.uint8)


@pytest.fixture(scope="module")
def photos() -> np.ndarray:
    return np.stack([_pixels(_photo(name)) for name in PHOTOS])


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embed-cache")


@pytest.fixture(scope="module")
def reference() -> Embedder:
    return load_backend("torch-cpu")


@pytest.fixture(scope="module")
def embedder(cache_dir: Path) -> Embedder:
    """What the app gets on this CPU-only machine."""
    return load_embedder(device="cpu", cache_dir=cache_dir)


def test_import_does_not_load_torch_or_onnxruntime() -> None:
    code = "import sys, dedup_gui.core.embedding; print(sorted({'torch', 'onnxruntime'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"


def test_weights_classify_the_cat(photos: np.ndarray) -> None:
    from torchvision.models import EfficientNet_B0_Weights

    categories = EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"]
    logits = classify(photos[:1])
    assert logits.shape == (1, 1000)
    top3 = [categories[i] for i in np.argsort(logits[0])[::-1][:3]]
    assert any("cat" in name for name in top3), top3


def test_batchnorm_folding_keeps_the_features(photos: np.ndarray) -> None:
    import torch

    from dedup_gui.core.embedding.lite0_net import load_lite0, preprocess_nhwc_uint8

    x = preprocess_nhwc_uint8(torch.from_numpy(photos[:2].copy()))
    with torch.inference_mode():
        plain, folded = (load_lite0(fold_bn=fold).embed(x).numpy() for fold in (False, True))
    np.testing.assert_allclose(folded, plain, rtol=1e-4, atol=1e-4)


def test_default_cpu_backend_is_onnx(embedder: Embedder, cache_dir: Path) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.backend == "onnx-cpu"
    assert (embedder.model_id, embedder.dim, embedder.input_size) == (MODEL_ID, DIM, INPUT_SIZE)
    assert [p.suffix for p in cache_dir.iterdir()] == [".onnx"]  # no temp files left behind


def _agreement(reference: Embedder, other: Embedder, photos: np.ndarray) -> np.ndarray:
    cosines = np.sum(reference.embed(photos) * other.embed(photos), axis=1)
    logging.getLogger(__name__).info("%s vs torch-cpu cosines: %s", other.backend, np.round(cosines, 6))
    return cosines


def test_onnx_agrees_with_fp32_reference(reference: Embedder, embedder: Embedder, photos: np.ndarray) -> None:
    assert _agreement(reference, embedder, photos).min() > 0.999


def test_a_batch_larger_than_a_session_run_is_embedded_in_parts_with_the_same_vectors(
    embedder: Embedder, photos: np.ndarray
) -> None:
    """ONNX Runtime keeps the memory of the largest run a session made (581 MB after 32 rows against 325 MB after
    16), so a scan's batch with its framed pictures or rotations goes in parts; each image keeps its own vector."""
    from dedup_gui.core.embedding.onnx_backend import MAX_ROWS, OnnxEmbedder

    assert isinstance(embedder, OnnxEmbedder)
    turned = [np.ascontiguousarray(np.rot90(photos, r, axes=(1, 2))) for r in range(4)]
    batch = np.concatenate([*turned, photos[:, ::-1]])  # 20 rows
    assert len(batch) > MAX_ROWS
    session = embedder._session
    rows_run: list[int] = []
    real_run = session.run

    def counting_run(names: list[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        rows_run.extend(len(v) for v in feed.values())
        return real_run(names, feed)

    embedder._session = type("Counted", (), {"run": staticmethod(counting_run)})()
    try:
        together = embedder.embed(batch)
    finally:
        embedder._session = session
    assert max(rows_run) <= MAX_ROWS and sum(rows_run) == len(batch)
    alone = np.concatenate([embedder.embed(batch[n : n + 1]) for n in range(len(batch))])
    assert together.shape == alone.shape
    assert np.abs(together - alone).max() < 1e-4


def test_cuda_agrees_with_fp32_reference(reference: Embedder, photos: np.ndarray) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    cuda = load_embedder(device="gpu")
    assert cuda.backend == "torch-cuda"
    assert cuda.pad_to > 1  # type: ignore[attr-defined]
    assert _agreement(reference, cuda, photos).min() > 0.999


def test_a_padded_batch_gives_each_image_its_own_vector(reference: Embedder, photos: np.ndarray) -> None:
    """On CUDA every batch is padded with blank images to a fixed multiple (few shapes for cuDNN to prepare); the
    padding must neither reach the caller nor change the real images' vectors."""
    import torch

    from dedup_gui.core.embedding.torch_backend import TorchEmbedder

    padded = TorchEmbedder("cpu", torch.float32, channels_last=True, net=reference.net)  # type: ignore[attr-defined]
    padded.pad_to = 8
    for count in (1, 3, 4):
        vectors = padded.embed(photos[:count])
        assert vectors.shape == (count, DIM)
        np.testing.assert_allclose(vectors, reference.embed(photos[:count]), atol=1e-5)


def test_vectors_are_unit_float32_and_batch_independent(embedder: Embedder, photos: np.ndarray) -> None:
    batch = embedder.embed(photos)
    assert batch.shape == (len(photos), DIM)
    assert batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    singles = np.concatenate([embedder.embed(photos[i : i + 1]) for i in range(len(photos))])
    np.testing.assert_allclose(batch, singles, atol=1e-5)
    assert embedder.embed(photos[:0]).shape == (0, DIM)


def test_rejects_wrong_input(embedder: Embedder, photos: np.ndarray) -> None:
    with pytest.raises(TypeError):
        embedder.embed(photos.astype(np.float32))
    with pytest.raises(ValueError):
        embedder.embed(photos[:, :100])


def _edited_copy(img: Image.Image) -> Image.Image:
    """A typical near-duplicate: downscaled, recompressed as JPEG, slightly brightened."""
    small = img.resize((img.width * 3 // 5, img.height * 3 // 5), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, format="JPEG", quality=70)
    return ImageEnhance.Brightness(Image.open(buf)).enhance(1.12)


def test_near_duplicate_is_close_and_other_photos_are_not(embedder: Embedder, photos: np.ndarray) -> None:
    edited = np.stack([_pixels(_edited_copy(_photo(name))) for name in PHOTOS])
    originals = embedder.embed(photos)
    copies = embedder.embed(edited)
    same = np.sum(originals * copies, axis=1)
    sims = originals @ originals.T
    different = sims[~np.eye(len(PHOTOS), dtype=bool)]
    logging.getLogger(__name__).info(
        "edited-copy cosines %s; different-photo cosines %s", np.round(same, 3), np.round(sims, 3)
    )
    assert same.min() > 0.9, same
    assert different.max() < 0.6, sims
    assert different.max() < same.min() - 0.3


def test_cached_export_is_reused_and_a_corrupt_one_rebuilt(
    cache_dir: Path, photos: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dedup_gui.core.embedding import onnx_backend

    load_backend("onnx-cpu", cache_dir)  # ensure the file exists
    (good,) = cache_dir.glob("*.onnx")
    saved = good.read_bytes()
    exports: list[Path] = []

    def fake_export(path: Path) -> float:
        exports.append(path)
        path.write_bytes(saved)
        return 0.0

    monkeypatch.setattr(onnx_backend, "export_in_subprocess", fake_export)
    load_backend("onnx-cpu", cache_dir)
    assert exports == []
    good.write_bytes(b"not an onnx file")
    rebuilt = load_backend("onnx-cpu", cache_dir)
    assert exports == [good]
    assert rebuilt.embed(photos[:1]).shape == (1, DIM)


def test_falls_back_to_torch_when_onnx_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from dedup_gui.core.embedding import onnx_backend

    def broken(*args: object, **kwargs: object) -> NoReturn:
        raise onnx_backend.ExportError("simulated")

    monkeypatch.setattr(onnx_backend, "load_onnx_embedder", broken)
    with caplog.at_level(logging.WARNING, logger="dedup_gui.embedding"):
        fallback = load_embedder(device="cpu", cache_dir=tmp_path)
    assert fallback.backend == "torch-cpu"
    assert "simulated" in caplog.text


def test_gpu_request_without_cuda_warns_and_uses_cpu(cache_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with caplog.at_level(logging.WARNING, logger="dedup_gui.embedding"):
        assert load_embedder(device="gpu", cache_dir=cache_dir).backend == "onnx-cpu"
    assert "CUDA is not available" in caplog.text
    with pytest.raises(ValueError):
        load_embedder(device="tpu", cache_dir=cache_dir)


def test_bundled_graph_is_used_without_exporting(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dedup_gui.core.embedding import bundled, onnx_backend, spec

    (cached,) = cache_dir.glob("*.onnx")
    shipped = tmp_path / "models" / cached.name
    shipped.parent.mkdir()
    shipped.write_bytes(cached.read_bytes())
    bundled.write_manifest(shipped, spec.EXPORT_FORMAT, "test")
    monkeypatch.setattr(bundled, "bundle_models_dir", lambda: shipped.parent)

    def no_export(path: Path) -> NoReturn:
        raise AssertionError(f"exported to {path} although a bundled graph exists")

    monkeypatch.setattr(onnx_backend, "export_in_subprocess", no_export)
    embedder = load_embedder(device="cpu", cache_dir=tmp_path / "empty-cache")
    assert embedder.backend == "onnx-cpu"
    assert getattr(embedder, "model_path", None) == shipped


def test_an_export_killed_midway_leaves_nothing_behind_for_long(tmp_path: Path) -> None:
    """A window closed or a scan killed while exporting leaves a temporary file; the next export removes it once
    old, and never one that another export may still be writing."""
    target = tmp_path / onnx_file_name()
    stale, live = (tmp_path / f"{target.name}.{name}.tmp" for name in ("k1ll3d", "wr1t1ng"))
    for f in (stale, live):
        f.write_bytes(b"partial graph")
    old = time.time() - STALE_EXPORT_S - 60
    os.utime(stale, (old, old))
    (tmp_path / "other.onnx.x.tmp").write_bytes(b"not ours")
    os.utime(tmp_path / "other.onnx.x.tmp", (old, old))
    assert remove_stale_exports(target) == 1
    assert not stale.exists() and live.exists() and (tmp_path / "other.onnx.x.tmp").exists()
