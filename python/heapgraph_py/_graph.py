"""The heap of this process as a graph in V8's snapshot terms: nodes, edges and strings.

Invariants: node ordinals are positions in the snapshot (0 is the synthetic root); every Python
object the walk finds is one node; each node's edges are the references it really holds
(gc.get_referents, plus the few CPython keeps out of the collector's sight, drawn by hand and
"counted"), and beside them the programmer's view of attribute dictionaries (``.name`` from the
object, not counted). Counted references are compared with reference counts to find what only C
code holds. The writer's own objects never become nodes, and its tables hold no reference to a
program object when reference counts are read.
"""

from __future__ import annotations

import gc
import operator
import sys
import threading
import types
import weakref
from array import array
from itertools import accumulate, compress, count, repeat
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ._ids import KEY_SHIFT, MAX_VALUE, VALUE_ID_BASE, IdTable, type_tag
from ._maps import ProcMaps, mmap_address
from ._names import copy_text, qualified_name, subscript

# V8's node and edge types, in the order Node's V8 writes them in the snapshot's meta.
NODE_TYPES = [
    "hidden",
    "array",
    "string",
    "object",
    "code",
    "closure",
    "regexp",
    "number",
    "native",
    "synthetic",
    "concatenated string",
    "sliced string",
    "symbol",
    "bigint",
    "object shape",
    "wasm object",
]
EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"]

N_HIDDEN, N_STRING, N_OBJECT, N_CODE, N_CLOSURE = 0, 2, 3, 4, 5
N_NUMBER, N_NATIVE, N_SYNTHETIC = 7, 8, 9
E_CONTEXT, E_ELEMENT, E_PROPERTY, E_INTERNAL, E_HIDDEN, E_SHORTCUT, E_WEAK = range(7)

NODE_FIELD_COUNT = 7
"""type, name, id, self_size, edge_count, trace_node_id, detachedness: Node's layout."""

# The synthetic nodes by ordinal, with their names and fixed ids.
ROOT, GC_ROOTS, C_REFERENCES = 0, 1, 2
BASE = 3
"""Ordinal of the first node that is not synthetic: node position p is ordinal p + BASE."""
SYNTHETIC = [("", 1), ("(GC roots)", 3), ("(C references)", 5)]

MAX_NAME = 1024
"""A string node's name is its text up to this many characters (V8 cuts long strings too)."""
MAX_OBJECT_ELEMENTS = 100_000
"""Elements of a NumPy object array drawn, at most."""
GROWTH = 1 << 16
"""Slots by which the per-ordinal arrays grow."""
CLAIMED, CLAIMED_WITH_KEYS = 1, 2
"""Values of Walker.claimed for an attribute dictionary (0: an ordinary one)."""
EXTRA_NODE = 3
"""Value of Walker.claimed for an Extra node (found again by bytearray.find, in C)."""
_IS_OBJECT = bytes(0 if value == EXTRA_NODE else 1 for value in range(256))
"""Walker.claimed, translated: 1 for an object's node, 0 for an Extra node."""
IMMORTAL = 10**8
"""A reference count this high is an immortal object's (static, or deep-frozen at build time)."""

# Handler kinds, one per type (see TypeInfo).
(
    K_STR,
    K_NUMBER,
    K_LEAF,
    K_LIST,
    K_TUPLE,
    K_DICT,
    K_SET,
    K_MODULE,
    K_TYPE,
    K_FUNCTION,
    K_CODE,
    K_CELL,
    K_METHOD,
    K_FRAME,
    K_GENERATOR,
    K_WEAKREF,
    K_NDARRAY,
    K_MMAP,
    K_ARRAY,
    K_BYTEARRAY,
    K_GENERIC,
    K_EXTRA,
) = range(22)

PACKAGE = __name__.rpartition(".")[0]
"""heapgraph_py: frames of its modules are the writer's own."""
HEAP_TYPE_FLAG = 1 << 9
# CPython 3.13+ shows the collector the attribute values an instance keeps inline even once its
# `__dict__` is made (the dictionary shares them), instead of the dictionary.
INLINE_VALUES_SHOWN = sys.version_info >= (3, 13)


class Extra:
    """A node that is not a Python object: a block of array data, or a number the engine reads."""

    __slots__ = ("node_type", "name", "size", "sid")

    def __init__(self, node_type: int, name: str, size: int, sid: int) -> None:
        self.node_type = node_type
        self.name = name
        self.size = size
        self.sid = sid


class TypeInfo:
    """What the walker needs to know about one type, computed once per type and snapshot."""

    __slots__ = (
        "kind",
        "node_type",
        "name_id",
        "slots",
        "has_dict",
        "is_heap",
        "tag",
        "container",
        "own_dict_getter",
    )

    def __init__(
        self,
        kind: int,
        node_type: int,
        name_id: int,
        slots: List[Tuple[str, Any]],
        has_dict: bool,
        is_heap: bool,
        tag: int,
    ) -> None:
        self.kind = kind
        self.node_type = node_type
        self.name_id = name_id
        self.slots = slots
        self.has_dict = has_dict
        self.is_heap = is_heap
        self.tag = tag
        self.container = False
        # Its `__dict__` is the interpreter's own attribute (not a property of the class's).
        self.own_dict_getter = False


class Referents:
    """An object's referents as a multiset: named edges take theirs, the rest are drawn numbered."""

    __slots__ = ("items", "left")

    def __init__(self, items: List[Any]) -> None:
        self.items = items
        self.left: Dict[int, int] = {}
        for item in items:
            self.left[id(item)] = self.left.get(id(item), 0) + 1

    def has(self, item: Any) -> bool:
        return self.left.get(id(item), 0) > 0

    def has_all(self, items: Iterable[Any]) -> bool:
        """Whether every one of `items` is a referent not yet taken, counting repeats."""
        wanted: Dict[int, int] = {}
        for item in items:
            wanted[id(item)] = wanted.get(id(item), 0) + 1
        left = self.left
        return all(left.get(key, 0) >= count for key, count in wanted.items())

    def take(self, item: Any) -> bool:
        """Whether `item` is a referent not yet taken (and takes it)."""
        count = self.left.get(id(item), 0)
        if count == 0:
            return False
        self.left[id(item)] = count - 1
        return True

    def rest(self) -> Iterable[Any]:
        """The referents not taken, in order; afterwards the multiset holds nothing."""
        items, self.items = self.items, []
        for item in items:
            count = self.left.get(id(item), 0)
            if count > 0:
                self.left[id(item)] = count - 1
                yield item


