"""Runs the CNN on a thread beside the decode pool, so inference overlaps decoding instead of waiting for it.

The decode loop hands over each image's 224-px CNN input as it arrives; the thread embeds them in batches (the
model releases the GIL) and also embeds the 90/180/270-degree rotations when asked, so a pixel-rotated copy is
found by a rotated query. The pipeline thread collects the vectors and saves them; SQLite stays on its thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dedup_gui.core.embedding import MODEL_ID, Embedder, load_embedder, replicas
from dedup_gui.core.embedding.onnx_backend import cpu_threads
from dedup_gui.core.errors import DedupError
from dedup_gui.core.progress import CancelToken

log = logging.getLogger("dedup_gui.embedding")


def queries_id(rotations: bool) -> str:
    """Store key of the extra query vectors (framed picture, and rotations when on): one key per setting."""
    return MODEL_ID + ("/queries-rot-v1" if rotations else "/queries-v1")


def want_rotations(setting: bool | None, device: str) -> bool:
    """Rotated queries by default only where the model is cheap to run: on a GPU."""
    if setting is not None:
        return setting
    from dedup_gui.core.embedding import _cuda_available

    return device != "cpu" and _cuda_available()


class EmbeddingRunner:
    """A producer/consumer around the model; `put` never blocks long, `finish` waits for the last batch.

    On the CPU several single-threaded model replicas each take batches from one queue (see `replicas`); a GPU
    or the torch fallback has one worker.
    """

    def __init__(
        self,
        device: str,
        cache_dir: Path | None,
        cancel: CancelToken,
        *,
        rotations: bool,
        batch: int = 16,
        workers: int | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> None:
        self._device = device
        self._cache_dir = cache_dir
        self._cancel = cancel
        self._rotations = rotations
        self._batch = batch
        self._workers = workers or cpu_threads()
        self._queue: queue.Queue[tuple[int, np.ndarray, np.ndarray | None]] = queue.Queue(maxsize=batch * 8)
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._done: list[tuple[int, np.ndarray, np.ndarray | None]] = []
        self._error: BaseException | None = None
        self._on_wait = on_wait  # called while put() waits for a model that is still being prepared
        self.ready = threading.Event()  # set once the model can run (or has failed)
        self.embedder: Embedder | None = None
        self.count = 0
        self._thread = threading.Thread(target=self._run, name="embedding", daemon=True)
        self._thread.start()

    def put(self, key: int, image: np.ndarray, inner: np.ndarray | None = None) -> None:
        """Queue one (224, 224, 3) uint8 image (and the picture inside its frame, if any); blocks only while the
        model is a full queue behind."""
        while True:
            self._raise()
            if self._on_wait is not None and not self.ready.is_set() and self._queue.full():
                self._on_wait()  # about to wait for a model that is still being prepared: say so first
            try:
                self._queue.put((key, image, inner), timeout=0.1)
                return
            except queue.Full:
                continue

    def take(self) -> list[tuple[int, np.ndarray, np.ndarray | None]]:
        """Vectors finished so far: (key, vector, extra query vectors (m, dim) or None)."""
        with self._lock:
            done, self._done = self._done, []
        return done

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float) -> None:
        """Nothing more will be put: block up to timeout for the workers, so the caller can report progress."""
        self._closing.set()
        self._thread.join(timeout)

    def finish(self) -> None:
        """Wait for everything queued; re-raise a failure of a model worker here, on the pipeline's thread."""
        self._closing.set()
        self._thread.join()
        self._raise()

    def _raise(self) -> None:
        """A model that cannot run is an environment problem the user must see, not a traceback."""
        if self._error is not None:
            raise DedupError(f"the image model could not run: {type(self._error).__name__}: {self._error}")

    def _run(self) -> None:
        """Load the model, then work as the first of the workers and wait for the others."""
        try:
            self.embedder = load_embedder(self._device, self._cache_dir)
            log.info("embedding with %s", self.embedder.backend)
            models = replicas(self.embedder, self._workers)
        except BaseException as exc:  # handed to the pipeline thread, which re-raises it
            log.exception("the image model could not be loaded")
            self._fail(exc)
            return
        finally:
            self.ready.set()
        others = [threading.Thread(target=self._work, args=(m,), name="embedding", daemon=True) for m in models[1:]]
        for t in others:
            t.start()
        self._work(models[0])
        for t in others:
            t.join()

    def _fail(self, exc: BaseException) -> None:
        """Remember the error and drain the queue, so a producer blocked on a full queue wakes up and sees it."""
        self._error = exc
        self._closing.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break

    def _next_batch(self) -> list[tuple[int, np.ndarray, np.ndarray | None]] | None:
        """Up to `batch` queued images, waiting briefly for more; None once closed and empty (or failed)."""
        items: list[tuple[int, np.ndarray, np.ndarray | None]] = []
        limit = self._batch
        if self._closing.is_set():  # the last images: share them out so no worker idles while one finishes
            limit = max(1, min(limit, -(-self._queue.qsize() // self._workers)))
        while len(items) < limit and self._error is None:
            try:
                items.append(self._queue.get(timeout=0.05))
            except queue.Empty:
                if items or self._closing.is_set():
                    break
        if self._error is not None:
            return None
        return items or None

    def _work(self, embedder: Embedder) -> None:
        try:
            while (items := self._next_batch()) is not None:
                if not self._cancel.cancelled:  # else drain without working: the pipeline is winding down
                    self._embed(embedder, items)
        except BaseException as exc:
            log.exception("embedding failed")
            self._fail(exc)

    def _embed(self, embedder: Embedder, items: list[tuple[int, np.ndarray, np.ndarray | None]]) -> None:
        """One model call for the batch, its rotations and framed pictures; the vectors are sorted out after."""
        images = np.stack([img for _, img, _ in items])
        parts = [images]
        if self._rotations:
            parts += [np.ascontiguousarray(np.rot90(images, r, axes=(1, 2))) for r in (1, 2, 3)]
        inner_of = [n for n, (_, _, inner) in enumerate(items) if inner is not None]
        if inner_of:
            parts.append(np.stack([items[n][2] for n in inner_of]))  # type: ignore[misc]
        out = embedder.embed(np.concatenate(parts))
        count = len(items)
        vectors = out[:count]
        rotated = out[count : count * 4].reshape(3, count, -1) if self._rotations else None
        inner_vectors = dict(zip(inner_of, out[count * (4 if self._rotations else 1) :], strict=True))
        with self._lock:
            for n, (key, _, _) in enumerate(items):
                extra = [] if rotated is None else list(rotated[:, n])
                if n in inner_vectors:
                    extra.append(inner_vectors[n])
                self._done.append((key, vectors[n], np.stack(extra) if extra else None))
            self.count += count
