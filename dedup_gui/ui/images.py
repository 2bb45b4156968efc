"""ImageLoader: thumbnails (from the store) and whole pictures (from disk) decoded on a QThreadPool.

Whole pictures are decoded by the scan's own decoder (`pictures.display_picture`: HEIC and AVIF, EXIF orientation,
the bomb guard), so the compare view shows what the scan compared, at full resolution. The pool thread turns the
pixels into a QImage (safe off the UI thread); the QPixmap is made on the UI thread, once, and cached.

Each kind of picture has its own generation: when the selection moves on (thumbnails) or the compare view closes
(whole pictures), older requests are skipped before decoding and dropped on arrival.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from dedup_gui.core.decoding import THUMB_SIDE, DecodeError
from dedup_gui.core.errors import StoreError
from dedup_gui.core.pictures import display_picture
from dedup_gui.core.store import ThumbnailReader
from dedup_gui.ui.signals import emit

log = logging.getLogger("dedup_gui.ui.images")

THUMB, PREVIEW, FULL = "thumb", "preview", "full"
# Long side of each kind: the stored scan thumbnail; a card larger than that (big window, HiDPI screen); the
# whole picture, 67 MP: every phone and most cameras at 1:1, and memory bounded for panoramas and scans.
MAX_SIDE = {THUMB: THUMB_SIDE, PREVIEW: 1024, FULL: 8192}
FULL_CACHE = 4  # whole pictures are big (a 12 MP photo is 48 MB as a pixmap); the compare view keeps its own


class _Relay(QObject):
    decoded = Signal(str, str, int, object)  # kind, path, generation, QImage | None


def _to_qimage(width: int, height: int, rgb: bytes) -> QImage:
    """RGB bytes to a QImage that owns its pixels, in the format the screen paints fastest."""
    image = QImage(rgb, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.convertToFormat(QImage.Format.Format_RGB32)  # a deep copy: `rgb` may go now


class _Decode(QRunnable):
    """One decode; holds only plain values and the loader's relay and thumbnail reader (both outlive the pool)."""

    def __init__(self, loader: ImageLoader, kind: str, path: str, generation: int) -> None:
        super().__init__()
        self.loader, self.kind, self.path, self.generation = loader, kind, path, generation

    def run(self) -> None:
        if self.generation != self.loader.generation(self.kind):  # stale: the user moved on before we started
            return
        image: QImage | None = None
        try:
            image = self._thumbnail() if self.kind == THUMB else self._whole(MAX_SIDE[self.kind])
        except DecodeError as exc:  # unreadable now (moved, damaged since the scan): the card says "no preview"
            log.info("cannot show %s: %s", self.path, exc)
        except Exception:  # a decode bug must not kill a pool thread
            log.exception("decoding %s failed", self.path)
        emit(self.loader.relay.decoded, self.kind, self.path, self.generation, image)

    def _thumbnail(self) -> QImage | None:
        data = self.loader.thumbnail_bytes(self.path)
        if not data:
            return self._whole(THUMB_SIDE)
        image = QImage.fromData(data)
        return None if image.isNull() else image

    def _whole(self, max_side: int) -> QImage:
        picture = display_picture(self.path, max_side)
        return _to_qimage(picture.width, picture.height, picture.rgb)


class ImageLoader(QObject):
    loaded = Signal(str, str)  # kind (THUMB | FULL), path: pixmap(kind, path) is ready

    def __init__(self, store_path: Path | None, parent: QObject | None = None, cache_size: int = 512) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self._generations = dict.fromkeys(MAX_SIDE, 0)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.relay = _Relay()
        self.relay.decoded.connect(self._on_decoded)
        self._cache: OrderedDict[tuple[str, str], QPixmap] = OrderedDict()
        self._cache_size = cache_size
        self._pending: set[tuple[str, str]] = set()
        self._thumbs = ThumbnailReader(store_path) if store_path is not None else None  # opened on first use

    def thumbnail_bytes(self, path: str) -> bytes | None:
        """Runs on a pool thread: the scan's stored thumbnail, None when there is none (the file is decoded)."""
        if self._thumbs is None:
            return None
        try:
            return self._thumbs.thumbnail(path)
        except StoreError as exc:  # the store cannot be read now (rebuilt, damaged): decode the file instead
            log.info("no stored thumbnail for %s: %s", path, exc)
            return None

    def generation(self, kind: str) -> int:
        return self._generations[kind]

    def new_generation(self, *kinds: str) -> None:
        """Forget what was asked before for these kinds: requests not started are skipped, late results dropped."""
        for kind in kinds:
            self._generations[kind] += 1
        self._pending = {key for key in self._pending if key[0] not in kinds}

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
        self.pool.start(_Decode(self, kind, path, self._generations[kind]))
        return None

    @Slot(str, str, int, object)
    def _on_decoded(self, kind: str, path: str, generation: int, image: QImage | None) -> None:
        if generation != self._generations[kind]:
            return
        self._pending.discard((kind, path))
        pm = QPixmap.fromImage(image) if image is not None else QPixmap()
        self._cache[(kind, path)] = pm
        fulls = [k for k in self._cache if k[0] == FULL]
        for k in fulls[: max(0, len(fulls) - FULL_CACHE)]:
            del self._cache[k]
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        emit(self.loaded, kind, path)

    def shutdown(self) -> None:
        for kind in self._generations:
            self._generations[kind] += 1
        self.pool.clear()
        self.pool.waitForDone()
        if self._thumbs is not None:
            self._thumbs.close()
