"""The per-image job run in the process pool (one decode, then the hashes, so both use all cores) and the set-up of
each pool process: Ctrl-C left to the parent, death with the parent, a ceiling on memory, and what codec libraries
print about a file taken into its problem instead of the terminal."""

from __future__ import annotations

import os
import select
import signal
import sys
import tempfile
import threading
import warnings
from dataclasses import dataclass

import numpy as np

from dedup_gui.core import contenthash
from dedup_gui.core.decoding import (
    DECODE_VERSION,
    ENDS_EARLY,
    Decoded,
    DecodeError,
    decode_or_problem,
    memory_budget,
    read_bytes,
)
from dedup_gui.core.decoding import set_memory_budget as _set_memory_budget
from dedup_gui.core.hashing import HASH_VERSION, image_hashes
from dedup_gui.core.machine import die_with_parent
from dedup_gui.core.types import Problem, ProblemKind

ANALYSIS_VERSION = f"decode{DECODE_VERSION}-hash{HASH_VERSION}-content{contenthash.HASH_VERSION}"
# A problem is kept under its own version: bump it when problems are told apart or worded differently, and the
# files an older version found unusable are read once more (2: codec libraries' words, TIFF sample layouts; 3: BMP
# layouts Pillow lacks; 4: PNGs refused for their text or profile chunks alone, files larger than a decode may use,
# variants a decoder does not implement; 5: JPEG XL under another name, "not an image" before; 6: AVIFs libavif
# refuses, and TIFFs whose later pages cannot be read, "could not decode" before; DNGs with a damaged maker tag,
# which LibRaw reads)
PROBLEMS_VERSION = f"{ANALYSIS_VERSION}-problems6"
# Address space a worker may add beyond its decode budget before an allocation fails with MemoryError instead of
# waking the out-of-memory killer: codec libraries loaded later (libheif, LibRaw), thread stacks and malloc arenas.
ADDRESS_SPACE_MARGIN = (1 << 30) + (64 << 20) * (os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Analysed:
    decoded: Decoded
    phash: np.ndarray  # uint64 (8,): one per dihedral transform
    dhash: np.ndarray
    full_hash: str  # of every byte, as contenthash.full_hash computes it: the file as it was when it was judged


def analyse(job: tuple[str, int, bool]) -> Analysed | Problem:
    """Read one file once, hash its bytes, decode and hash the picture; a Problem when the file cannot be used."""
    path, size, want_cnn = job
    if _ceiling is not None:  # in a decode worker: its ceiling measured from what it holds now
        _limit_address_space(memory_budget())
    try:
        data = read_bytes(path, size)
    except DecodeError as exc:
        return Problem(path, exc.kind, str(exc))
    full_hash = contenthash.hash_bytes(data)
    _forget_said()
    decoded = decode_or_problem(path, size, want_cnn=want_cnn, data=data)
    if isinstance(decoded, Problem):
        return in_libraries_words(decoded, _said())
    phash, dhash = image_hashes(decoded.gray)
    return Analysed(decoded, phash, dhash, full_hash)


def init_worker(budget: int, parent: int) -> None:
    """Initializer of every decode process.

    Ctrl-C goes to the parent alone, which cancels at the next batch. A worker must never outlive the scan: killed
    with SIGKILL when its parent dies (Linux), and a thread that ends it when the scanning process is gone (a
    forkserver's workers would otherwise wait for work forever, and keep the forkserver alive too). LibRaw's
    OpenMP keeps to one thread: the pool already uses every core.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a library's warning about one file ("Corrupt EXIF data") on the terminal names no file and breaks a progress
    # bar; what matters about a file reaches the user as its problem
    warnings.simplefilter("ignore")
    os.environ["OMP_NUM_THREADS"] = "1"
    die_with_parent()
    threading.Thread(target=_exit_when_gone, args=(parent,), name="parent-watch", daemon=True).start()
    _set_memory_budget(budget)
    _limit_address_space(budget)
    _hear_libraries()


# Where this worker's stderr goes (see _hear_libraries); None: the terminal's, as in the scanning process.
_heard: int | None = None


def _hear_libraries() -> None:
    """Send what codec libraries print on stderr (libtiff: "WEBP compression support is not configured.", LibRaw:
    "data corrupted at 1378") to an unnamed file: on the terminal it named no file and broke the progress bar, and
    it is often the only words that say why a file cannot be read (Pillow says "decoder error -2")."""
    global _heard
    try:
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("decoder-messages")
        else:
            with tempfile.TemporaryFile() as fh:  # its name is gone; the copy of its descriptor keeps it open
                fd = os.dup(fh.fileno())
        sys.stderr.flush()
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        return
    _heard = 2


def _forget_said() -> None:
    if _heard is not None:
        try:
            os.ftruncate(_heard, 0)
            os.lseek(_heard, 0, os.SEEK_SET)
        except OSError:
            pass


def _said() -> str:
    """What the libraries printed since _forget_said (the last 4 KB)."""
    if _heard is None:
        return ""
    try:
        sys.stderr.flush()
        end = os.lseek(_heard, 0, os.SEEK_CUR)
        return os.pread(_heard, 4096, max(0, end - 4096)).decode("utf-8", "replace")
    except OSError:
        return ""


# What libraries call themselves or a file in their messages: names that mean nothing to the person reading them.
_SPEAKERS = ("tempfile.tif: ", "unknown file: ", "TIFFReadDirectory: ", "TIFFFetchNormalTag: ")
_MISSING = ("not configured", "not supported", "unsupported", "not implemented")


def in_libraries_words(problem: Problem, said: str) -> Problem:
    """A damaged-file problem with the library's own last words added: a codec this build lacks makes the file one
    this version cannot read (UNSUPPORTED), a file that ends early a truncated one."""
    if problem.kind is not ProblemKind.CORRUPT:
        return problem
    lines = [line.strip() for line in said.splitlines() if line.strip() and not line.startswith((" ", "Traceback"))]
    if not lines:
        return problem
    words = lines[-1]
    for speaker in _SPEAKERS:
        words = words.removeprefix(speaker)
    words = words.rstrip(".")[:200]
    if not words or words in problem.message:
        return problem
    if any(m in words.lower() for m in ENDS_EARLY):
        return Problem(problem.path, ProblemKind.TRUNCATED, f"file is truncated (incomplete copy or download): {words}")
    if any(m in words.lower() for m in _MISSING):
        return Problem(problem.path, ProblemKind.UNSUPPORTED, f"a kind of image this version cannot decode ({words})")
    return Problem(problem.path, problem.kind, f"{problem.message} ({words})")


def _exit_when_gone(pid: int) -> None:
    """Block until process `pid` ends (a pidfd on Linux, else polling the parent), then end this process."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError) as exc:
        if isinstance(exc, ProcessLookupError):
            os._exit(1)
        fd = None
    if fd is not None:
        select.select([fd], [], [])
        os._exit(1)
    first = os.getppid()
    while os.getppid() == first:
        threading.Event().wait(1.0)
    os._exit(1)


_ceiling: int | None = None  # the soft limit this process had before its first ceiling (-1: none); None: no ceiling


def _limit_address_space(budget: int) -> None:
    """An allocation far beyond what the budget foresaw raises MemoryError (a problem) instead of an OOM kill.

    Set again before every file (analyse), from the address space the process has then: codec libraries keep what
    they reserved (libheif's decoder threads left about 1 GB of stacks and malloc arenas), and a ceiling set once
    took that from the next decode's margin, so a 200 MP HEIC after another HEIC was refused as too large. A lower
    limit the process was started with stays in force.
    """
    global _ceiling
    if not sys.platform.startswith("linux"):
        return  # macOS does not enforce RLIMIT_AS; Windows has no rlimits
    import resource

    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if _ceiling is None:
        _ceiling = -1 if soft == resource.RLIM_INFINITY else soft
    limit = now + budget + ADDRESS_SPACE_MARGIN
    for cap in (hard, _ceiling):
        if cap not in (resource.RLIM_INFINITY, -1):
            limit = min(limit, cap)
    if soft != limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
