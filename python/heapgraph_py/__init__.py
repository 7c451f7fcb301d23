"""heapgraph_py: a CPython process's heap as a V8 .heapsnapshot that Heapgraph and DevTools read.

Three ways to take a snapshot:

* ``heapgraph_py.write_snapshot("app.heapsnapshot")`` from the program itself;
* ``heapgraph_py.install()`` and then ``kill -USR2 <pid>`` or ``heapgraph capture --python-pid
  <pid> -o app.heapsnapshot``;
* ``python -m heapgraph_py run [--snapshot-on-exit FILE] script.py args...``;

and on CPython 3.14+, ``heapgraph capture --python-pid <pid>`` asks a process that did none of
these, through ``sys.remote_exec`` (see _capture.serve_remote).

Standard library only; NumPy arrays are described when the program uses NumPy.
"""

from __future__ import annotations

from ._capture import install, runtime_folder, uninstall
from ._snapshot import collect_graph, object_id, write_snapshot

__all__ = [
    "write_snapshot",
    "install",
    "uninstall",
    "object_id",
    "runtime_folder",
    "collect_graph",
    "__version__",
]
__version__ = "0.1.0"
