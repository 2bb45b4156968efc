"""Typed progress events throttled at the source, and the cancel token the engine polls at batch boundaries."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Stage(StrEnum):
    ENUMERATING = "enumerating"
    EXACT = "exact"
    DECODING = "decoding"
    EMBEDDING = "embedding"
    MATCHING = "matching"
    GROUPING = "grouping"
    SAVING = "saving"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Stage.ENUMERATING: "Finding files",
    Stage.EXACT: "Comparing contents",
    Stage.DECODING: "Reading images",
    Stage.EMBEDDING: "Analysing images",
    Stage.MATCHING: "Matching",
    Stage.GROUPING: "Grouping",
    Stage.SAVING: "Saving",
}

# A detail the engine sends while the image model is set up: exported from torch to ONNX on the first scan (several
# seconds in a child process), loaded from the cache later. Front ends show it instead of a frozen count.
PREPARING_MODEL = "Preparing the image model (first scan only)…"

# Share of the whole scan each stage takes on a typical first scan: one overall percentage for the bar.
STAGE_WEIGHTS = {
    Stage.ENUMERATING: 2,
    Stage.EXACT: 8,
    Stage.DECODING: 50,
    Stage.EMBEDDING: 30,
    Stage.MATCHING: 6,
    Stage.GROUPING: 2,
    Stage.SAVING: 2,
}


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    stage: Stage
    done: int
    total: int | None
    bytes_done: int = 0
    detail: str = ""

    @property
    def fraction(self) -> float | None:
        """Overall fraction of the scan, weighting each stage by its usual cost."""
        if self.total is None:
            return None
        order = list(Stage)
        before = sum(STAGE_WEIGHTS[s] for s in order[: order.index(self.stage)])
        inside = STAGE_WEIGHTS[self.stage] * (self.done / self.total if self.total else 1.0)
        return min(1.0, (before + inside) / sum(STAGE_WEIGHTS.values()))


class ProgressSink(Protocol):
    def __call__(self, event: ProgressEvent) -> None: ...


class NullSink:
    """The do-nothing reporter, so engine code runs without any front end."""

    def __call__(self, event: ProgressEvent) -> None:
        return None


class Throttle:
    """Forwards at most one event per interval per stage, but always a stage's first and last event."""

    def __init__(self, sink: ProgressSink, interval: float = 0.15) -> None:
        self._sink = sink
        self._interval = interval
        self._last_time = 0.0
        self._stage: Stage | None = None
        self.last: ProgressEvent | None = None  # the latest event received, forwarded or not

    def __call__(self, event: ProgressEvent) -> None:
        self.last = event
        now = time.monotonic()
        first = event.stage is not self._stage
        last = event.total is not None and event.done >= event.total
        if first or last or now - self._last_time >= self._interval:
            self._stage = event.stage
            self._last_time = now
            self._sink(event)


class Cancelled(Exception):
    """Raised inside the engine at a batch boundary once cancel was requested; run_scan turns it into a result."""


class CancelToken:
    """A stop flag shared between a front end and the engine; thread-safe."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled
