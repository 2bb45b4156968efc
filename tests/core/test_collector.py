"""The garbage collector held off a long stage's objects: frozen while it runs, all given back when it ends."""

from __future__ import annotations

import gc
import threading

from dedup_gui.core import collector


def test_objects_are_frozen_at_each_step_and_given_back_by_the_outermost_stage() -> None:
    gc.collect()
    collector.settle()
    assert gc.get_freeze_count() == 0  # outside a stage: nothing happens
    with collector.held_off():
        before = gc.get_freeze_count()
        made = [[n] for n in range(10_000)]  # lists are tracked by the collector
        collector.settle()
        assert gc.get_freeze_count() >= before + len(made)
        with collector.held_off():  # a nested stage (a regroup inside a scan's thread) ...
            collector.settle()
        assert gc.get_freeze_count() >= before + len(made)  # ... leaves the outer one's objects frozen
    assert gc.get_freeze_count() == 0


def test_a_stage_ending_on_another_thread_while_one_settles_leaves_nothing_frozen() -> None:
    stop = threading.Event()

    def settling() -> None:
        while not stop.is_set():
            collector.settle()

    worker = threading.Thread(target=settling)
    worker.start()
    try:
        for _ in range(200):
            with collector.held_off():
                collector.settle()
    finally:
        stop.set()
        worker.join()
    assert gc.get_freeze_count() == 0
