"""Writes a Graph as V8's .heapsnapshot JSON, laid out as Node's V8 writes it.

The header names the fields, the `nodes` and `edges` sections are flat number lists, strings are
JSON strings with non-ASCII characters escaped as V8 escapes them. Written in chunks: the text of
a large heap is never one Python string.
"""

from __future__ import annotations

import json
from array import array
from typing import IO, Iterable, List

from ._graph import EDGE_TYPES, NODE_TYPES, Graph

CHUNK_ROWS = 16384
"""Rows formatted per write."""


def header(graph: Graph) -> str:
    meta = {
        "node_fields": ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"],
        "node_types": [NODE_TYPES, "string", "number", "number", "number", "number", "number"],
        "edge_fields": ["type", "name_or_index", "to_node"],
        "edge_types": [EDGE_TYPES, "string_or_number", "node"],
        "trace_function_info_fields": ["function_id", "name", "script_name", "script_id", "line", "column"],
        "trace_node_fields": ["id", "function_info_index", "count", "size", "children"],
        "sample_fields": ["timestamp_us", "last_assigned_id"],
        "location_fields": ["object_index", "script_id", "line", "column"],
    }
    snapshot = {
        "meta": meta,
        "node_count": graph.node_count,
        "edge_count": graph.edge_count,
        "trace_function_count": 0,
    }
    return '{"snapshot":' + json.dumps(snapshot, separators=(",", ":"))


def _template(row_length: int, rows: int) -> str:
    """`rows` lines of `row_length` `%d` fields, V8's layout (rows separated by a newline)."""
    return "\n,".join([",".join(["%d"] * row_length)] * rows)


def _rows(values: "array[int]", row_length: int) -> Iterable[str]:
    """Lines of `row_length` numbers, a chunk at a time.

    One %-format of a prepared template per chunk: the numbers are formatted in C, with no
    Python-level call (or str object) per number or per row.
    """
    step = CHUNK_ROWS * row_length
    full = _template(row_length, CHUNK_ROWS)
    for start in range(0, len(values), step):
        chunk = values[start : start + step]
        template = full if len(chunk) == step else _template(row_length, len(chunk) // row_length)
        yield template % tuple(chunk)


def _node_rows(graph: Graph) -> Iterable[str]:
    """The nodes' rows: five per-node arrays interleaved, then trace_node_id and detachedness 0."""
    columns = (graph.node_type, graph.node_name, graph.node_id, graph.node_size, graph.node_edge_count)
    total = graph.node_count
    row = "%d,%d,%d,%d,%d,0,0"
    full = "\n,".join([row] * CHUNK_ROWS)
    flat: List[int] = [0] * (5 * CHUNK_ROWS)
    for start in range(0, total, CHUNK_ROWS):
        end = min(total, start + CHUNK_ROWS)
        count = end - start
        if count != CHUNK_ROWS:
            flat = [0] * (5 * count)
            full = "\n,".join([row] * count)
        for field, column in enumerate(columns):
            flat[field::5] = column[start:end]
        yield full % tuple(flat)


def _section(out: IO[str], name: str, chunks: Iterable[str]) -> None:
    out.write(f',\n"{name}":[')
    first = True
    for chunk in chunks:
        if not chunk:
            continue
        if not first:
            out.write("\n,")
        out.write(chunk)
        first = False
    out.write("]")


def _string_chunks(strings: List[str]) -> Iterable[str]:
    encode = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
    for start in range(0, len(strings), CHUNK_ROWS):
        yield ",\n".join(map(encode, strings[start : start + CHUNK_ROWS]))


def write_graph(graph: Graph, out: IO[str]) -> None:
    """The whole snapshot as text to `out` (opened for text, ASCII suffices)."""
    out.write(header(graph))
    _section(out, "nodes", _node_rows(graph))
    _section(out, "edges", _rows(graph.edges, 3))
    _section(out, "trace_function_infos", [])
    _section(out, "trace_tree", [])
    _section(out, "samples", [])
    _section(out, "locations", _rows(graph.locations, 4))
    out.write(',\n"strings":[')
    first = True
    for chunk in _string_chunks(graph.strings):
        if not first:
            out.write(",\n")
        out.write(chunk)
        first = False
    out.write("]}\n")
