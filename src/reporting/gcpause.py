"""Python's cycle collector, paused while a large tree of objects is built (a YAML file, a PDF's layout)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_PAUSES = [0, False]  # pauses under way in this process, and whether the collector was on before the first


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector for this block, and restore it as it was, after success or error.

    Building a large tree (a 20,000-entry catalogue's YAML nodes, WeasyPrint's boxes for a report)
    makes hundreds of thousands of objects, and every few thousand the collector walks them all
    again (and, in a process that has imported pandas and matplotlib, about 400,000 more): half the
    time of reading a large catalogue, a sixth of a report's PDF. The cycles made meanwhile are
    collected by the first collection after the block. The collector is process-wide, so pauses
    in several threads at once (a PDF rendered while a catalogue is read) are counted, and it is
    restored when the last of them ends.
    """
    with _LOCK:
        if _PAUSES[0] == 0:
            _PAUSES[1] = gc.isenabled()
            gc.disable()
        _PAUSES[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _PAUSES[0] -= 1
            if _PAUSES[0] == 0 and _PAUSES[1]:
                gc.enable()
