"""The id table against a model of its scheme, with and without NumPy, over many snapshots."""

from __future__ import annotations

import random
import unittest
from array import array
from typing import Any, Dict, List, Optional, Tuple

from snapshot_reader import Snapshot  # noqa: F401  (first: it puts the package on the path)

from heapgraph_py._ids import FIRST_OBJECT_ID, IdTable


class Model:
    """The scheme as _ids.py states it, one object at a time."""

    def __init__(self) -> None:
        self.next_id = FIRST_OBJECT_ID
        self.last: Dict[int, Tuple[int, int]] = {}

    def assign(self, nodes: List[Tuple[int, int]]) -> List[int]:
        ids: List[int] = []
        current: Dict[int, Tuple[int, int]] = {}
        for address, tag in nodes:
            if address == 0:
                ids.append(0)
                continue
            known = self.last.get(address)
            if known is not None and known[1] == tag:
                object_id = known[0]
            else:
                object_id = self.next_id
                self.next_id += 2
            current[address] = (object_id, tag)
            ids.append(object_id)
        self.last = current
        return ids


def numpy_or_none() -> Optional[Any]:
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def snapshots(seed: int) -> List[List[Tuple[int, int]]]:
    """Snapshots of a made-up process: objects live on, die, and new ones reuse addresses."""
    rng = random.Random(seed)
    alive: Dict[int, int] = {}
    result: List[List[Tuple[int, int]]] = []
    for _ in range(rng.randint(1, 6)):
        for address in list(alive):
            if rng.random() < 0.3:
                del alive[address]
        for _ in range(rng.randint(0, 40)):
            # Few addresses: a freed object's address comes back, with its type or another.
            alive[rng.randrange(1, 60) * 16] = rng.randrange(3)
        nodes = list(alive.items())
        rng.shuffle(nodes)
        for _ in range(rng.randint(0, 3)):
            nodes.insert(rng.randint(0, len(nodes)), (0, 0))  # a node that is not an object
        result.append(nodes)
    return result


class IdTableTest(unittest.TestCase):
    def run_table(self, seed: int, assign: str) -> None:
        table = IdTable()
        model = Model()
        numpy = numpy_or_none()
        for number, nodes in enumerate(snapshots(seed)):
            addresses = array("Q", [address for address, _ in nodes])
            tags = array("H", [tag for _, tag in nodes])
            if assign == "dict" or (assign == "mixed" and number % 2 == 0):
                got = table._assign_dict(addresses, tags)
            else:
                got = table._assign_numpy(numpy, addresses, tags)
            want = model.assign(nodes)
            self.assertEqual(list(got), want, f"seed {seed}, snapshot {number}, {assign}")
            self.assertEqual(table.next_id, model.next_id)
            for address, tag in nodes:
                if address != 0:
                    self.assertEqual(table.lookup(address, tag), model.last[address][0])
                    self.assertIsNone(table.lookup(address, tag + 1))
            self.assertIsNone(table.lookup(8, 0))  # no object is ever at an address not 16-aligned

    def test_the_dict_table_follows_the_scheme(self) -> None:
        for seed in range(300):
            self.run_table(seed, "dict")

    @unittest.skipIf(numpy_or_none() is None, "NumPy is not installed: its id table is not tested")
    def test_the_numpy_table_follows_the_scheme(self) -> None:
        for seed in range(300):
            self.run_table(seed, "numpy")

    @unittest.skipIf(numpy_or_none() is None, "NumPy is not installed: its id table is not tested")
    def test_the_table_moves_between_dict_and_numpy_and_keeps_the_ids(self) -> None:
        for seed in range(300):
            self.run_table(seed, "mixed")


if __name__ == "__main__":
    unittest.main()
