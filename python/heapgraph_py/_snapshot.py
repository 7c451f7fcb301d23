"""write_snapshot(): the heap of this process, as a .heapsnapshot file, written atomically.

While the graph is collected the collector is off and other threads are switched to twenty times
less often than usual (they run as usual while the file is written, from arrays that no longer
look at the heap): a snapshot is not a stop-the-world cut of a process whose threads keep
changing the heap meanwhile. The writer's
state lives in one excluded object, so nothing of its own is in the snapshot.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from typing import Any, List, Optional, Union

from ._graph import Graph, Walker, program_frames
from ._ids import IdTable, type_tag
from ._json import write_graph

PathLike = Union[str, "os.PathLike[str]"]


SWITCH_INTERVAL = 0.1
"""Seconds between thread switches while the graph is built (CPython's default is 0.005)."""


class _State:
    """Everything the writer keeps between snapshots (excluded from every snapshot)."""

    __slots__ = ("ids", "lock", "__weakref__")

    def __init__(self) -> None:
        self.ids = IdTable()
        self.lock = threading.RLock()


_STATE = _State()


def collect_graph(*, collect: bool = False) -> Graph:
    """The graph of this process's heap, now (see write_snapshot)."""
    with _STATE.lock:
        enabled = gc.isenabled()
        interval = sys.getswitchinterval()
        gc.disable()
        # Other threads run less often while the graph is built (not never: pure Python cannot
        # stop them, and a thread that gets the GIL keeps it for a whole interval).
        sys.setswitchinterval(max(interval, SWITCH_INTERVAL))
        try:
            if collect:
                gc.collect()
            return _walk()
        finally:
            sys.setswitchinterval(interval)
            if enabled:
                gc.enable()


def _walk() -> Graph:
    objects: List[Any] = gc.get_objects()
    frames = program_frames()
    own = [_STATE, _STATE.ids, _STATE.lock, objects, frames, *_STATE.ids.own_objects()]
    walker = Walker(_STATE.ids, excluded=own)
    own.clear()
    walker.walk(objects, frames)
    return walker.finish()


def write_snapshot(path: PathLike, *, collect: bool = False) -> str:
    """Writes a V8-format heap snapshot of this process to `path` and returns the path.

    The file appears complete or not at all: it is written as `path + ".partial"` and renamed.
    `collect=True` runs gc.collect() first, so that cyclic garbage is gone from it.
    """
    target = os.fspath(path)
    graph = collect_graph(collect=collect)
    partial = target + ".partial"
    try:
        # UTF-8 (the text is ASCII): its codec is loaded already, another would be imported.
        with open(partial, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            write_graph(graph, out)
        os.replace(partial, target)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise
    return target


def object_id(obj: Any) -> Optional[int]:
    """The @id the last snapshot of this process gave `obj` (as `heapgraph why FILE @id` takes it),
    or None when no snapshot has seen it yet (or it was only a number the snapshot shares)."""
    with _STATE.lock:
        return _STATE.ids.lookup(id(obj), type_tag(type(obj)))


def snapshot_name(directory: Optional[PathLike] = None) -> str:
    """`heapgraph-<pid>-<yyyymmdd-hhmmss>-<n>.heapsnapshot` in `directory` (default: cwd)."""
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = os.fspath(directory) if directory is not None else os.getcwd()
    count = 0
    while True:
        suffix = f"-{count}" if count else ""
        name = os.path.join(folder, f"heapgraph-{os.getpid()}-{stamp}{suffix}.heapsnapshot")
        if not os.path.exists(name):
            return name
        count += 1
