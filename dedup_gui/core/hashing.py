"""Perceptual hashes (pHash and dHash, 64 bits, as imagehash computes them) of all 8 dihedral transforms.

Hashing every rotation and mirror of an image lets a rotated or mirrored copy match by plain Hamming distance:
a ~ b under T when hash(a) is close to hash(T(b)). The DCT is done in numpy on the whole stack of 8 transforms
at once, which is several times faster than calling imagehash 16 times.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

HASH_VERSION = 1

# Index i of the stored hash arrays is TRANSFORMS[i] applied to the image.
TRANSFORMS = ("identity", "rot90", "rot180", "rot270", "mirror", "mirror+rot90", "mirror+rot180", "mirror+rot270")
_BITS = np.uint64(1) << np.arange(63, -1, -1, dtype=np.uint64)  # first bit most significant, as imagehash


def _dct_matrix(n: int) -> np.ndarray:
    """Unnormalised DCT-II, as scipy.fftpack.dct uses: a uniform scale does not change median comparisons."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    return 2.0 * np.cos(np.pi * k * (2 * i + 1) / (2 * n))


_D32 = _dct_matrix(32)


def dihedral(square: np.ndarray) -> np.ndarray:
    """Stack of the 8 dihedral transforms of a square image, in TRANSFORMS order."""
    rots = [np.rot90(square, k) for k in range(4)]  # counter-clockwise, as PIL's ROTATE_90
    mir = square[:, ::-1]
    rots += [np.rot90(mir, k) for k in range(4)]
    return np.stack(rots)


def _pack(bits: np.ndarray) -> np.ndarray:
    """(n, 64) booleans to n uint64s."""
    return (bits.astype(np.uint64) * _BITS).sum(axis=1, dtype=np.uint64)


def phash_stack(stack32: np.ndarray) -> np.ndarray:
    """pHash of each (32, 32) float image: DCT, top-left 8x8 including DC, compared with its median."""
    dct = _D32 @ stack32 @ _D32.T
    low = dct[:, :8, :8].reshape(len(stack32), 64)
    med = np.median(low, axis=1, keepdims=True)
    return _pack(low > med)


def dhash_stack(stack98: np.ndarray) -> np.ndarray:
    """dHash of each (8, 9) image: is each pixel brighter than its right-hand neighbour."""
    return _pack((stack98[:, :, 1:] > stack98[:, :, :-1]).reshape(len(stack98), 64))


def _resized_transforms(square: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The 8 dihedral transforms of `square`, each resized to `size` (w, h) with LANCZOS, in TRANSFORMS order.

    Pillow's resize commutes exactly with flips, so only the image and its transpose are resized; the rest are
    flipped views of those two (4x fewer resizes than resizing all 8 transforms, the same pixels).
    """

    def resize(a: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(np.ascontiguousarray(a)).resize(size, Image.Resampling.LANCZOS))

    r, t = resize(square), resize(square.T)
    return np.stack([r, t[::-1], r[::-1, ::-1], t[:, ::-1], r[:, ::-1], t, r[::-1], t[::-1, ::-1]])


def image_hashes(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pHash and dHash (uint64 arrays of 8, one per transform) from the decode's square grey image."""
    p32 = _resized_transforms(gray, (32, 32))
    d98 = _resized_transforms(gray, (9, 8))
    return phash_stack(p32.astype(np.float64)), dhash_stack(d98.astype(np.int16))


def hamming(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """Bit distance between uint64 hashes, vectorised."""
    return np.bitwise_count(np.bitwise_xor(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)))


def best_transform(pa: np.ndarray, pb: np.ndarray, da: np.ndarray, db: np.ndarray) -> tuple[int, int, int]:
    """(transform index, pHash distance, dHash distance) of the transform of b that best matches a; the first
    such transform when several match equally.

    In Python integers: grouping calls this once per group member, and numpy's argmin lets go of the GIL and
    takes it back on every call, which starved the window's thread of it for 100-400 ms in a 100k regroup."""
    p0, d0 = int(pa[0]), int(da[0])
    best = (1 << 30, 0, 0, 0)
    for t, (p, d) in enumerate(zip(pb.tolist(), db.tolist(), strict=True)):
        dp, dd = (p0 ^ p).bit_count(), (d0 ^ d).bit_count()
        if 2 * dp + dd < best[0]:
            best = (2 * dp + dd, t, dp, dd)
    return best[1], best[2], best[3]
