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

Between snapshots the table is three arrays (address, tag, id: 14 bytes an object): with NumPy
already imported by the program, sorted by address and searched; without it, in node order, and
made a dict (about 100 bytes an object) only while the next snapshot is given its ids (a lookup
of one object scans the addresses). The writer never imports NumPy itself: importing it would
change the heap it describes.
"""

from __future__ import annotations

import operator
import sys
from array import array
from itertools import compress, count, repeat
from typing import Any, Iterator, List, Optional

FIRST_OBJECT_ID = 101
MAX_OBJECT_ID = 2**31 - 1
VALUE_ID_BASE = 2**31 + 2
MAX_VALUE = 2**30 - 2
"""Numbers drawn as value nodes (reference counts, lengths) stay below this."""


KEY_SHIFT = 57
"""Dicts keyed by an address use address << KEY_SHIFT (| tag). Python hashes an int modulo
2**61 - 1, so this key hashes to the address turned right by 4 bits (plus the tag): the
16-byte-aligned addresses of neighbouring objects fall in neighbouring slots. Keyed by the bare
address, whose low 4 bits are all 0, a lookup probes several slots: searching a table of 1.5
million objects in the order they were made took 2.3 to 2.8 times as long."""


def type_tag(t: type) -> int:
    return (id(t) >> 4) & 0xFFFF


class IdTable:
    """Ids of the objects of the last snapshot, and the counter for new ones."""

    def __init__(self) -> None:
        self.next_id = FIRST_OBJECT_ID
        self._numpy_table: Optional[Any] = None
        # Without NumPy: the last snapshot's addresses, type tags and ids, in node order, made a
        # dict only while the next snapshot is given its ids. The same three arrays for the
        # table's life, refilled in place.
        self._addresses = array("Q")
        self._tags = array("H")
        self._ids = array("I")
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
        if address == 0:
            return None
        # A scan in C: addresses other than 0 are unique.
        try:
            position = self._addresses.index(address)
        except ValueError:
            return None
        return self._ids[position] if self._tags[position] == tag else None

    def own_objects(self) -> List[Any]:
        """The table's containers, which no snapshot may show."""
        owned: List[Any] = [self._addresses, self._tags, self._ids]
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
        if self._numpy_table is not None:
            # NumPy was imported and then removed from sys.modules: its table becomes the arrays
            # (its arrays' methods work without the module).
            known_address, known_id, known_tag = self._numpy_table
            self._addresses[:] = array("Q", known_address.tolist())
            self._tags[:] = array("H", known_tag.tolist())
            self._ids[:] = array("I", known_id.tolist())
            self._numpy_table = None
        # The last snapshot's ids by key; nodes that are not objects (address 0, key 0) get 0.
        previous = dict(zip(_keys(self._addresses, self._tags), self._ids))
        previous[0] = 0
        found: List[Optional[int]] = list(map(previous.get, _keys(addresses, tags)))
        previous.clear()
        # The objects the last snapshot did not have (or not with this type) take new ids, in
        # node order: only they cost a step of Python.
        next_id = self.next_id
        for position in compress(count(), map(operator.is_, found, repeat(None))):
            found[position] = next_id
            next_id += 2
        self.next_id = next_id
        ids = array("I", found)
        found.clear()
        self._addresses[:] = addresses
        self._tags[:] = tags
        self._ids[:] = ids
        return ids

    def _assign_numpy(self, numpy: Any, addresses: "array[int]", tags: "array[int]") -> "array[int]":
        address = numpy.frombuffer(addresses, dtype=numpy.uint64)
        tag = numpy.frombuffer(tags, dtype=numpy.uint16)
        ids = numpy.zeros(len(address), dtype=numpy.uint32)
        is_object = address != 0
        hit = numpy.zeros(len(address), dtype=bool)
        table = self._numpy_table
        if table is None and len(self._addresses) > 0:
            # The last snapshots were taken before NumPy was imported: the arrays become its
            # table, sorted by address, without the nodes that are not objects.
            table = _sorted_table(
                numpy,
                numpy.array(self._addresses, dtype=numpy.uint64),
                numpy.array(self._ids, dtype=numpy.uint32),
                numpy.array(self._tags, dtype=numpy.uint16),
            )
            del self._addresses[:], self._tags[:], self._ids[:]
        if table is not None and len(table[0]) > 0:
            known_address, known_id, known_tag = table
            position = numpy.searchsorted(known_address, address)
            numpy.minimum(position, len(known_address) - 1, out=position)
            hit = (known_address[position] == address) & (known_tag[position] == tag) & is_object
            ids[hit] = known_id[position[hit]]
        fresh = is_object & ~hit
        fresh_count = int(fresh.sum())
        end = self.next_id + 2 * fresh_count
        ids[fresh] = numpy.arange(self.next_id, end, 2, dtype=numpy.uint64)
        self.next_id = end
        self._numpy_table = _sorted_table(numpy, address, ids, tag)
        result = array("I")
        result.frombytes(ids.tobytes())
        return result


def _keys(addresses: "array[int]", tags: "array[int]") -> Iterator[int]:
    """Each node's table key, address << KEY_SHIFT | tag (0 for a node that is not an object)."""
    return map(operator.or_, map(operator.lshift, addresses, repeat(KEY_SHIFT)), tags)


def _sorted_table(numpy: Any, address: Any, ids: Any, tag: Any) -> Any:
    """The NumPy table: the objects' addresses, ids and tags (not address 0), by address."""
    is_object = address != 0
    order = numpy.argsort(address[is_object], kind="stable")
    return tuple(part[is_object][order] for part in (address, ids, tag))
