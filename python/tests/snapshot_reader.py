"""Reads a .heapsnapshot back for the tests: nodes by ordinal, their edges, and lookups by name."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Tuple

# The tests run with `python3 -m unittest discover -s python/tests`: the package is beside them.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, PACKAGE_ROOT)


@dataclass
class Node:
    ordinal: int
    type: str
    name: str
    id: int
    self_size: int
    edges: List[Tuple[str, object, int]] = field(default_factory=list)
    """(edge type, name or index, target ordinal)."""


class Snapshot:
    def __init__(self, path: str) -> None:
        with open(path, encoding="utf-8") as source:
            raw = json.load(source)
        self.raw = raw
        meta = raw["snapshot"]["meta"]
        self.node_fields: List[str] = meta["node_fields"]
        node_types: List[str] = meta["node_types"][0]
        edge_types: List[str] = meta["edge_types"][0]
        strings: List[str] = raw["strings"]
        self.strings = strings
        width = len(self.node_fields)
        field_at = {name: position for position, name in enumerate(self.node_fields)}
        nodes = raw["nodes"]
        edges = raw["edges"]
        self.nodes: List[Node] = []
        edge = 0
        for start in range(0, len(nodes), width):
            node = Node(
                ordinal=start // width,
                type=node_types[nodes[start + field_at["type"]]],
                name=strings[nodes[start + field_at["name"]]],
                id=nodes[start + field_at["id"]],
                self_size=nodes[start + field_at["self_size"]],
            )
            for _ in range(nodes[start + field_at["edge_count"]]):
                kind = edge_types[edges[edge]]
                name_or_index = edges[edge + 1]
                name = name_or_index if kind in ("element", "hidden") else strings[name_or_index]
                node.edges.append((kind, name, edges[edge + 2] // width))
                edge += 3
            self.nodes.append(node)
        self.edge_total = edge // 3
        self.by_id: Dict[int, Node] = {node.id: node for node in self.nodes}

    def named(self, name: str) -> List[Node]:
        return [node for node in self.nodes if node.name == name]

    def one(self, name: str, kind: Optional[str] = None) -> Node:
        found = [node for node in self.named(name) if kind is None or node.type == kind]
        assert len(found) == 1, f"{len(found)} nodes named {name!r}"
        return found[0]

    def target(self, node: Node, name: object, kind: Optional[str] = None) -> Optional[Node]:
        for edge_kind, edge_name, target in node.edges:
            if edge_name == name and (kind is None or edge_kind == kind):
                return self.nodes[target]
        return None

    def edge_kinds(self, node: Node, name: object) -> List[str]:
        return [kind for kind, edge_name, _ in node.edges if edge_name == name]

    def retainers(self, node: Node) -> Iterator[Tuple[Node, str, object]]:
        for holder in self.nodes:
            for kind, name, target in holder.edges:
                if target == node.ordinal:
                    yield holder, kind, name

    def number(self, node: Node, name: str) -> Optional[int]:
        """A hidden value node's number, through an internal edge (`refcount`, `len`...)."""
        value = self.target(node, name, "internal")
        return None if value is None else int(value.name)

    def reachable(self, strong_only: bool = True) -> set:
        """Ordinals reachable from the root by non-weak edges (shortcuts included)."""
        seen = {0}
        stack = [0]
        while stack:
            node = self.nodes[stack.pop()]
            for kind, _name, target in node.edges:
                if strong_only and kind == "weak":
                    continue
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen
