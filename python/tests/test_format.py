"""The file is V8's .heapsnapshot format, as Node's V8 writes it, and written atomically."""

from __future__ import annotations

import json
import os
import tempfile
import unittest
from unittest import mock

from snapshot_reader import Snapshot  # first: it puts the package on the path

import heapgraph_py
from heapgraph_py import _json
from heapgraph_py._graph import Graph


def small_graph() -> Graph:
    """A graph of three synthetic nodes: writing it tests the file, not the walk."""
    graph = Graph()
    for name, sid in (("", 1), ("(GC roots)", 3), ("(C references)", 5)):
        graph.node_type.append(9)
        graph.node_name.append(graph.string(name))
        graph.node_id.append(sid)
        graph.node_size.append(0)
        graph.node_edge_count.append(0)
    return graph


class FormatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.folder = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.folder.name, "format.heapsnapshot")
        heapgraph_py.write_snapshot(cls.path)
        with open(cls.path, encoding="utf-8") as source:
            cls.raw = json.load(source)
        cls.snapshot = Snapshot(cls.path)

    @classmethod
    def tearDownClass(cls) -> None:
        # Parsed snapshots are large: later tests' snapshots must not carry them.
        del cls.raw, cls.snapshot
        cls.folder.cleanup()

    def test_the_header_declares_nodes_fields_and_counts_as_node_writes_them(self) -> None:
        header = self.raw["snapshot"]
        meta = header["meta"]
        self.assertEqual(
            meta["node_fields"],
            ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"],
        )
        self.assertEqual(meta["edge_fields"], ["type", "name_or_index", "to_node"])
        self.assertIn("synthetic", meta["node_types"][0])
        self.assertEqual(meta["edge_types"][0][-1], "weak")
        self.assertEqual(header["node_count"] * 7, len(self.raw["nodes"]))
        self.assertEqual(header["edge_count"] * 3, len(self.raw["edges"]))
        self.assertEqual(self.raw["strings"][0], "<dummy>")

    def test_edge_counts_add_up_and_every_edge_points_at_the_start_of_a_node(self) -> None:
        nodes = self.raw["nodes"]
        self.assertEqual(sum(nodes[4::7]), self.raw["snapshot"]["edge_count"])
        for to_node in self.raw["edges"][2::3]:
            self.assertEqual(to_node % 7, 0)
            self.assertLess(to_node, len(nodes))

    def test_names_index_the_string_table_and_ids_are_unique(self) -> None:
        strings = self.raw["strings"]
        self.assertTrue(all(0 <= name < len(strings) for name in self.raw["nodes"][1::7]))
        ids = self.raw["nodes"][2::7]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertTrue(all(0 < value < 2**32 for value in ids))

    def test_the_root_holds_gc_roots_modules_and_frames(self) -> None:
        snapshot = self.snapshot
        root = snapshot.nodes[0]
        self.assertEqual((root.type, root.name, root.id), ("synthetic", "", 1))
        children = [snapshot.nodes[target] for _, _, target in root.edges]
        self.assertEqual((children[0].name, children[0].type), ("(GC roots)", "synthetic"))
        self.assertEqual(snapshot.nodes[children[0].edges[0][2]].name, "(C references)")
        for child in children[1:]:
            # A frame (its code), or a module (or a subclass of ModuleType: its __dict__).
            linked = {name for kind, name, _ in child.edges if kind == "internal"}
            self.assertTrue("f_code" in linked or "__dict__" in linked, child.name)
        self.assertIn("module", {child.name for child in children})
        self.assertIn("frame", {child.name for child in children})
        # Every root edge is an element edge: no shortcut, so no V8 "page" rules apply.
        self.assertEqual({kind for kind, _, _ in root.edges}, {"element"})

    def test_ascii_only_text_with_non_ascii_strings_escaped(self) -> None:
        with open(self.path, "rb") as source:
            data = source.read()
        self.assertTrue(all(byte < 0x80 for byte in data))

    def test_writes_atomically_through_a_partial_file(self) -> None:
        path = os.path.join(self.folder.name, "atomic.heapsnapshot")
        seen = []
        original = _json.write_graph

        def watch(graph, out):  # type: ignore[no-untyped-def]
            seen.append((os.path.exists(path), os.path.exists(path + ".partial")))
            original(graph, out)

        with mock.patch("heapgraph_py._snapshot.write_graph", watch), mock.patch(
            "heapgraph_py._snapshot.collect_graph", lambda collect=False: small_graph()
        ):
            heapgraph_py.write_snapshot(path)
        self.assertEqual(seen, [(False, True)])
        self.assertTrue(os.path.exists(path))
        self.assertFalse(os.path.exists(path + ".partial"))

    def test_a_failed_write_leaves_neither_file(self) -> None:
        path = os.path.join(self.folder.name, "failed.heapsnapshot")

        def fail(graph, out):  # type: ignore[no-untyped-def]
            out.write("{")
            raise OSError("disk full")

        with mock.patch("heapgraph_py._snapshot.write_graph", fail), mock.patch(
            "heapgraph_py._snapshot.collect_graph", lambda collect=False: small_graph()
        ):
            with self.assertRaises(OSError):
                heapgraph_py.write_snapshot(path)
        self.assertFalse(os.path.exists(path))
        self.assertFalse(os.path.exists(path + ".partial"))


if __name__ == "__main__":
    unittest.main()
