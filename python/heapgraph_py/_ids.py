"""Stable object ids for the snapshots of one process, so that diff and leaks can match objects.

The scheme (V8 gives heap objects odd ids, and Heapgraph reads ids as 32-bit numbers):

* A Python object gets the next odd number from a per-process counter (101, 103, ...) the first
  time a snapshot sees it, and keeps it in every later snapshot for as long as it lives.
* The table remembers, from the last snapshot only, each object's address (``id(obj)``) and a
  16-bit tag of its type's address. An object at a remembered address whose type tag matches is
  taken to be the same object; any other object gets a fresh id. Two objects alive at the same
  time never share an id (their addresses differ), and an id is never given to a second address.
  CPython reuses the memory of a freed object for a new one, often of the same type (free lists):
  a new object at the address of one that was alive at the last snapshot and freed since, with
  the same type, inherits its id. Nothing in pure Python can tell these apart.
* Nodes that are not Python objects derive their ids: the data block of an object with id ``n``
  is ``n + 1`` (even, as V8's native objects); a number node for ``v`` is ``VALUE_ID_BASE + 2v``;
  the synthetic roots are 1, 3 and 5.

With NumPy already imported by the program, the table is three sorted arrays (14 bytes an object
between snapshots); without it, a dict (about 100 bytes an object). The writer never imports
NumPy itself: importing it would change the heap it describes.
"""

from __future__ import annotations

import sys
from array import array
from typing import Any, Dict, List, Optional

FIRST_OBJECT_ID = 101
MAX_OBJECT_ID = 2**31 - 1
VALUE_ID_BASE = 2**31 + 2
MAX_VALUE = 2**30 - 2
"""Numbers drawn as value nodes (reference counts, lengths) stay below this."""


def type_tag(t: type) -> int:
    return (id(t) >> 4) & 0xFFFF


class IdTable:
    """Ids of the objects of the last snapshot, and the counter for new ones."""

    def __init__(self) -> None:
        self.next_id = FIRST_OBJECT_ID
        self._numpy_table: Optional[Any] = None
        self._dict_table: Dict[int, int] = {}
        self.snapshots = 0

    def lookup(self, address: int, tag: int) -> Optional[int]:
        """The id the last snapshot gave the object at `address` with type tag `tag`, or None."""
        if self._numpy_table is not None:
            numpy = sys.modules.get("numpy")
            known_address, known_id, known_tag = self._numpy_table
            if numpy is None or len(known_address) == 0:
                return None
            position = int(numpy.searchsorted(known_address, numpy.uint64(address)))
            if position < len(known_address) and int(known_address[position]) == address:
                if int(known_tag[position]) == tag:
                    return int(known_id[position])
            return None
        entry = self._dict_table.get(address)
        if entry is None or entry & 0xFFFF != tag:
            return None
        return entry >> 16

    def own_objects(self) -> List[Any]:
        """The table's containers, which no snapshot may show."""
        owned: List[Any] = [self._dict_table]
        if self._numpy_table is not None:
            owned.append(self._numpy_table)
            owned.extend(self._numpy_table)
        return owned

    def assign(self, addresses: "array[int]", tags: "array[int]") -> "array[int]":
        """Ids for this snapshot's objects (address 0 marks a node that is not an object, id 0).

        Afterwards the table holds exactly these objects.
        """
        numpy = sys.modules.get("numpy")
        if numpy is not None and hasattr(numpy, "searchsorted"):
            result = self._assign_numpy(numpy, addresses, tags)
        else:
            result = self._assign_dict(addresses, tags)
        self.snapshots += 1
        if self.next_id > MAX_OBJECT_ID:
            raise OverflowError("heapgraph_py: this process has used up its 2**30 object ids")
        return result

    def _assign_dict(self, addresses: "array[int]", tags: "array[int]") -> "array[int]":
        previous = self._dict_table
        if self._numpy_table is not None:
            # NumPy was imported and then removed from sys.modules: start over with a dict.
            previous = {}
            self._numpy_table = None
        current: Dict[int, int] = {}
        ids = array("I")
        append = ids.append
        get = previous.get
        next_id = self.next_id
        # One pass over (address, tag) pairs with local names only: this runs once per node.
        for address, tag in zip(addresses, tags):
            if address == 0:
                append(0)
                continue
            entry = get(address)
            if entry is None or entry & 0xFFFF != tag:
                entry = next_id << 16 | tag
                next_id += 2
            current[address] = entry
            append(entry >> 16)
        self.next_id = next_id
        self._dict_table = current
        return ids

    def _assign_numpy(self, numpy: Any, addresses: "array[int]", tags: "array[int]") -> "array[int]":
        address = numpy.frombuffer(addresses, dtype=numpy.uint64)
        tag = numpy.frombuffer(tags, dtype=numpy.uint16)
        ids = numpy.zeros(len(address), dtype=numpy.uint32)
        is_object = address != 0
        hit = numpy.zeros(len(address), dtype=bool)
        table = self._numpy_table
        if table is None and self._dict_table:
            # The first snapshots were taken before NumPy was imported.
            items = sorted(self._dict_table.items())
            table = (
                numpy.array([key for key, _ in items], dtype=numpy.uint64),
                numpy.array([entry >> 16 for _, entry in items], dtype=numpy.uint32),
                numpy.array([entry & 0xFFFF for _, entry in items], dtype=numpy.uint16),
            )
            self._dict_table = {}
        if table is not None and len(table[0]) > 0:
            known_address, known_id, known_tag = table
            position = numpy.searchsorted(known_address, address)
            numpy.minimum(position, len(known_address) - 1, out=position)
            hit = (known_address[position] == address) & (known_tag[position] == tag) & is_object
            ids[hit] = known_id[position[hit]]
        fresh = is_object & ~hit
        count = int(fresh.sum())
        ids[fresh] = numpy.arange(self.next_id, self.next_id + 2 * count, 2, dtype=numpy.uint64)
        self.next_id += 2 * count
        order = numpy.argsort(address[is_object], kind="stable")
        self._numpy_table = (
            address[is_object][order].copy(),
            ids[is_object][order].copy(),
            tag[is_object][order].copy(),
        )
        result = array("I")
        result.frombytes(ids.tobytes())
        return result
