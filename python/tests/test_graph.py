"""The graph a snapshot draws: names of references as code writes them, weak references, roots,
reference counts and what only C code holds, sizes and class names, and no trace of the writer."""

from __future__ import annotations

import array
import collections
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import unittest
import weakref
from typing import Any, Dict, List, Optional, Tuple

from snapshot_reader import PACKAGE_ROOT, Node, Snapshot  # first: it puts the package on the path

import heapgraph_py


class Marker:
    """Objects the tests look for by class."""

    def __init__(self, label: str = "") -> None:
        self.label = label


class Slotted:
    __slots__ = ("left", "right")

    def __init__(self) -> None:
        self.left = Marker("left")
        self.right = None


def make_closure() -> Any:
    captured = Marker("captured")

    def reader() -> Any:
        return captured

    return reader


def counting() -> Any:
    total = Marker("in generator")
    for step in range(3):
        yield total, step


def with_local(path: str) -> Dict[str, Any]:
    local_marker = Marker("local")
    heapgraph_py.write_snapshot(path)
    return {"local": local_marker, "id": heapgraph_py.object_id(local_marker)}


def snapshot_of(test: Any, name: str) -> str:
    test.folder = tempfile.TemporaryDirectory()
    return os.path.join(test.folder.name, name)


class GraphTest(unittest.TestCase):
    """One snapshot of a process holding every kind of reference the writer names."""

    state: Dict[str, Any] = {}
    snapshot: Snapshot

    @classmethod
    def setUpClass(cls) -> None:
        state = cls.state
        state["cache"] = {"user:42": Marker("user"), 7: Marker("seven"), ("a", 1): Marker("tuple")}
        state["record"] = Marker("record")
        state["record"].items = [Marker("item 0"), Marker("item 1")]
        state["pair"] = (Marker("first"), "second")
        state["members"] = {frozenset({1})}
        state["slotted"] = Slotted()
        state["reader"] = make_closure()
        state["generator"] = counting()
        next(state["generator"])
        state["ordered"] = collections.OrderedDict(one=1)
        strong = Marker("strong")
        state["strong"] = strong
        state["weak"] = weakref.ref(strong)
        state["weak_values"] = weakref.WeakValueDictionary({"k": strong})
        state["numbers"] = array.array("i", range(10))
        state["buffer"] = bytearray(300)
        state["text"] = "some text, " * 10
        state["shared"] = shared = Marker("shared")
        state["holders"] = [shared, shared, shared]

        def handler(signum: int, frame: Any) -> None:
            pass

        handler.marker = Marker("handler")  # type: ignore[attr-defined]
        state["previous_handler"] = signal.signal(signal.SIGUSR1, handler)
        del handler  # only the signal module's C array holds it now
        path = snapshot_of(cls, "graph.heapsnapshot")
        shared = None
        state["shared_refcount"] = sys.getrefcount(state["shared"]) - 1
        result = with_local(path)
        state["local_id"] = result["id"]
        state["ids"] = {key: heapgraph_py.object_id(value) for key, value in state.items() if key != "ids"}
        cls.snapshot = Snapshot(path)

    @classmethod
    def tearDownClass(cls) -> None:
        signal.signal(signal.SIGUSR1, cls.state["previous_handler"])
        cls.state.clear()
        del cls.snapshot
        cls.folder.cleanup()

    def node(self, key: str) -> Node:
        sid = self.state["ids"][key]
        self.assertIsNotNone(sid, f"no id for {key}")
        return self.snapshot.by_id[sid]

    def markers(self, label: str) -> List[Node]:
        found = []
        for node in self.snapshot.named("test_graph.Marker"):
            text = self.snapshot.target(node, "label", "property")
            if text is not None and text.name == label:
                found.append(node)
        return found

    def test_dict_entries_are_named_as_code_subscripts_them(self) -> None:
        cache = self.node("cache")
        snapshot = self.snapshot
        self.assertEqual(snapshot.target(cache, '["user:42"]', "property"), self.markers("user")[0])
        self.assertEqual(snapshot.target(cache, 7, "element"), self.markers("seven")[0])
        self.assertEqual(snapshot.target(cache, '[("a", 1)]', "property"), self.markers("tuple")[0])
        # The dict holds its keys too.
        keys = {snapshot.nodes[target].name for kind, name, target in cache.edges if name == "key"}
        self.assertIn("user:42", keys)

    def test_attributes_are_properties_of_the_object_and_shortcuts_of_its_dict(self) -> None:
        snapshot = self.snapshot
        record = self.node("record")
        items = snapshot.target(record, "items", "property")
        assert items is not None
        self.assertEqual(items.name, "list")
        self.assertEqual([kind for kind, _, _ in items.edges][:2], ["element", "element"])
        dictionary = snapshot.target(record, "__dict__", "internal")
        assert dictionary is not None
        self.assertEqual(snapshot.target(dictionary, "items", "shortcut"), items)
        self.assertEqual(snapshot.target(record, "__class__", "internal").name, "type")  # type: ignore[union-attr]

    def test_slots_tuples_and_sets_are_named(self) -> None:
        snapshot = self.snapshot
        slotted = self.node("slotted")
        self.assertEqual(snapshot.target(slotted, "left", "property"), self.markers("left")[0])
        pair = self.node("pair")
        self.assertEqual(snapshot.target(pair, 0, "element"), self.markers("first")[0])
        self.assertEqual(snapshot.target(pair, 1, "element").name, "second")  # type: ignore[union-attr]
        members = self.node("members")
        self.assertEqual(snapshot.target(members, "member", "internal").name, "frozenset")  # type: ignore[union-attr]

    def test_a_closure_captures_its_free_variables_by_name(self) -> None:
        snapshot = self.snapshot
        reader = self.node("reader")
        self.assertEqual((reader.type, reader.name), ("closure", "make_closure.<locals>.reader"))
        self.assertEqual(snapshot.target(reader, "captured", "context"), self.markers("captured")[0])
        code = snapshot.target(reader, "__code__", "internal")
        assert code is not None
        self.assertEqual(code.type, "code")
        self.assertTrue(snapshot.target(code, "co_filename", "internal").name.endswith("test_graph.py"))  # type: ignore[union-attr]
        locations = self.snapshot.raw["locations"]
        self.assertIn(reader.ordinal * 7, locations[0::4])

    def test_a_running_function_holds_its_locals_by_name(self) -> None:
        snapshot = self.snapshot
        local = snapshot.by_id[self.state["local_id"]]
        holders = [(holder, name) for holder, kind, name in snapshot.retainers(local) if kind == "property"]
        frame = [holder for holder, name in holders if holder.name == "frame" and name == "local_marker"]
        self.assertEqual(len(frame), 1)
        self.assertIn(frame[0].ordinal, [target for _, _, target in snapshot.nodes[0].edges])
        code = snapshot.target(frame[0], "f_code", "internal")
        self.assertEqual(code.name, "with_local")  # type: ignore[union-attr]
        self.assertGreater(snapshot.number(frame[0], "f_lineno") or 0, 0)

    def test_a_suspended_generator_holds_its_locals_by_name(self) -> None:
        generator = self.node("generator")
        holder = generator
        if sys.version_info < (3, 11):
            # Before 3.11 a generator's frame is an object of its own, which holds the locals.
            holder = self.snapshot.target(generator, "gi_frame", "internal")
            assert holder is not None
            self.assertEqual(holder.type, "object")
        self.assertEqual(self.snapshot.target(holder, "total", "property"), self.markers("in generator")[0])

    def test_weak_references_are_weak_edges(self) -> None:
        snapshot = self.snapshot
        strong = self.markers("strong")[0]
        self.assertEqual(snapshot.edge_kinds(self.node("weak"), "referent"), ["weak"])
        self.assertEqual(snapshot.target(self.node("weak"), "referent"), strong)
        holders = {(holder.name, kind) for holder, kind, _ in snapshot.retainers(strong)}
        self.assertIn(("weakref.KeyedRef", "weak"), holders)
        self.assertTrue(all(kind == "weak" for name, kind in holders if name.startswith("weakref.")))

    def test_the_reference_count_is_what_the_program_sees(self) -> None:
        shared = self.node("shared")
        self.assertEqual(self.snapshot.number(shared, "refcount"), self.state["shared_refcount"])
        self.assertEqual(self.state["shared_refcount"], 4)  # holders[0..2] and state["shared"]

    def test_what_only_c_code_holds_hangs_from_c_references(self) -> None:
        snapshot = self.snapshot
        c_references = snapshot.one("(C references)", "synthetic")
        handler = [
            node
            for node in snapshot.named("GraphTest.setUpClass.<locals>.handler")
            if node.type == "closure"
        ]
        self.assertEqual(len(handler), 1)
        names = [name for _, name, target in c_references.edges if target == handler[0].ordinal]
        self.assertEqual(names, ["1 reference not found"])

    def test_sizes_are_sys_getsizeof(self) -> None:
        for key in ("cache", "holders", "text", "buffer", "record"):
            self.assertEqual(self.node(key).self_size, sys.getsizeof(self.state[key]), key)

    def test_class_names_are_qualified(self) -> None:
        self.assertEqual(self.node("ordered").name, "collections.OrderedDict")
        self.assertEqual(self.node("record").name, "test_graph.Marker")
        self.assertEqual(self.node("numbers").name, "array.array")
        self.assertEqual(self.node("text").type, "string")

    def test_arrays_tell_their_length_and_bytes(self) -> None:
        numbers = self.node("numbers")
        self.assertEqual(self.snapshot.number(numbers, "len"), 10)
        self.assertEqual(self.snapshot.number(numbers, "nbytes"), 10 * numbers_itemsize())
        self.assertEqual(self.snapshot.number(self.node("buffer"), "len"), 300)

    def test_the_writer_leaves_no_trace(self) -> None:
        names = {node.name for node in self.snapshot.nodes if node.type == "object"}
        for own in ("Walker", "Graph", "Extra", "TypeInfo", "Referents", "IdTable", "_State"):
            self.assertNotIn(f"heapgraph_py._graph.{own}", names)
            self.assertNotIn(f"heapgraph_py._snapshot.{own}", names)
            self.assertNotIn(f"heapgraph_py._ids.{own}", names)
        package = os.path.dirname(os.path.realpath(heapgraph_py.__file__))
        for frame in self.snapshot.named("frame"):
            code = self.snapshot.target(frame, "f_code", "internal")
            filename = self.snapshot.target(code, "co_filename", "internal") if code else None
            self.assertFalse(filename and filename.name.startswith(package), filename and filename.name)

    def test_python_objects_have_odd_ids(self) -> None:
        for key in ("cache", "record", "reader", "numbers"):
            self.assertEqual(self.state["ids"][key] % 2, 1)


