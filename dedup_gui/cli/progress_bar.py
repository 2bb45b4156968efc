"""A progress bar on stderr fed by the engine's typed events: stage, count, rate and ETA."""

from __future__ import annotations

import sys

from tqdm import tqdm

from dedup_gui.core.progress import ProgressEvent, Stage


class ProgressBar:
    """One tqdm bar per stage; quiet when stderr is not a terminal unless forced."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: tqdm | None = None
        self._stage: Stage | None = None

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        if event.stage is not self._stage:
            self.close()
            self._stage = event.stage
            self._bar = tqdm(
                total=event.total,
                desc=f"{event.stage.label:<18}",
                unit="file",
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
                mininterval=0.1,
            )
        bar = self._bar
        assert bar is not None
        if event.total is not None and bar.total != event.total:
            bar.total = event.total
        bar.n = event.done
        bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
