"""ONNX Runtime backend: several times faster than eager torch on CPU; the graph is exported once and cached on disk."""

from __future__ import annotations

import copy
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .spec import DIM, EXPORT_FORMAT, INPUT_SIZE, MODEL_ID, check_batch, l2_normalise, weights_fingerprint

log = logging.getLogger("dedup_gui.embedding")

OPSET = 17
INPUT_NAME = "pixels"
OUTPUT_NAME = "embedding"
STALE_EXPORT_S = 3600.0  # an export takes seconds; a temporary file this old belongs to one that was killed
# The exported graph must reproduce the torch network; anything below this cosine means the export is broken.
SELF_CHECK_MIN_COSINE = 0.9999


class ExportError(RuntimeError):
    """The ONNX export or its numerical self-check failed; callers fall back to torch."""


class OnnxLoadError(RuntimeError):
    """ONNX Runtime refused the graph; its own exceptions do not derive from RuntimeError, so they are wrapped."""


def _ort_errors() -> tuple[type[BaseException], ...]:
    """ONNX Runtime's load/run exception classes (plain Exception subclasses), plus the OS-level ones."""
    state = import_onnxruntime().capi.onnxruntime_pybind11_state
    names = (
        "Fail",
        "InvalidArgument",
        "InvalidGraph",
        "InvalidProtobuf",
        "NoSuchFile",
        "NoModel",
        "RuntimeException",
        "NotImplemented",
        "EPFail",
    )
    return (OSError, RuntimeError, *(getattr(state, n) for n in names if hasattr(state, n)))


def import_onnxruntime() -> Any:
    """Import onnxruntime with telemetry off: the app must never touch the network."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime

    disable = getattr(onnxruntime, "disable_telemetry_events", None)
    if disable is not None:
        disable()
    return onnxruntime


def cpu_threads() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count, inside containers)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def onnx_file_name() -> str:
    """Cache file name: model id, export format and weights tag, so any change re-exports instead of reusing."""
    return f"{MODEL_ID.replace('/', '-')}.x{EXPORT_FORMAT}.{weights_fingerprint()}.onnx"


def export_onnx(path: Path) -> float:
    """Export the BN-folded network (uint8 NHWC in, pooled features out) to `path` atomically; returns seconds taken.

    Raises ExportError for any failure: torch, onnx and ONNX Runtime each have their own exception types.
    """
    start = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_exports(path)
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _export_checked(tmp)
        os.replace(tmp, path)
    except ExportError:
        raise
    except Exception as exc:  # torch, onnx and ORT raise assorted types: wrapped here, logged by the caller
        raise ExportError(f"ONNX export failed: {type(exc).__name__}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    log.info("exported %s to %s in %.1f s", MODEL_ID, path, seconds)
    return seconds


def remove_stale_exports(path: Path, older_than_s: float = STALE_EXPORT_S) -> int:
    """Remove what exports of `path` killed mid-way left (the window closed or a scan killed while exporting);
    a temporary file younger than `older_than_s` may be another export's, still being written. Returns how many."""
    removed = 0
    for tmp in path.parent.glob(path.name + ".*.tmp"):
        try:
            if time.time() - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()
                removed += 1
        except OSError:
            continue  # gone meanwhile, or not ours to remove: harmless either way
    return removed


def _export_checked(target: Path) -> None:
    """Trace, fix the padding, and verify the graph against torch before it may be cached.

    Torch cannot express TF's asymmetric "SAME" padding in a conv, and an explicit Pad node blocks ONNX Runtime's
    blocked-layout (NCHWc) conv fusion, costing about a third of the speed. So the stride-2 convs are traced with
    symmetric padding, which gives the same output shapes on even inputs, and their `pads` are then rewritten to
    the asymmetric TF values. The numerical check against the torch network guards that surgery.
    """
    import onnx
    import torch

    from .lite0_net import PixelsToEmbedding, SameConv2d, load_lite0, preprocess_nhwc_uint8

    net = load_lite0(fold_bn=True)
    traced = copy.deepcopy(net)
    plan: list[tuple[tuple[int, ...], list[int]]] = []
    for module in traced.modules():
        if isinstance(module, SameConv2d) and module.extra_pad is not None:
            left, right, top, bottom = module.extra_pad
            if module.stride != (2, 2) or (top + bottom) != module.kernel_size[0] - 2:
                raise ExportError(f"unexpected padding {module.extra_pad} for kernel {module.kernel_size}")
            plan.append((tuple(module.kernel_size), [top, left, bottom, right]))
            module.padding = (bottom, right)
            module.extra_pad = None

    example = torch.zeros(1, INPUT_SIZE, INPUT_SIZE, 3, dtype=torch.uint8)
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of the dynamo one, which needs onnxscript; it works.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            PixelsToEmbedding(traced).eval(),
            (example,),
            str(target),
            dynamo=False,
            opset_version=OPSET,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            do_constant_folding=True,
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        )
    model = onnx.load(str(target))
    _rewrite_stride2_pads(model, plan)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))

    pixels = np.random.default_rng(0).integers(0, 256, (2, INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
    with torch.inference_mode():
        want = l2_normalise(net.embed(preprocess_nhwc_uint8(torch.from_numpy(pixels.copy()))).numpy())
    got = l2_normalise(_session(target, threads=cpu_threads()).run([OUTPUT_NAME], {INPUT_NAME: pixels})[0])
    worst = float(np.min(np.sum(want * got, axis=1)))
    if worst < SELF_CHECK_MIN_COSINE:
        raise ExportError(f"exported graph disagrees with torch (cosine {worst:.6f})")


def _rewrite_stride2_pads(model: Any, plan: list[tuple[tuple[int, ...], list[int]]]) -> None:
    """Set the asymmetric TF pads on the stride-2 convs, matched in graph order against the torch modules."""
    convs = [node for node in model.graph.node if node.op_type == "Conv" and _ints(node, "strides") == [2, 2]]
    if len(convs) != len(plan):
        raise ExportError(f"expected {len(plan)} stride-2 convs in the exported graph, found {len(convs)}")
    for node, (kernel, pads) in zip(convs, plan, strict=True):
        if tuple(_ints(node, "kernel_shape")) != kernel:
            raise ExportError(f"stride-2 conv {node.name} has kernel {_ints(node, 'kernel_shape')}, expected {kernel}")
        for attr in node.attribute:
            if attr.name == "pads":
                attr.ints[:] = pads
                break
        else:
            raise ExportError(f"stride-2 conv {node.name} has no pads attribute")


def _ints(node: Any, name: str) -> list[int]:
    return next((list(a.ints) for a in node.attribute if a.name == name), [])


# Rows per session run. ONNX Runtime keeps the memory of the largest run a session has made: one single-threaded
# session held 325 MB after runs of 16 rows, 581 MB after 32. A scan's batch is 16 photos plus their framed
# pictures (up to 32 rows), or 80 with rotated queries, and the scan runs one session per core; run 16 at a time,
# the vectors are the same and the time per image too.
MAX_ROWS = 16


def _session(path: Path, threads: int, spin: bool = False) -> Any:
    """An ORT CPU session with full graph optimisation (the blocked NCHWc conv kernels need ORT_ENABLE_ALL)."""
    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if not spin:
        # Idle workers sleep instead of busy-waiting, leaving the cores to concurrent image decoding; measured at
        # the same throughput as spinning on a quiet 2-core machine (163-165 img/s either way).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """Embeds on CPU with ONNX Runtime; the graph takes uint8 NHWC directly, so numpy does no preprocessing."""

    model_id: str = MODEL_ID
    dim: int = DIM
    input_size: int = INPUT_SIZE
    backend: str = "onnx-cpu"

    def __init__(self, model_path: Path, threads: int | None = None, spin: bool = False) -> None:
        self.model_path = model_path
        self.threads = threads or cpu_threads()
        try:
            self._session = _session(model_path, self.threads, spin)
        except _ort_errors() as exc:
            raise OnnxLoadError(f"ONNX Runtime cannot load {model_path}: {exc}") from exc

    def embed(self, batch: np.ndarray) -> np.ndarray:
        """uint8 (N, 224, 224, 3) RGB to float32 (N, 1280) unit vectors, run MAX_ROWS rows at a time."""
        batch = check_batch(batch, self.input_size)
        if len(batch) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = [
            self._session.run([OUTPUT_NAME], {INPUT_NAME: batch[lo : lo + MAX_ROWS]})[0]
            for lo in range(0, len(batch), MAX_ROWS)
        ]
        return l2_normalise(out[0] if len(out) == 1 else np.concatenate(out))


def load_onnx_embedder(cache_dir: Path, threads: int | None = None, spin: bool = False) -> OnnxEmbedder:
    """The graph shipped in a packaged app if any, else the cached export (made now if missing or unreadable)."""
    from .bundled import bundled_onnx_path

    # Checked before the cache name, which needs the weights package that a bundle may not include.
    shipped = bundled_onnx_path()
    if shipped is not None:
        try:
            return OnnxEmbedder(shipped, threads, spin)
        except OnnxLoadError as exc:
            log.warning("bundled ONNX model is unusable (%s); using the cached export", exc)
    path = cache_dir / onnx_file_name()
    if not path.exists():
        export_in_subprocess(path)
        return OnnxEmbedder(path, threads, spin)
    try:
        return OnnxEmbedder(path, threads, spin)
    except OnnxLoadError as exc:
        log.warning("cached ONNX model %s is unreadable (%s); exporting it again", path, exc)
        path.unlink(missing_ok=True)
        export_in_subprocess(path)
        return OnnxEmbedder(path, threads, spin)


def export_in_subprocess(path: Path, timeout: float = 600) -> None:
    """Export in a child process: importing torch and tracing hold the GIL for seconds (a frozen window) and
    leave about a gigabyte of torch in the process for good. A frozen app cannot start a child interpreter, but
    it ships its graph, so it never gets here unless that graph is broken."""
    if getattr(sys, "frozen", False):
        export_onnx(path)
        return
    code = (
        "import sys, pathlib; from dedup_gui.core.machine import die_with_parent; die_with_parent(int(sys.argv[2])); "
        "from dedup_gui.core.embedding.onnx_backend import export_onnx; export_onnx(pathlib.Path(sys.argv[1]))"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path), str(os.getpid())],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ExportError(f"ONNX export could not run: {exc}") from exc
    if done.returncode != 0 or not path.exists():
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise ExportError(f"ONNX export failed (exit {done.returncode}): {' | '.join(tail)}")
    log.info("exported %s to %s in a child process", MODEL_ID, path)
