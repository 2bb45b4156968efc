"""Runs the CNN on a thread beside the decode pool, so inference overlaps decoding instead of waiting for it.

The decode loop hands over each image's 224-px CNN input as it arrives; the thread embeds them in batches (the
model releases the GIL) and also embeds the 90/180/270-degree rotations when asked, so a pixel-rotated copy is
found by a rotated query. The pipeline thread collects the vectors and saves them; SQLite stays on its thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

import numpy as np

from dedup_gui.core.embedding import MODEL_ID, Embedder, load_embedder
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


_STOP = object()


class EmbeddingRunner:
    """A producer/consumer around one Embedder; `put` never blocks long, `finish` waits for the last batch."""

    def __init__(
        self, device: str, cache_dir: Path | None, cancel: CancelToken, *, rotations: bool, batch: int = 32
    ) -> None:
        self._device = device
        self._cache_dir = cache_dir
        self._cancel = cancel
        self._rotations = rotations
        self._batch = batch
        self._queue: queue.Queue[object] = queue.Queue(maxsize=batch * 8)
        self._lock = threading.Lock()
        self._done: list[tuple[int, np.ndarray, np.ndarray | None]] = []
        self._error: BaseException | None = None
        self.embedder: Embedder | None = None
        self.count = 0
        self._thread = threading.Thread(target=self._run, name="embedding", daemon=True)
        self._thread.start()

    def put(self, key: int, image: np.ndarray, inner: np.ndarray | None = None) -> None:
        """Queue one (224, 224, 3) uint8 image (and the picture inside its frame, if any); blocks only while the
        model is a full queue behind."""
        self._raise()
        self._queue.put((key, image, inner))

    def take(self) -> list[tuple[int, np.ndarray, np.ndarray | None]]:
        """Vectors finished so far: (key, vector, extra query vectors (m, dim) or None)."""
        with self._lock:
            done, self._done = self._done, []
        return done

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float) -> None:
        """Block up to timeout for the model thread, so the caller can report progress in between."""
        if self._queue.empty():
            self._queue.put(_STOP)
        self._thread.join(timeout)

    def finish(self) -> None:
        """Wait for everything queued; re-raise a failure of the model thread here, on the pipeline's thread."""
        self._queue.put(_STOP)
        self._thread.join()
        self._raise()

    def _raise(self) -> None:
        """A model that cannot run is an environment problem the user must see, not a traceback."""
        if self._error is not None:
            raise DedupError(f"the image model could not run: {type(self._error).__name__}: {self._error}")

    def _run(self) -> None:
        try:
            self.embedder = load_embedder(self._device, self._cache_dir)
            log.info("embedding with %s", self.embedder.backend)
            stopping = False
            while not stopping:
                item = self._queue.get()
                if item is _STOP:
                    break
                items = [item]
                while len(items) < self._batch:
                    try:
                        nxt = self._queue.get(timeout=0.05)
                    except queue.Empty:
                        break
                    if nxt is _STOP:
                        stopping = True
                        break
                    items.append(nxt)
                if self._cancel.cancelled:
                    continue  # drain without working: the pipeline is winding down
                self._embed(items)  # type: ignore[arg-type]
        except BaseException as exc:  # handed to the pipeline thread, which re-raises it
            log.exception("embedding failed")
            self._error = exc
            while True:  # unblock a producer waiting on a full queue
                try:
                    if self._queue.get_nowait() is _STOP:
                        break
                except queue.Empty:
                    break

    def _embed(self, items: list[tuple[int, np.ndarray, np.ndarray | None]]) -> None:
        """One model call for the batch, its rotations and framed pictures; the vectors are sorted out after."""
        assert self.embedder is not None
        images = np.stack([img for _, img, _ in items])
        parts = [images]
        if self._rotations:
            parts += [np.ascontiguousarray(np.rot90(images, r, axes=(1, 2))) for r in (1, 2, 3)]
        inner_of = [n for n, (_, _, inner) in enumerate(items) if inner is not None]
        if inner_of:
            parts.append(np.stack([items[n][2] for n in inner_of]))  # type: ignore[misc]
        out = self.embedder.embed(np.concatenate(parts))
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
