"""The collector pause is process-wide: pauses in two threads at once keep it off until the last one ends."""

from __future__ import annotations

import gc
import threading

from reporting.gcpause import no_cycle_collection


def test_overlapping_pauses_restore_the_collector_only_when_the_last_ends():
    started, release = threading.Event(), threading.Event()

    def render():
        with no_cycle_collection():
            started.set()
            release.wait(10)

    assert gc.isenabled()
    thread = threading.Thread(target=render)
    thread.start()
    started.wait(10)
    with no_cycle_collection():
        pass
    assert not gc.isenabled()  # the other thread's pause is still under way
    release.set()
    thread.join()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with no_cycle_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
