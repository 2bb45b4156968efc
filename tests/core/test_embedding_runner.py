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
