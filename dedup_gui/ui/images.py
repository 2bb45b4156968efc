"""ImageLoader: thumbnails (from the store) and full images (from disk) decoded to QImage on a QThreadPool.

QImage is safe off the UI thread; QPixmap is made on the UI thread, once, and cached. Every request carries a
generation: when the selection moves on, older requests are skipped before decoding and dropped on arrival.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QPixmap

from dedup_gui.ui.signals import emit

log = logging.getLogger("dedup_gui.ui.images")

FULL_MAX_SIDE = 4096  # the large compare view never needs more; keeps memory bounded for 100 MP files
FULL_CACHE = 8  # full images are big: keep only the last few
_KEEP_ASPECT = Qt.AspectRatioMode.KeepAspectRatio


class _Relay(QObject):
    decoded = Signal(str, str, int, object)  # kind, path, generation, QImage | None


class _Decode(QRunnable):
    def __init__(self, loader: ImageLoader, kind: str, path: str, generation: int) -> None:
        super().__init__()
        self.loader, self.kind, self.path, self.generation = loader, kind, path, generation

    def run(self) -> None:
        if self.generation != self.loader.generation:  # stale: the user moved on before we started
            return
        image: QImage | None = None
        try:
            image = self._thumbnail() if self.kind == "thumb" else self._full()
        except Exception:  # a decode bug must not kill a pool thread; the card shows "no preview"
            log.exception("decoding %s failed", self.path)
        emit(self.loader.relay.decoded, self.kind, self.path, self.generation, image)

    def _thumbnail(self) -> QImage | None:
        data = self.loader.thumbnail_bytes(self.path)
        if not data:
            return self._full(QSize(256, 256))
        image = QImage.fromData(data)
        return None if image.isNull() else image

    def _full(self, fit: QSize | None = None) -> QImage | None:
        reader = QImageReader(self.path)
        reader.setAutoTransform(True)
        size = reader.size()
        limit = fit or QSize(FULL_MAX_SIDE, FULL_MAX_SIDE)
        if size.isValid() and (size.width() > limit.width() or size.height() > limit.height()):
            reader.setScaledSize(size.scaled(limit, _KEEP_ASPECT))
        image = reader.read()
        return None if image.isNull() else image


class ImageLoader(QObject):
    loaded = Signal(str, str)  # kind ("thumb" | "full"), path: pixmap(kind, path) is ready

    def __init__(self, store_path: Path | None, parent: QObject | None = None, cache_size: int = 256) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self.generation = 0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.relay = _Relay()
        self.relay.decoded.connect(self._on_decoded)
        self._cache: OrderedDict[tuple[str, str], QPixmap] = OrderedDict()
        self._cache_size = cache_size
        self._pending: set[tuple[str, str]] = set()
        self._local = threading.local()

    def thumbnail_bytes(self, path: str) -> bytes | None:
        """Runs on a pool thread: one read-only connection per pool thread (SQLite connections are per thread)."""
        if self.store_path is None:
            return None
        import sqlite3

        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.store_path}?mode=ro", uri=True, timeout=5)
            self._local.db = db
        row = db.execute(
            "SELECT i.thumb FROM images i JOIN files f ON f.id=i.file_id WHERE f.path=?", (path,)
        ).fetchone()
        return row[0] if row else None

    def new_generation(self) -> None:
        """Forget what was asked before: requests not started are skipped, late results dropped."""
        self.generation += 1
        self._pending.clear()

    def pixmap(self, kind: str, path: str) -> QPixmap | None:
        key = (kind, path)
        pm = self._cache.get(key)
        if pm is not None:
            self._cache.move_to_end(key)
        return pm

    def request(self, kind: str, path: str) -> QPixmap | None:
        """The cached pixmap, or None and a decode is queued (loaded() says when)."""
        pm = self.pixmap(kind, path)
        if pm is not None or (kind, path) in self._pending:
            return pm
        self._pending.add((kind, path))
        self.pool.start(_Decode(self, kind, path, self.generation))
        return None

    @Slot(str, str, int, object)
    def _on_decoded(self, kind: str, path: str, generation: int, image: QImage | None) -> None:
        if generation != self.generation:
            return
        self._pending.discard((kind, path))
        pm = QPixmap.fromImage(image) if image is not None else QPixmap()
        self._cache[(kind, path)] = pm
        fulls = [k for k in self._cache if k[0] == "full"]
        for k in fulls[: max(0, len(fulls) - FULL_CACHE)]:
            del self._cache[k]
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        emit(self.loaded, kind, path)

    def shutdown(self) -> None:
        self.generation += 1
        self.pool.clear()
        self.pool.waitForDone()