def numbers_itemsize() -> int:
    return array.array("i").itemsize


class IdsTest(unittest.TestCase):
    """Ids stay with their objects from one snapshot to the next."""

    def test_an_object_keeps_its_id_and_a_new_one_gets_a_new_odd_id(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        kept = Marker("kept")
        heapgraph_py.write_snapshot(os.path.join(folder.name, "one.heapsnapshot"))
        first = heapgraph_py.object_id(kept)
        created = Marker("created")
        heapgraph_py.write_snapshot(os.path.join(folder.name, "two.heapsnapshot"))
        self.assertEqual(heapgraph_py.object_id(kept), first)
        new = heapgraph_py.object_id(created)
        assert first is not None and new is not None
        self.assertNotEqual(new, first)
        self.assertEqual(new % 2, 1)
        two = Snapshot(os.path.join(folder.name, "two.heapsnapshot"))
        self.assertEqual(two.by_id[first].name, "test_graph.Marker")
        self.assertEqual(two.by_id[new].name, "test_graph.Marker")


# Three snapshots of one unchanged process (the second after the id table holds the first, the
# third after a lookup in it), with or without NumPy: prints each snapshot's path and the ids of
# the classes whose instances the writer keeps between snapshots.
THREE_SNAPSHOTS = """
import array, json, os, sys
if sys.argv[2] == "numpy":
    import numpy
import heapgraph_py
paths = [os.path.join(sys.argv[1], f"{n}.heapsnapshot") for n in range(3)]
heapgraph_py.write_snapshot(paths[0])
heapgraph_py.write_snapshot(paths[1])
heapgraph_py.object_id(paths)
heapgraph_py.write_snapshot(paths[2])
classes = [array.array] + ([numpy.ndarray] if sys.argv[2] == "numpy" else [])
print(json.dumps({"paths": paths, "classes": [heapgraph_py.object_id(c) for c in classes]}))
"""


class OwnTablesTest(unittest.TestCase):
    """The writer's tables between snapshots take no part in the counts it reports."""

    def counts_of(self, mode: str) -> List[List[Tuple[Optional[int], List[object]]]]:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        environment = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
        done = subprocess.run(
            [sys.executable, "-c", THREE_SNAPSHOTS, folder.name, mode],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        report = json.loads(done.stdout)
        result = []
        for path in report["paths"]:
            snapshot = Snapshot(path)
            c_references = snapshot.one("(C references)", "synthetic")
            row = []
            for class_id in report["classes"]:
                node = snapshot.by_id[class_id]
                unseen = [name for _, name, target in c_references.edges if target == node.ordinal]
                row.append((snapshot.number(node, "refcount"), unseen))
            result.append(row)
        return result

    def test_the_writer_s_state_is_freed_when_it_returns(self) -> None:
        # With the collector off, only reference counting frees the walker: a cycle through it
        # (CPython 3.14 keeps a finished frame's f_back) would keep its arrays alive, and show
        # them in the next snapshot as the program's.
        code = (
            "import gc, os, sys, heapgraph_py\n"
            "gc.disable()\n"
            "for name in ('one', 'two'):\n"
            "    heapgraph_py.write_snapshot(os.path.join(sys.argv[1], name + '.heapsnapshot'))\n"
            "    print(sum(type(o).__module__.startswith('heapgraph_py.') for o in gc.get_objects()))\n"
        )
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        done = subprocess.run(
            [sys.executable, "-c", code, folder.name],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=PACKAGE_ROOT),
            timeout=120,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        # The state kept between snapshots: _State and its IdTable.
        self.assertEqual(done.stdout.split(), ["2", "2"])
        second = Snapshot(os.path.join(folder.name, "two.heapsnapshot"))
        # The modules are the program's; instances of the writer's classes are not.
        own = [
            node.name
            for node in second.nodes
            if node.name.startswith("heapgraph_py.") and node.name.count(".") > 1
        ]
        self.assertEqual(own, [])

    def test_a_class_s_count_is_the_same_in_each_snapshot_of_an_unchanged_process(self) -> None:
        modes = ["plain"] + (["numpy"] if numpy_or_none() is not None else [])
        for mode in modes:
            first, second, third = self.counts_of(mode)
            self.assertEqual(second, first, mode)
            self.assertEqual(third, first, mode)


# A child process: objects with a reference only C code holds (taken with ctypes), in the two
# layouts where an instance's `__dict__` is not what the collector shows: a class whose
# `__dict__` is a property returning another object's (as Django's LazyObject does), and an
# instance holding its own `__dict__` as an attribute. Prints the ids to look at.
C_ONLY_REFERENCES = """
import ctypes, json, sys
import heapgraph_py

class Payload:
    pass

class Target:
    def __init__(self):
        self.payload = Payload()

class Lazy:
    def __init__(self, wrapped):
        self._wrapped = wrapped
    __dict__ = property(lambda self: self._wrapped.__dict__)

class Holder:
    def __init__(self):
        self.item = Payload()

target = Target()
lazy = Lazy(target)
ctypes.pythonapi.Py_IncRef(ctypes.py_object(target.__dict__))
holder = Holder()
holder.own = holder.__dict__
ctypes.pythonapi.Py_IncRef(ctypes.py_object(holder.item))
heapgraph_py.write_snapshot(sys.argv[1])
print(json.dumps({"target": heapgraph_py.object_id(target), "holder": heapgraph_py.object_id(holder), "item": heapgraph_py.object_id(holder.item)}))
"""


class CReferencesTest(unittest.TestCase):
    """A reference only C code holds hangs from (C references), whatever shows an instance's `__dict__`."""

    def test_one_reference_only_c_holds_is_one_reference_not_found(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        path = os.path.join(folder.name, "c.heapsnapshot")
        done = subprocess.run(
            [sys.executable, "-c", C_ONLY_REFERENCES, path],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=PACKAGE_ROOT),
            timeout=120,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        ids = json.loads(done.stdout)
        snapshot = Snapshot(path)
        c_references = snapshot.one("(C references)", "synthetic")

        def unseen(node: Node) -> List[object]:
            return [name for _, name, target in c_references.edges if target == node.ordinal]

        target_dict = snapshot.target(snapshot.by_id[ids["target"]], "__dict__", "internal")
        assert target_dict is not None
        self.assertEqual(unseen(target_dict), ["1 reference not found"])
        item = snapshot.by_id[ids["item"]]
        self.assertEqual(unseen(item), ["1 reference not found"])
        holder = snapshot.by_id[ids["holder"]]
        self.assertEqual(snapshot.target(holder, "item", "property"), item)
        self.assertEqual(unseen(holder), [])


class UnreachableCycleTest(unittest.TestCase):
    """A cycle only the collector can free is in the snapshot, and no root reaches it."""

    def test_cyclic_garbage_is_unreachable_until_collected(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        enabled = gc.isenabled()
        gc.disable()
        try:
            first, second = Marker("cycle one"), Marker("cycle two")
            first.peer, second.peer = second, first  # type: ignore[attr-defined]
            ids = [id(first), id(second)]
            del first, second
            waiting = os.path.join(folder.name, "waiting.heapsnapshot")
            heapgraph_py.write_snapshot(waiting)
            collected = os.path.join(folder.name, "collected.heapsnapshot")
            heapgraph_py.write_snapshot(collected, collect=True)
        finally:
            if enabled:
                gc.enable()
        self.assertEqual(len(ids), 2)
        snapshot = Snapshot(waiting)
        cycle = [node for node in snapshot.named("test_graph.Marker") if _label(snapshot, node).startswith("cycle")]
        self.assertEqual(len(cycle), 2)
        reachable = snapshot.reachable()
        self.assertTrue(all(node.ordinal not in reachable for node in cycle))
        c_references = snapshot.one("(C references)", "synthetic")
        self.assertFalse({target for _, _, target in c_references.edges} & {node.ordinal for node in cycle})
        del snapshot
        after = Snapshot(collected)
        self.assertFalse([node for node in after.named("test_graph.Marker") if _label(after, node).startswith("cycle")])


class ThreadsTest(unittest.TestCase):
    """Other threads' frames are roots too, and a thread that never sleeps does not stall the writer."""

    def test_a_busy_thread_is_in_the_snapshot_with_its_locals(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        stop = threading.Event()
        started = threading.Event()

        def spin() -> None:
            spinning_marker = Marker("spinning")
            started.set()
            count = 0
            while not stop.is_set():  # pure Python: it gives the GIL up only when made to
                count += 1
            del spinning_marker

        thread = threading.Thread(target=spin, name="spinner", daemon=True)
        thread.start()
        started.wait(10)
        path = os.path.join(folder.name, "threads.heapsnapshot")
        try:
            heapgraph_py.write_snapshot(path)
        finally:
            stop.set()
            thread.join(10)
        snapshot = Snapshot(path)
        marker = [node for node in snapshot.named("test_graph.Marker") if _label(snapshot, node) == "spinning"]
        self.assertEqual(len(marker), 1)
        frames = [
            holder
            for holder, kind, name in snapshot.retainers(marker[0])
            if name == "spinning_marker" and kind == "property"
        ]
        self.assertEqual([frame.name for frame in frames], ["frame"])
        self.assertIn(frames[0].ordinal, [target for _, _, target in snapshot.nodes[0].edges])


def _label(snapshot: Snapshot, node: Node) -> str:
    label = snapshot.target(node, "label", "property")
    return label.name if label is not None else ""


def numpy_or_none() -> Optional[Any]:
    try:
        import numpy
    except ImportError:
        return None
    return numpy


@unittest.skipIf(numpy_or_none() is None, "NumPy is not installed: its arrays are not tested")
class ZNumpyTest(unittest.TestCase):
    """NumPy arrays: a data node for the bytes an array owns, `.base` for a view, files by name.

    (Named to run last: importing NumPy makes every later snapshot larger.)"""

    def test_arrays_views_and_memmaps(self) -> None:
        import numpy

        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        base = numpy.zeros(1000)
        view = base[10:20]
        mapped = numpy.memmap(os.path.join(folder.name, "data.f64"), dtype=numpy.float64, mode="w+", shape=(64,))
        path = os.path.join(folder.name, "numpy.heapsnapshot")
        heapgraph_py.write_snapshot(path)
        ids = {name: heapgraph_py.object_id(value) for name, value in (("base", base), ("view", view), ("mapped", mapped))}
        snapshot = Snapshot(path)
        owner = snapshot.by_id[ids["base"]]
        data = snapshot.target(owner, "data", "internal")
        assert data is not None
        self.assertEqual((data.type, data.name, data.self_size), ("native", "numpy.ndarray data", 8000))
        self.assertEqual(data.id, owner.id + 1)
        self.assertEqual(owner.self_size, sys.getsizeof(base) - 8000)
        self.assertEqual(snapshot.number(owner, "len"), 1000)
        view_node = snapshot.by_id[ids["view"]]
        self.assertEqual(snapshot.target(view_node, "base", "property"), owner)
        self.assertIsNone(snapshot.target(view_node, "data", "internal"))
        self.assertEqual(snapshot.number(view_node, "nbytes"), 80)
        mapped_node = snapshot.by_id[ids["mapped"]]
        self.assertEqual(mapped_node.name, "numpy.memmap")
        mmap_node = snapshot.target(mapped_node, "base", "property")
        assert mmap_node is not None
        self.assertEqual(mmap_node.name, "mmap.mmap")
        pages = snapshot.target(mmap_node, "data", "internal")
        assert pages is not None
        self.assertEqual(pages.name, f"mmap data (file {os.path.join(folder.name, 'data.f64')})")
        self.assertEqual(pages.self_size, 64 * 8)
        del mapped


if __name__ == "__main__":
    unittest.main()
