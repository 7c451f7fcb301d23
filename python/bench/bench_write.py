"""Cost of heapgraph_py.write_snapshot on a process of about a million objects.

Compares the time of writing a snapshot with gc.get_objects() plus one pass over the objects
(two baselines: touching each object's type, and asking each for its size and referents, the
least a heap graph needs), and measures the writer's extra memory per object with tracemalloc
(the peak of what it allocates while writing, over the number of objects in the snapshot).

    python3 python/bench/bench_write.py [--objects 1000000] [--numpy]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import heapgraph_py  # noqa: E402
from heapgraph_py._snapshot import collect_graph  # noqa: E402


class Record:
    def __init__(self, key: int) -> None:
        self.key = key
        self.name = f"record {key}"
        self.tags = [key, key + 1]


def build(count: int) -> list:
    """About `count` objects: records with a dict, a str and a list each, in lists of 1000."""
    # Each Record makes 4 objects (itself, its __dict__, its name, its tags list).
    groups = []
    per_group = 1000
    made = 0
    while made < count:
        group = [Record(made + offset) for offset in range(per_group)]
        for record in group:
            record.__dict__  # the dict exists, as after any vars(); the writer would make it
        groups.append(group)
        made += per_group * 4
    return groups


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--numpy", action="store_true", help="import NumPy first (the id table uses it)")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if options.numpy:
        import numpy  # noqa: F401
    data = build(options.objects)
    gc.collect()
    count = len(gc.get_objects())

    def bare_pass() -> None:
        for obj in gc.get_objects():
            type(obj)

    def graph_pass() -> None:
        getsizeof, get_referents = sys.getsizeof, gc.get_referents
        for obj in gc.get_objects():
            getsizeof(obj)
            get_referents(obj)

    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "bench.heapsnapshot")
    bare = best_of(options.repeat, bare_pass)
    graph = best_of(options.repeat, graph_pass)
    collect = best_of(options.repeat, lambda: collect_graph())
    write = best_of(options.repeat, lambda: heapgraph_py.write_snapshot(path))
    size = os.path.getsize(path)
    tracemalloc.start()
    baseline_memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    graph_object = collect_graph()
    nodes = graph_object.node_count
    del graph_object
    peak = tracemalloc.get_traced_memory()[1] - baseline_memory
    tracemalloc.stop()
    os.unlink(path)
    os.rmdir(folder)
    print(f"Python {sys.version.split()[0]}, NumPy {'imported' if 'numpy' in sys.modules else 'not imported'}")
    print(f"objects tracked by the collector: {count:,}; nodes in the snapshot: {nodes:,}")
    print(f"gc.get_objects() + a pass touching each type:        {bare:7.3f} s")
    print(f"gc.get_objects() + getsizeof + get_referents each:   {graph:7.3f} s")
    print(f"heapgraph_py: collect the graph:                     {collect:7.3f} s")
    print(f"heapgraph_py: write_snapshot (graph + file):         {write:7.3f} s  ({size / 1e6:.0f} MB)")
    print(f"ratio write / bare pass: {write / bare:5.1f}x; write / graph pass: {write / graph:5.1f}x")
    print(f"extra memory while collecting (tracemalloc peak): {peak / 1e6:.0f} MB, {peak / nodes:.0f} bytes per node")
    del data


if __name__ == "__main__":
    main()