class Graph:
    """A finished graph: node and edge arrays, strings and function locations, ready to write."""

    def __init__(self) -> None:
        # Per node ordinal: V8's node type, name (string index), id, self size in bytes, and
        # how many edges follow in `edges`.
        self.node_type = array("B")
        self.node_name = array("I")
        self.node_id = array("I")
        self.node_size = array("Q")
        self.node_edge_count = array("I")
        # Flat (type, name_or_index, to_node) triples in node order; to_node is the target's
        # ordinal times NODE_FIELD_COUNT, as V8 writes it.
        self.edges = array("I")
        self.strings: List[str] = ["<dummy>"]
        self.string_ids: Dict[str, int] = {"<dummy>": 0}
        # Flat (object_index, script_id, line, column) quadruples, as V8's `locations`.
        self.locations = array("I")

    def string(self, text: str) -> int:
        found = self.string_ids.get(text)
        if found is None:
            found = len(self.strings)
            self.strings.append(text)
            self.string_ids[text] = found
        return found

    @property
    def node_count(self) -> int:
        return len(self.node_type)

    @property
    def edge_count(self) -> int:
        return len(self.edges) // 3


class Walker:
    """Builds the Graph of every object the interpreter can reach, in one pass over the nodes."""

    def __init__(self, ids: IdTable, excluded: Iterable[Any]) -> None:
        self.ids = ids
        self.graph = Graph()
        excluded = list(excluded)
        self.excluded = {id(item) for item in excluded}
        # Classes of the writer's own objects (each holds a reference to its class); the id
        # table's are counted when the counts are read (giving ids may make or drop some).
        table = {id(item) for item in ids.own_objects()}
        self.excluded_types = [
            id(type(item))
            for item in excluded
            if type(item).__flags__ & HEAP_TYPE_FLAG and id(item) not in table
        ]
        # Per type, by id(type) (the walker holds no reference to a type).
        self.infos: Dict[int, TypeInfo] = {}
        # The nodes that are not synthetic, by position (ordinal - BASE).
        self.nodes: List[Any] = []
        # Ordinals by id(obj) << KEY_SHIFT: keyed by the bare address, whose low 4 bits are all
        # 0, each lookup would probe several slots (see _ids.KEY_SHIFT).
        self.ordinal: Dict[int, int] = {}
        # Per position: the object's address and type tag (0 for Extra nodes), for ids.
        self.addresses = array("Q")
        self.tags = array("H")
        # Self sizes that are not getsizeof's (an array's data bytes moved to its data node):
        # the per-node columns are filled in bulk after the walk (see _columns), these and the
        # Extra nodes are the exceptions. (Arrays, not a dict: a dict of ints would hold
        # references to the program's small ints.)
        self.override_positions = array("I")
        self.override_sizes = array("Q")
        # By id(type): instances of a Python class with a __dict__, no slots, not a list, tuple
        # or dict, which the main loop draws itself when their only referents are their
        # __dict__ and class. (A set of ids, not a flag on TypeInfo: a bool there would be one
        # more reference to True or False, which the snapshot counts.)
        self.plain_types: set = set()
        # Per ordinal (grown ahead in steps of GROWTH): the references to it counted so far, and
        # whether it is an attribute dictionary whose owner draws its entries (CLAIMED...).
        self.found = array("I")
        self.claimed = bytearray()
        # Per data node position: the position of the object that owns it (its id is that + 1).
        self.data_owner: Dict[int, int] = {}
        self.values: Dict[int, int] = {}
        # Per id(co_filename): the script id of the `locations` section.
        self.scripts: Dict[int, int] = {}
        self.subscripts: Dict[int, int] = {}
        self.maps = ProcMaps()
        self.mmap_files: Dict[int, str] = {}
        self.root_edges: List[Tuple[int, int, int]] = []
        self.root_children: set = set()
        self.name_tuples: Optional[Dict[Tuple[int, ...], int]] = None
        self.dict_name = self.graph.string("__dict__")
        self.class_name = self.graph.string("__class__")
        # The walker's own containers are never nodes, however a program object may reach them.
        self.excluded.update(id(item) for item in (self, self.__dict__, self.graph, self.graph.__dict__))
        for item in (*self.__dict__.values(), *self.graph.__dict__.values()):
            # Containers only: a number or None here is the program's object too.
            if isinstance(item, (dict, list, set, array, bytearray, ProcMaps)):
                self.excluded.add(id(item))

    # -- nodes ------------------------------------------------------------------------------

    def add(self, obj: Any) -> int:
        """The ordinal of `obj`, made a node now if it is not one yet; -1 for the writer's own."""
        key = id(obj)
        found = self.ordinal.get(key << KEY_SHIFT)
        if found is not None:
            return found
        if key in self.excluded:
            return -1
        found = BASE + len(self.nodes)
        self.nodes.append(obj)
        self.ordinal[key << KEY_SHIFT] = found
        if found >= len(self.found):
            self._grow()
        return found

    def _grow(self) -> None:
        self.found.frombytes(bytes(4 * GROWTH))
        self.claimed.extend(bytes(GROWTH))

    def extra(self, node_type: int, name: str, size: int, sid: int) -> int:
        ordinal = BASE + len(self.nodes)
        self.nodes.append(Extra(node_type, name, size, sid))
        if ordinal >= len(self.found):
            self._grow()
        self.claimed[ordinal] = EXTRA_NODE
        return ordinal

    def _extra_positions(self) -> Iterable[int]:
        """Positions of the Extra nodes made so far (marked in `claimed`, found in C)."""
        claimed = self.claimed
        marker = bytes((EXTRA_NODE,))
        ordinal = claimed.find(marker, BASE)
        while ordinal >= 0:
            yield ordinal - BASE
            ordinal = claimed.find(marker, ordinal + 1)

    def value(self, number: int) -> int:
        """A hidden node named by a whole number (a reference count, a length): one per value."""
        number = max(0, min(int(number), MAX_VALUE))
        ordinal = self.values.get(number)
        if ordinal is None:
            ordinal = self.extra(N_HIDDEN, str(number), 0, VALUE_ID_BASE + 2 * number)
            self.values[number] = ordinal
        return ordinal

    def type_info(self, t: type) -> TypeInfo:
        info = self.infos.get(id(t))
        if info is None:
            info = self._make_type_info(t)
            self.infos[id(t)] = info
        return info

    def _make_type_info(self, t: type) -> TypeInfo:
        name = qualified_name(t)
        node_type = N_OBJECT
        numpy = sys.modules.get("numpy")
        mmap_module = sys.modules.get("mmap")
        array_module = sys.modules.get("array")
        if t is Extra:
            kind = K_EXTRA
        elif issubclass(t, str):
            kind, node_type = K_STR, N_STRING
        elif t is int or t is float:
            kind, node_type = K_NUMBER, N_NUMBER
        elif t is list:
            kind = K_LIST
        elif t is tuple:
            kind = K_TUPLE
        elif t is dict:
            kind = K_DICT
        elif t is set or t is frozenset:
            kind = K_SET
        elif issubclass(t, types.ModuleType):
            kind = K_MODULE
        elif issubclass(t, type):
            kind = K_TYPE
        elif t is types.FunctionType:
            kind, node_type = K_FUNCTION, N_CLOSURE
        elif t is types.CodeType:
            kind, node_type = K_CODE, N_CODE
        elif t is _CELL_TYPE:
            kind = K_CELL
        elif t is types.MethodType:
            kind = K_METHOD
        elif t is types.FrameType:
            kind = K_FRAME
        elif t in (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType):
            kind = K_GENERATOR
        elif issubclass(t, weakref.ref):
            kind = K_WEAKREF
        elif numpy is not None and issubclass(t, numpy.ndarray):
            kind = K_NDARRAY
        elif mmap_module is not None and issubclass(t, mmap_module.mmap):
            kind = K_MMAP
        elif array_module is not None and issubclass(t, array_module.array):
            kind = K_ARRAY
        elif issubclass(t, bytearray):
            kind = K_BYTEARRAY
        elif t in _LEAF_TYPES:
            kind = K_LEAF
        else:
            kind = K_GENERIC
        slots: List[Tuple[str, Any]] = []
        try:
            # None for a type not made ready yet (Python 3.9 and 3.10 have some in gc's lists).
            mro = type.__dict__["__mro__"].__get__(t) or (t,)
        except Exception:
            mro = (t,)
        for klass in mro:
            declared = klass.__dict__.get("__slots__", ())
            if isinstance(declared, str):
                declared = (declared,)
            for slot in declared if isinstance(declared, (tuple, list)) else ():
                if not isinstance(slot, str) or slot in ("__dict__", "__weakref__"):
                    continue
                if slot.startswith("__") and not slot.endswith("__"):
                    slot = f"_{klass.__name__.lstrip('_')}{slot}"
                descriptor = klass.__dict__.get(slot)
                if type(descriptor).__name__ == "member_descriptor":
                    slots.append((slot, descriptor))
        has_dict = getattr(t, "__dictoffset__", 0) != 0
        dict_getter = None
        for klass in mro:
            if "__dict__" in klass.__dict__:
                dict_getter = klass.__dict__["__dict__"]
                break
        is_heap = bool(getattr(t, "__flags__", 0) & HEAP_TYPE_FLAG)
        info = TypeInfo(kind, node_type, self.graph.string(name), slots, has_dict, is_heap, type_tag(t))
        info.container = issubclass(t, (list, tuple, dict))
        info.own_dict_getter = type(dict_getter) is types.GetSetDescriptorType
        if kind == K_GENERIC and has_dict and is_heap and not slots and not info.container:
            self.plain_types.add(id(t))
        return info

    # -- the walk -----------------------------------------------------------------------------

    def walk(self, objects: List[Any], frames: List[Tuple[str, Any]]) -> None:
        """Makes nodes of `objects` (gc.get_objects()'s) and `frames`, then walks every node.

        Both lists are emptied: the reference counts read later must not count them.
        """
        # Owners before the dictionaries they own: an attribute dictionary's entries are drawn
        # from its owner, so the owner must claim it before the dictionary's turn.
        self.found.frombytes(bytes(4 * BASE))
        self.claimed.extend(bytes(BASE))
        self._add_objects(objects)
        objects.clear()
        self._add_roots(frames)
        frames.clear()
        graph = self.graph
        for name, _sid in SYNTHETIC:
            graph.node_name.append(graph.string(name))
            graph.node_edge_count.append(0)
        self._walk_nodes()
        self._columns()

    def _columns(self) -> None:
        """Each walked node's type, self size, address and type tag, in bulk (C-level maps).

        The walk itself only names nodes and draws edges; the columns that depend on the
        object's type alone, or on getsizeof, cost one map over the nodes here instead of a
        Python-level append per node. Extra nodes and overridden sizes are patched afterwards.
        """
        graph = self.graph
        nodes = self.nodes
        node_types: Dict[int, int] = {}
        type_tags: Dict[int, int] = {}
        for key, info in self.infos.items():
            node_types[key] = info.node_type
            type_tags[key] = info.tag
        extra_key = id(Extra)
        node_types[extra_key] = N_HIDDEN
        type_tags[extra_key] = 0
        node_type = array("B", [N_SYNTHETIC] * BASE)
        node_type.extend(map(node_types.__getitem__, map(id, map(type, nodes))))
        tags = array("H", map(type_tags.__getitem__, map(id, map(type, nodes))))
        addresses = array("Q", map(id, nodes))
        node_size = array("Q", bytes(8 * BASE))
        node_size.extend(map(sys.getsizeof, nodes))
        for position in self._extra_positions():
            extra = nodes[position]
            node_type[position + BASE] = extra.node_type
            node_size[position + BASE] = extra.size
            addresses[position] = 0
        extra = None
        for position, size in zip(self.override_positions, self.override_sizes):
            node_size[position + BASE] = size
        graph.node_type = node_type
        graph.node_size = node_size
        self.addresses = addresses
        self.tags = tags
        # Each array holds a reference to its class, which the snapshot counts: the walker keeps
        # as many alive as it always has when reference counts are read.
        del self.override_positions, self.override_sizes

    def _add_objects(self, objects: List[Any]) -> None:
        excluded = self.excluded
        owners = [obj for obj in objects if type(obj) is not dict and id(obj) not in excluded]
        dicts = [obj for obj in objects if type(obj) is dict and id(obj) not in excluded]
        nodes = self.nodes
        nodes.extend(owners)
        nodes.extend(dicts)
        owners.clear()
        dicts.clear()
        keys = map(operator.lshift, map(id, nodes), repeat(KEY_SHIFT))
        self.ordinal.update(zip(keys, range(BASE, BASE + len(nodes))))
        while len(self.found) < BASE + len(nodes):
            self._grow()

    def _add_roots(self, frames: List[Tuple[str, Any]]) -> None:
        def root(obj: Any) -> None:
            ordinal = self.add(obj)
            if ordinal >= 0 and ordinal not in self.root_children:
                self.root_children.add(ordinal)
                self.root_edges.append((E_ELEMENT, len(self.root_edges) + 2, ordinal))

        for module in list(sys.modules.values()):
            root(module)
        for _thread, frame in frames:
            root(frame)

    def _walk_nodes(self) -> None:
        graph = self.graph
        nodes = self.nodes
        infos = self.infos
        type_info = self.type_info
        node_name = graph.node_name
        node_edge_count = graph.node_edge_count
        edges = graph.edges
        string = graph.string
        strings_get = graph.string_ids.get
        ordinal_of = self.ordinal.get
        shift = KEY_SHIFT
        add = self.add
        found = self.found
        claimed = self.claimed
        getsizeof = sys.getsizeof
        get_referents = gc.get_referents
        subscripts = self.subscripts
        special = self._special
        get_dict = object.__getattribute__
        plain_types = self.plain_types
        dict_name = self.dict_name
        class_name = self.class_name
        refcount_name = string("refcount")
        key_name = string("key")
        member_name = string("member")

        def dict_edges(obj: Any, items: Iterable[Tuple[Any, Any]], owned: int) -> None:
            """A dictionary's entries: `["key"]` (`[3]` for a whole number) and its keys."""
            for key, item in items:
                target = ordinal_of(id(item) << shift)
                if target is None:
                    target = add(item)
                if owned and type(key) is str:
                    # An attribute dictionary: its owner draws `.name`; here a shortcut.
                    if target >= 0:
                        found[target] += 1
                        name = strings_get(key)
                        if name is None:
                            name = string(key)
                        edges.extend((E_SHORTCUT, name, target * NODE_FIELD_COUNT))
                    if owned == CLAIMED_WITH_KEYS:
                        # A module's or class's names: the dictionary holds its keys (an
                        # instance's split dictionary shares them with its class).
                        key_target = ordinal_of(id(key) << shift)
                        if key_target is None:
                            key_target = add(key)
                        if key_target >= 0:
                            found[key_target] += 1
                            edges.extend((E_INTERNAL, key_name, key_target * NODE_FIELD_COUNT))
                    continue
                if type(key) is int and 0 <= key < 0xFFFFFFFF:
                    edge_type, edge_name = E_ELEMENT, key
                else:
                    edge_type = E_PROPERTY
                    edge_name = subscripts.get(id(key)) if type(key) is str else None
                    if edge_name is None:
                        edge_name = string(subscript(key))
                        if type(key) is str:
                            subscripts[id(key)] = edge_name
                if target >= 0:
                    found[target] += 1
                    edges.extend((edge_type, edge_name, target * NODE_FIELD_COUNT))
                key_target = ordinal_of(id(key) << shift)
                if key_target is None:
                    key_target = add(key)
                if key_target >= 0:
                    found[key_target] += 1
                    edges.extend((E_INTERNAL, key_name, key_target * NODE_FIELD_COUNT))
        position = 0
        while position < len(nodes):
            obj = nodes[position]
            t = type(obj)
            info = infos.get(id(t)) or type_info(t)
            kind = info.kind
            start = len(edges)
            if kind == K_EXTRA:
                node_name.append(string(obj.name))
                node_edge_count.append(0)
                position += 1
                continue
            name_id = info.name_id
            if kind == K_STR:
                # A subclass's text as a plain str: its own methods are the program's code.
                text = obj if t is str else str.__str__(obj)
                name_id = strings_get(text) if len(text) <= MAX_NAME else None
                if name_id is None:
                    name_id = string(text[:MAX_NAME])
                text = None
            elif kind == K_NUMBER:
                if t is float or obj.bit_length() <= 256:
                    text = repr(obj)
                    name_id = strings_get(text)
                    if name_id is None:
                        name_id = string(text)
                    text = None
                else:
                    # Beyond any double; and repr would stop at the digit limit of 3.11+.
                    name_id = string(f"int of {obj.bit_length()} bits")
            elif kind == K_LIST or kind == K_TUPLE:
                # By iteration: the collector visits a list's or tuple's items last to first.
                element = 0
                for item in obj:
                    target = ordinal_of(id(item) << shift)
                    if target is None:
                        target = add(item)
                    if target >= 0:
                        found[target] += 1
                        edges.extend((E_ELEMENT, element, target * NODE_FIELD_COUNT))
                    element += 1
            elif kind == K_DICT:
                owned = claimed[position + BASE]
                try:
                    dict_edges(obj, dict.items(obj), owned)
                except RuntimeError:
                    # The dictionary changed while it was read (a weak reference's callback, say):
                    # its edges so far are taken back and it is read again from a copy.
                    for edge in range(start, len(edges), 3):
                        found[edges[edge + 2] // NODE_FIELD_COUNT] -= 1
                    del edges[start:]
                    dict_edges(obj, list(dict.items(obj)), owned)
            elif kind == K_SET:
                for item in get_referents(obj):
                    target = ordinal_of(id(item) << shift)
                    if target is None:
                        target = add(item)
                    if target >= 0:
                        found[target] += 1
                        edges.extend((E_INTERNAL, member_name, target * NODE_FIELD_COUNT))
            elif kind == K_GENERIC and id(t) in plain_types:
                # An instance of a Python class, all in its __dict__ (the common case): as
                # _instance_edges draws it, without its calls; anything else goes there.
                items = get_referents(obj)
                dictionary = None
                if not (len(items) == 1 and items[0] is t):
                    try:
                        dictionary = get_dict(obj, "__dict__")
                    except Exception:
                        dictionary = None
                    if type(dictionary) is dict and not any(item is dictionary for item in items):
                        items = get_referents(obj)
                if type(dictionary) is dict and len(items) == 2 and items[0] is dictionary and items[1] is t:
                    items = None
                    for key, item in dict.items(dictionary):
                        if type(key) is str:
                            target = ordinal_of(id(item) << shift)
                            if target is None:
                                target = add(item)
                            if target >= 0:
                                name = strings_get(key)
                                if name is None:
                                    name = string(key)
                                edges.extend((E_PROPERTY, name, target * NODE_FIELD_COUNT))
                    key = item = None
                    target = ordinal_of(id(dictionary) << shift)
                    if target is None:
                        target = add(dictionary)
                    if target >= 0:
                        claimed[target] = CLAIMED
                        found[target] += 1
                        edges.extend((E_INTERNAL, dict_name, target * NODE_FIELD_COUNT))
                    target = ordinal_of(id(t) << shift)
                    if target is None:
                        target = add(t)
                    if target >= 0:
                        found[target] += 1
                        edges.extend((E_INTERNAL, class_name, target * NODE_FIELD_COUNT))
                else:
                    items = None
                    special(obj, info, kind, 0)
                dictionary = None
            elif kind != K_LEAF:
                if kind == K_FUNCTION or kind == K_CODE:
                    # V8 names a function (and its code) by the function's name.
                    qualname = getattr(obj, "__qualname__" if kind == K_FUNCTION else "co_qualname", None)
                    if type(qualname) is not str:
                        qualname = getattr(obj, "__name__" if kind == K_FUNCTION else "co_name", "")
                    name_id = string(qualname if type(qualname) is str else "")
                    qualname = None
                if kind == K_NDARRAY:
                    size = getsizeof(obj)
                    self.override_positions.append(position)
                    self.override_sizes.append(special(obj, info, kind, size))
                else:
                    special(obj, info, kind, 0)
            # The reference count's node is set once every reference is counted (see finish).
            edges.extend((E_INTERNAL, refcount_name, 0))
            node_name.append(name_id)
            node_edge_count.append((len(edges) - start) // 3)
            position += 1

    # -- edges of the less common kinds ----------------------------------------------------------

    def _edge(self, edge_type: int, name: Any, target_object: Any, counted: bool = True) -> int:
        """Draws an edge from the node being walked; `name` is a str, or an int (element, hidden).

        `counted`: it is a reference the object holds (compared with reference counts later).
        """
        target = self.add(target_object)
        if target < 0:
            return -1
        if counted:
            self.found[target] += 1
        name_or_index = name if isinstance(name, int) else self.graph.string(name)
        self.graph.edges.extend((edge_type, name_or_index, target * NODE_FIELD_COUNT))
        return target

    def _counted_edge(self, edge_type: int, name_id: int, target_object: Any) -> None:
        """A reference the object holds, named by a string index."""
        target = self.add(target_object)
        if target >= 0:
            self.found[target] += 1
            self.graph.edges.extend((edge_type, name_id, target * NODE_FIELD_COUNT))

    def _value_edge(self, name: str, number: int) -> None:
        """An internal edge to the value node of `number`: a length, a line the engine reads."""
        target = self.value(number)
        self.graph.edges.extend((E_INTERNAL, self.graph.string(name), target * NODE_FIELD_COUNT))

    def _claim(self, dictionary: Any, keys: bool = True) -> None:
        """Marks an attribute dictionary, whose owner draws its entries as `.name` edges.

        `keys`: the dictionary holds its keys (a module's, a class's); an instance's may share
        them with its class (a split table), so its keys are not drawn.
        """
        ordinal = self.add(dictionary)
        if ordinal >= 0 and type(dictionary) is dict:
            self.claimed[ordinal] = CLAIMED_WITH_KEYS if keys else CLAIMED

    def _rest(self, referents: "Referents") -> None:
        """Draws the referents no named edge stood for, as hidden edges numbered from 0."""
        for position, item in enumerate(referents.rest()):
            self._edge(E_HIDDEN, position, item)

    def _attributes(self, dictionary: Any, exclude: Tuple[str, ...] = ()) -> None:
        """The object's attributes as `.name` edges (its dictionary holds them: not counted)."""
        if type(dictionary) is not dict:
            return
        add = self.add
        string = self.graph.string
        strings_get = self.graph.string_ids.get
        edges = self.graph.edges
        for key, item in dict.items(dictionary):
            if type(key) is str and key not in exclude:
                target = add(item)
                if target >= 0:
                    name = strings_get(key)
                    if name is None:
                        name = string(key)
                    edges.extend((E_PROPERTY, name, target * NODE_FIELD_COUNT))

    def _special(self, obj: Any, info: TypeInfo, kind: int, size: int) -> int:
        """Edges of every kind but the common containers; returns the node's self size."""
        if kind == K_MODULE:
            dictionary = object.__getattribute__(obj, "__dict__")
            referents = Referents(gc.get_referents(obj))
            self._attributes(dictionary)
            self._claim(dictionary)
            self._edge(E_INTERNAL, "__dict__", dictionary, referents.take(dictionary))
            self._rest(referents)
        elif kind == K_TYPE:
            self._type_edges(obj)
        elif kind == K_FUNCTION:
            self._function_edges(obj)
        elif kind == K_CODE:
            self._code_edges(obj)
        elif kind == K_CELL:
            referents = Referents(gc.get_referents(obj))
            try:
                contents = obj.cell_contents
                self._edge(E_INTERNAL, "cell_contents", contents, referents.take(contents))
            except ValueError:
                pass
            contents = None
            self._rest(referents)
        elif kind == K_METHOD:
            referents = Referents(gc.get_referents(obj))
            self._edge(E_PROPERTY, "__func__", obj.__func__, referents.take(obj.__func__))
            self._edge(E_PROPERTY, "__self__", obj.__self__, referents.take(obj.__self__))
            self._rest(referents)
        elif kind == K_FRAME:
            self._frame_edges(obj)
        elif kind == K_GENERATOR:
            self._generator_edges(obj)
        elif kind == K_WEAKREF:
            self._instance_edges(obj, info)
            referent = obj()
            if referent is not None:
                self._edge(E_WEAK, "referent", referent, counted=False)
            referent = None
        elif kind == K_NDARRAY:
            size = self._ndarray_edges(obj, info, size)
        elif kind == K_MMAP:
            self._instance_edges(obj, info)
            self._mmap_data(obj)
        elif kind == K_ARRAY:
            self._instance_edges(obj, info)
            self._value_edge("len", len(obj))
            self._value_edge("nbytes", len(obj) * obj.itemsize)
        elif kind == K_BYTEARRAY:
            self._instance_edges(obj, info)
            self._value_edge("len", len(obj))
        else:
            self._instance_edges(obj, info)
        return size

    def _instance_edges(self, obj: Any, info: TypeInfo) -> None:
        """An instance: attributes and slots by name, its class; other references numbered."""
        dictionary = None
        items = gc.get_referents(obj)
        t = type(obj)
        if info.has_dict and not (len(items) == 1 and items[0] is t):
            try:
                # On CPython 3.11+ this makes the dictionary of an instance that never had one
                # (as vars(obj) does); one whose only referent is its class has no attributes.
                dictionary = object.__getattribute__(obj, "__dict__")
            except Exception:
                dictionary = None
            if type(dictionary) is dict and not any(item is dictionary for item in items):
                items = gc.get_referents(obj)
        if (
            type(dictionary) is dict
            and len(items) == 2
            and items[0] is dictionary
            and items[1] is t
            and info.is_heap
            and not info.slots
            and not info.container
        ):
            # The common case, quickly: an instance of a Python class, all in its __dict__.
            self._attributes(dictionary)
            self._claim(dictionary, keys=False)
            self._counted_edge(E_INTERNAL, self.dict_name, dictionary)
            self._counted_edge(E_INTERNAL, self.class_name, t)
            return
        referents = Referents(items)
        items = None
        if type(dictionary) is dict:
            self._attributes(dictionary)
            self._claim(dictionary, keys=False)
            if INLINE_VALUES_SHOWN and info.own_dict_getter and referents.has_all(dictionary.values()):
                # CPython 3.13+: the instance holds its dictionary but shows the collector the
                # values it keeps inline (and shares with the dictionary) in its place. The
                # dictionary's edges count them; the instance's reference to it counts.
                for item in dict.values(dictionary):
                    referents.take(item)
                item = None
                held = True
            else:
                held = referents.take(dictionary)
            self._edge(E_INTERNAL, "__dict__", dictionary, held)
        dictionary = None
        for slot, descriptor in info.slots:
            try:
                item = descriptor.__get__(obj, t)
            except Exception:
                continue
            self._edge(E_PROPERTY, slot, item, referents.take(item))
        item = None
        if info.is_heap:
            self._edge(E_INTERNAL, "__class__", t, referents.take(t))
        if issubclass(t, list):
            for element, item in enumerate(list.__iter__(obj)):
                self._edge(E_ELEMENT, element, item, referents.take(item))
        elif issubclass(t, tuple):
            for element, item in enumerate(tuple.__iter__(obj)):
                self._edge(E_ELEMENT, element, item, referents.take(item))
        elif issubclass(t, dict):
            for key, item in dict.items(obj):
                if type(key) is int and 0 <= key < 0xFFFFFFFF:
                    self._edge(E_ELEMENT, key, item, referents.take(item) or True)
                else:
                    self._edge(E_PROPERTY, subscript(key), item, referents.take(item) or True)
                self._edge(E_INTERNAL, "key", key, referents.take(key) or True)
            key = None
        item = None
        self._rest(referents)

    def _type_edges(self, cls: type) -> None:
        referents = Referents(gc.get_referents(cls))
        # The class's own dictionary, through its mappingproxy (the first referent of a class
        # is its metaclass when that is a Python class).
        try:
            inner = gc.get_referents(type.__dict__["__dict__"].__get__(cls))
        except Exception:
            inner = []
        dictionary = inner[0] if inner and type(inner[0]) is dict else None
        inner = None
        if dictionary is not None:
            self._attributes(dictionary, exclude=("__dict__", "__weakref__"))
            self._claim(dictionary)
            self._edge(E_INTERNAL, "__dict__", dictionary, referents.take(dictionary))
        dictionary = None
        for attribute in ("__mro__", "__bases__", "__base__"):
            try:
                item = type.__dict__[attribute].__get__(cls)
            except Exception:
                continue
            if item is not None and referents.has(item):
                self._edge(E_INTERNAL, attribute, item, referents.take(item))
            item = None
        if cls.__flags__ & HEAP_TYPE_FLAG:
            # A heap type's names are references the collector is not shown.
            for attribute in ("__name__", "__qualname__"):
                self._edge(E_INTERNAL, attribute, type.__dict__[attribute].__get__(cls))
        self._rest(referents)

    def _code_edges(self, code: types.CodeType) -> None:
        """The collector does not track code objects: their references are drawn by hand."""
        for attribute in _CODE_ATTRIBUTES:
            target = getattr(code, attribute, None)
            if target is not None:
                self._edge(E_INTERNAL, attribute, target)
        # The tuple of local names is not an attribute (co_varnames makes a new tuple): found
        # among the tuples nothing else holds, by the identity of its names.
        if self.name_tuples is None:
            self.name_tuples = self._orphan_name_tuples()
        variables = code.co_varnames
        names = variables + tuple(name for name in code.co_cellvars if name not in variables)
        names += code.co_freevars
        ordinal = self.name_tuples.get(tuple(map(id, names)))
        if ordinal is not None:
            self.found[ordinal] += 1
            name = self.graph.string("co_localsplusnames")
            self.graph.edges.extend((E_INTERNAL, name, ordinal * NODE_FIELD_COUNT))

    def _orphan_name_tuples(self) -> Dict[Tuple[int, ...], int]:
        """Tuples of names no node walked so far holds, by the ids of their items.

        Code objects come after every object the collector tracks, so by the first one these
        counts are complete for the tuples it does track.
        """
        index: Dict[Tuple[int, ...], int] = {}
        found = self.found
        for position, obj in enumerate(self.nodes):
            if type(obj) is tuple and found[position + BASE] == 0 and obj and all(type(item) is str for item in obj):
                index[tuple(map(id, obj))] = position + BASE
        return index

    def _function_edges(self, function: types.FunctionType) -> None:
        referents = Referents(gc.get_referents(function))
        for attribute in _FUNCTION_ATTRIBUTES:
            item = getattr(function, attribute, None)
            if item is not None and referents.has(item):
                self._edge(E_INTERNAL, attribute, item, referents.take(item))
            item = None
        code = function.__code__
        closure = function.__closure__
        if closure:
            # What each free variable holds, as V8 draws a closure's context variables.
            for variable, cell in zip(code.co_freevars, closure):
                try:
                    contents = cell.cell_contents
                except ValueError:
                    continue
                self._edge(E_CONTEXT, variable, contents, counted=False)
                contents = None
            cell = None
        closure = None
        self._rest(referents)
        script = self.scripts.get(id(code.co_filename))
        if script is None:
            script = len(self.scripts) + 1
            self.scripts[id(code.co_filename)] = script
        ordinal = self.ordinal[id(function) << KEY_SHIFT]
        line = max(0, code.co_firstlineno - 1)
        self.graph.locations.extend((ordinal * NODE_FIELD_COUNT, script, line, 0))

    def _frame_edges(self, frame: types.FrameType) -> None:
        """A frame: its locals by name, its code, globals and caller.

        The collector sees little of a running frame (not its locals): what the interpreter
        holds for a running frame is drawn by hand and counted.
        """
        running = self.ordinal[id(frame) << KEY_SHIFT] in self.root_children
        code = frame.f_code
        referents = Referents(gc.get_referents(frame))

        def edge(edge_type: int, name: str, item: Any, held_while_running: bool) -> None:
            counted = referents.take(item) or (running and held_while_running)
            self._edge(edge_type, name, item, counted)

        back = frame.f_back
        if back is not None:
            edge(E_INTERNAL, "f_back", back, False)
        back = None
        edge(E_INTERNAL, "f_code", code, True)
        self._value_edge("f_lineno", frame.f_lineno or 0)
        edge(E_INTERNAL, "f_globals", frame.f_globals, False)
        edge(E_INTERNAL, "f_builtins", frame.f_builtins, False)
        if code.co_flags & 0x1:  # CO_OPTIMIZED: a function's frame, with fast locals
            try:
                local_values = frame.f_locals
            except Exception:
                local_values = {}
            if type(local_values) is not dict and hasattr(local_values, "items"):
                # CPython 3.13+: a proxy over the fast locals, no dictionary the frame keeps.
                for name, item in list(local_values.items()):
                    if name in code.co_varnames:
                        edge(E_PROPERTY, name, item, True)
                local_values = None
            elif type(local_values) is dict:
                cells = set(code.co_cellvars) | set(code.co_freevars)
                for name in code.co_varnames:
                    if name in local_values and name not in cells:
                        edge(E_PROPERTY, name, local_values[name], True)
                if local_values:
                    self._claim(local_values)
                    edge(E_INTERNAL, "f_locals", local_values, True)
            local_values = None
        else:
            edge(E_INTERNAL, "f_locals", frame.f_locals, True)
        self._rest(referents)

    def _generator_edges(self, generator: Any) -> None:
        code = None
        frame = None
        for prefix in ("gi", "cr", "ag"):
            code = code or getattr(generator, f"{prefix}_code", None)
            frame = frame or getattr(generator, f"{prefix}_frame", None)
        referents = Referents(gc.get_referents(generator))
        if code is not None:
            self._edge(E_INTERNAL, "gi_code", code, referents.take(code))
        code = None
        if frame is not None:
            try:
                local_values = frame.f_locals
            except Exception:
                local_values = {}
            if type(local_values) is dict:
                pairs = list(dict.items(local_values))
            elif hasattr(local_values, "items"):
                # CPython 3.13+: a proxy over the frame's fast locals (PEP 667).
                pairs = list(local_values.items())
            else:
                pairs = []
            for name, item in pairs:
                if referents.has(item):
                    self._edge(E_PROPERTY, name, item, referents.take(item))
            pairs = []
            item = None
            local_values = None
            self._edge(E_INTERNAL, "gi_frame", frame, referents.take(frame))
        frame = None
        self._rest(referents)

    def _ndarray_edges(self, array_: Any, info: TypeInfo, size: int) -> int:
        """A NumPy array: attributes, `.base`, its length and bytes, a data node if it owns data."""
        self._instance_edges(array_, info)
        base = array_.base
        if base is not None:
            # NumPy does not show the collector an array's base: a reference drawn by hand.
            self._edge(E_PROPERTY, "base", base)
        self._value_edge("len", int(array_.size))
        nbytes = int(array_.nbytes)
        self._value_edge("nbytes", nbytes)
        if array_.flags.owndata:
            owner = self.ordinal[id(array_) << KEY_SHIFT] - BASE
            data = self.extra(N_NATIVE, "numpy.ndarray data", nbytes, 0)
            self.data_owner[data - BASE] = owner
            self.found[data] += 1
            self.graph.edges.extend((E_INTERNAL, self.graph.string("data"), data * NODE_FIELD_COUNT))
            # NumPy's __sizeof__ counts the data the array owns: the data node's bytes now.
            size = max(0, size - nbytes)
        if array_.dtype.hasobject and array_.size <= MAX_OBJECT_ELEMENTS:
            for element, item in enumerate(array_.flat):
                self._edge(E_ELEMENT, element, item)
        filename = getattr(array_, "filename", None)
        if isinstance(filename, str) and base is not None:
            self.mmap_files.setdefault(id(base), copy_text(filename))
        return size

    def _mmap_data(self, mm: Any) -> None:
        """An mmap's pages as a native node named after the file they map (or anonymous)."""
        try:
            length = len(mm)
        except Exception:
            return
        address = mmap_address(mm) if length else None
        path = self.maps.file_at(address) if address is not None else None
        path = path or self.mmap_files.get(id(mm))
        name = f"mmap data (file {path})" if path else "mmap data (anonymous)"
        owner = self.ordinal[id(mm) << KEY_SHIFT] - BASE
        data = self.extra(N_NATIVE, name, length, 0)
        self.data_owner[data - BASE] = owner
        self.found[data] += 1
        self.graph.edges.extend((E_INTERNAL, self.graph.string("data"), data * NODE_FIELD_COUNT))

    # -- after the walk -------------------------------------------------------------------------

    def finish(self) -> Graph:
        """Ids, reference counts, the root's edges and the (C references) root.

        An object whose reference count is higher than the references found to it is held by
        something the walk does not see (C code, an untracked container): (C references) holds it.
        """
        graph = self.graph
        # Done with finding nodes: the largest table goes before the id table is built.
        self.ordinal.clear()
        self.subscripts.clear()
        self._assign_ids()
        c_edges = self._reference_counts()
        root = [(E_ELEMENT, 1, GC_ROOTS)] + self.root_edges
        gc_roots = [(E_ELEMENT, 1, C_REFERENCES)]
        head = array("I")
        for edge_type, name, target in root + gc_roots + c_edges:
            head.extend((edge_type, name, target * NODE_FIELD_COUNT))
        graph.node_edge_count[ROOT] = len(root)
        graph.node_edge_count[GC_ROOTS] = len(gc_roots)
        graph.node_edge_count[C_REFERENCES] = len(c_edges)
        head.extend(graph.edges)
        graph.edges = head
        return graph

    def _assign_ids(self) -> None:
        ids = self.ids.assign(self.addresses, self.tags)
        nodes = self.nodes
        for position, owner in self.data_owner.items():
            ids[position] = ids[owner] + 1
        # Extra nodes have no address (id 0 from the table): their own id, unless a data node's.
        for position in self._extra_positions():
            if ids[position] == 0:
                ids[position] = nodes[position].sid
        node_id = array("I", [sid for _name, sid in SYNTHETIC])
        node_id.extend(ids)
        self.graph.node_id = node_id

    def _reference_counts(self) -> List[Tuple[int, int, int]]:
        """Sets each object's `refcount` edge; returns the (C references) edges.

        The counts are read in one C-level map over the nodes, and the value nodes they point to,
        the edges' slots and the references not found are computed by C-level maps too; Python
        steps per node only to write each refcount edge, and per node that differs otherwise.
        """
        graph = self.graph
        edges = graph.edges
        nodes = self.nodes
        total = len(nodes)
        found = self.found
        root_children = self.root_children
        # Each node's reference count as the program sees it, read into C numbers (a list of
        # ints would hold the small ints it has read while it reads the rest). getrefcount also
        # counts the list of nodes and map's hold of the item: measured on an object only a list
        # holds, after the read.
        read = array("q", map(sys.getrefcount, nodes))
        probe = [object()]
        own = next(map(sys.getrefcount, probe))
        probe.clear()
        refcounts = array("q", map(operator.sub, read, repeat(own)))
        del read
        # The string table may hold a str node's very object (as a name and as a key).
        # (A str that is no name looks up index -1: the sentinel, which is no node.)
        strings = graph.strings
        strings_get = graph.string_ids.get
        text_positions = array("I", compress(count(), map(operator.is_, map(type, nodes), repeat(str))))
        texts = list(map(nodes.__getitem__, text_positions))
        sentinel: Any = object()
        strings.append(sentinel)
        try:
            tabled = map(strings.__getitem__, map(strings_get, texts, repeat(-1)))
            for position in compress(text_positions, map(operator.is_, tabled, texts)):
                refcounts[position] -= 2
        finally:
            strings.pop()
        texts.clear()
        # References the walker's own tables hold (found by address; Extra nodes have none).
        held = self._held_by_walker()
        addresses = self.addresses
        for position in compress(count(), map(held.__contains__, addresses)):
            refcounts[position] -= held[addresses[position]]
        # Extra nodes (data, values) are not objects: no count, no refcount edge (1 per object).
        is_object = self.claimed[BASE : BASE + total].translate(_IS_OBJECT)
        # The value node of each count: a count not seen before makes one (an Extra node, added
        # after `total`); value() keeps a count it clamps under the clamped number, so the count
        # itself is added as well. Extra nodes' counts, not looked up, read as 0.
        values = self.values
        for number in dict.fromkeys(compress(refcounts, is_object)):
            if number not in values:
                values[number] = self.value(number)
        targets = map(operator.mul, map(values.get, refcounts, repeat(0)), repeat(NODE_FIELD_COUNT))
        # Each object's refcount edge is its last: at 3 * (the edges up to its own) - 1.
        ends = accumulate(graph.node_edge_count[BASE : BASE + total])
        slots = map(operator.sub, map(operator.mul, ends, repeat(3)), repeat(1))
        for slot, target in compress(zip(slots, targets), is_object):
            edges[slot] = target
        # References not found: (C references) holds the object, by an edge named for how many.
        names: Dict[int, int] = {}
        c_edges: List[Tuple[int, int, int]] = []
        unseen_counts = map(operator.sub, refcounts, found[BASE : BASE + total])
        for position in compress(count(), map(operator.gt, unseen_counts, repeat(0))):
            ordinal = position + BASE
            if not is_object[position] or ordinal in root_children:
                continue
            refcount = refcounts[position]
            unseen = 0 if refcount >= IMMORTAL else refcount - found[ordinal]
            name = names.get(unseen)
            if name is None:
                plural = "s" if unseen > 1 else ""
                text = f"{unseen} reference{plural} not found" if unseen else "immortal"
                name = graph.string(text)
                names[unseen] = name
            c_edges.append((E_INTERNAL, name, ordinal))
        # Value nodes made just now (new reference counts) are nodes too.
        self._walk_extras(total)
        return c_edges

    def _walk_extras(self, start: int) -> None:
        graph = self.graph
        for position in range(start, len(self.nodes)):
            extra = self.nodes[position]
            graph.node_type.append(extra.node_type)
            graph.node_name.append(graph.string(extra.name))
            graph.node_id.append(extra.sid)
            graph.node_size.append(extra.size)
            graph.node_edge_count.append(0)

    def _held_by_walker(self) -> Dict[int, int]:
        """References the walker's own tables hold to program objects, by id: slot descriptors."""
        held: Dict[int, int] = {}
        # Instances hold their class: the walker's own instances are not in the snapshot.
        own_instances = [(TypeInfo, len(self.infos)), (Walker, 1), (Graph, 1), (ProcMaps, 1)]
        own_instances.append((Extra, self.claimed.count(EXTRA_NODE)))
        for klass, instances in own_instances:
            held[id(klass)] = held.get(id(klass), 0) + instances
        table_types = [id(type(item)) for item in self.ids.own_objects() if type(item).__flags__ & HEAP_TYPE_FLAG]
        for klass_id in self.excluded_types + table_types:
            held[klass_id] = held.get(klass_id, 0) + 1
        for info in self.infos.values():
            for _slot, descriptor in info.slots:
                held[id(descriptor)] = held.get(id(descriptor), 0) + 1
        return held


_CELL_TYPE = types.CellType
_LEAF_TYPES = (bytes, complex, bool, type(None), type(Ellipsis), type(NotImplemented), range, slice)
_CODE_ATTRIBUTES = (
    "co_filename",
    "co_name",
    "co_qualname",
    "co_consts",
    "co_names",
    "co_linetable",
    "co_exceptiontable",
)
_FUNCTION_ATTRIBUTES = (
    "__code__",
    "__globals__",
    "__builtins__",
    "__name__",
    "__qualname__",
    "__module__",
    "__defaults__",
    "__kwdefaults__",
    "__doc__",
    "__closure__",
)


def program_frames() -> List[Tuple[str, Any]]:
    """Every thread's frames, innermost first, without the writer's own.

    The writer's frames are told by their module (no file system call: that would let another
    thread run in the middle of the walk).
    """
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    result: List[Tuple[str, Any]] = []
    for ident, frame in sys._current_frames().items():
        name = names.get(ident, f"thread {ident}")
        current: Optional[Any] = frame
        while current is not None:
            if not is_writer_frame(current):
                result.append((name, current))
            current = current.f_back
    # This thread's innermost frame is this function's own: a local naming it would make a
    # cycle that keeps the caller's frame (and the walker in it) alive after the snapshot, as
    # CPython 3.14 keeps a finished frame's f_back.
    frame = current = None
    return result


def is_writer_frame(frame: Any) -> bool:
    """A frame of heapgraph_py's own code (its `python -m heapgraph_py` wrapper included)."""
    module_globals = frame.f_globals
    name = module_globals.get("__name__")
    package = module_globals.get("__package__")
    return package == PACKAGE or (isinstance(name, str) and name.startswith(PACKAGE + "."))
