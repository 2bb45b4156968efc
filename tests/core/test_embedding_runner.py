"""The model workers beside the decode loop: every image embedded once, the same vectors as one direct call."""

from __future__ import annotations

import numpy as np

from dedup_gui.core.embedding import load_embedder
from dedup_gui.core.embedding_runner import EmbeddingRunner
from dedup_gui.core.progress import CancelToken
from tests.conftest import photo

NAMES = ("astronaut", "coffee", "chelsea", "rocket")


def _images() -> list[np.ndarray]:
    """Real photos, each also shifted and mirrored, so the batch holds distinct images."""
    out = []
    for name in NAMES:
        base = np.asarray(photo(name, (224, 224)))
        out += [base, np.ascontiguousarray(base[:, ::-1]), np.roll(base, 17, axis=0), np.roll(base, 31, axis=1)]
    return out


def test_two_workers_embed_every_image_once_with_the_reference_vectors() -> None:
    images = _images() * 3  # 48 images: several batches, split between the workers
    runner = EmbeddingRunner("cpu", None, CancelToken(), rotations=False, batch=5, workers=2)
    done = []
    for key, img in enumerate(images):
        runner.put(key, img, img[40:180, 40:180].repeat(2, axis=0).repeat(2, axis=1)[:224, :224] if key == 3 else None)
        done += runner.take()
    runner.finish()
    done += runner.take()
    assert sorted(k for k, _, _ in done) == list(range(len(images)))
    direct = load_embedder("cpu").embed(np.stack(images))
    for key, vector, queries in done:
        assert float(vector @ direct[key]) > 0.9999
        assert (queries is not None) == (key == 3)  # the framed picture's extra query stays with its image


def test_while_the_model_is_prepared_a_full_queue_says_so() -> None:
    """The decode loop must not look frozen while the model loads (or is exported on the first scan)."""
    images = _images()
    waits: list[bool] = []
    runner = EmbeddingRunner(
        "cpu",
        None,
        CancelToken(),
        rotations=False,
        batch=1,
        workers=1,
        on_wait=lambda: waits.append(runner.ready.is_set()),
    )
    for key, img in enumerate(images):  # the queue holds 8: the rest waits for the model
        runner.put(key, img)
    runner.finish()
    assert runner.ready.is_set() and runner.count == len(images)
    assert waits and not any(waits)  # called only while the model was not ready yet
