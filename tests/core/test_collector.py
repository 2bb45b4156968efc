"""The garbage collector held off a long stage's objects: frozen while it runs, all given back when it ends."""

from __future__ import annotations

import gc
import threading
import weakref

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


class _Photo:
    """Stands for what a scan holds per photo; weakly referenceable so a test can see it freed."""


def test_release_empties_large_containers_and_frees_what_only_they_held() -> None:
    photos = [_Photo() for _ in range(2_500)]  # more than a slice
    kept = photos[7]
    by_id = {k: _Photo() for k in range(2_500)}
    keys = set(range(2_500))
    watched = [weakref.ref(p) for p in photos] + [weakref.ref(p) for p in by_id.values()]
    collector.release(photos, by_id, keys, [], {})
    assert photos == [] and by_id == {} and keys == set()
    alive = [r() for r in watched if r() is not None]
    assert alive == [kept]  # held elsewhere: only the container's reference went


def test_what_a_window_keeps_is_never_walked_and_still_freed_when_dropped() -> None:
    gc.collect()
    try:
        result = [[n] for n in range(10_000)]  # a loaded result: lists the collector tracks
        with collector.held_off():
            collector.keep()  # inside a stage it would be given back at the stage's end: no-op
            assert gc.get_freeze_count() >= len(result)
        assert gc.get_freeze_count() == 0
        collector.keep()
        assert gc.get_freeze_count() >= len(result)  # out of every later collection's walk

        class Tracked:
            pass

        alive = weakref.ref(held := Tracked())
        collector.keep()
        del held
        assert alive() is None  # freed by reference counting, frozen or not
    finally:
        gc.unfreeze()
