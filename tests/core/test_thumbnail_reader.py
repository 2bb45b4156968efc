"""The review's thumbnails come from the store through a read-only reader: no store yet, a store being written,
a damaged store, and several threads at once."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.errors import StoreError
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store, ThumbnailReader
from tests.conftest import photo, save_jpeg


def test_no_store_yet_means_no_thumbnail_and_no_file_created(tmp_path: Path) -> None:
    reader = ThumbnailReader(tmp_path / "missing.sqlite3")
    assert reader.thumbnail("/photos/a.jpg") is None
    assert not (tmp_path / "missing.sqlite3").exists()  # reading never creates the store
    reader.close()


def test_a_scanned_photo_has_its_thumbnail_and_threads_share_the_reader(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    a = save_jpeg(photo("astronaut", (400, 300)), lib / "a.jpg")
    save_jpeg(photo("astronaut", (200, 150)), lib / "a small.jpg")
    store = Store(tmp_path / "s.sqlite3")
    run_scan(ScanConfig(roots=(lib,), embeddings=False, workers=1), store=store)
    reader = ThumbnailReader(tmp_path / "s.sqlite3")
    try:
        data = reader.thumbnail(str(a))
        assert data is not None and data == store.thumbnail(str(a))
        with Image.open(io.BytesIO(data)) as thumb:
            assert max(thumb.size) <= 256
        assert reader.thumbnail(str(lib / "never scanned.jpg")) is None
        results: list[bytes | None] = []
        threads = [threading.Thread(target=lambda: results.append(reader.thumbnail(str(a)))) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [data] * 8
    finally:
        reader.close()
        store.close()


def test_a_store_without_tables_yet_has_no_thumbnails(tmp_path: Path) -> None:
    (tmp_path / "s.sqlite3").write_bytes(b"")  # created a moment ago by another thread, nothing written yet
    reader = ThumbnailReader(tmp_path / "s.sqlite3")
    assert reader.thumbnail("/photos/a.jpg") is None
    reader.close()


def test_a_damaged_store_is_a_store_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "s.sqlite3").write_bytes(b"this is not a database at all" * 200)
    reader = ThumbnailReader(tmp_path / "s.sqlite3")
    with pytest.raises(StoreError, match="damaged"):
        reader.thumbnail("/photos/a.jpg")
    reader.close()
