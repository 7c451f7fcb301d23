"""install(): a heap snapshot on a signal, Python's `node --heapsnapshot-signal`.

How `heapgraph capture --python-pid PID` finds and asks a process (all files private to the user,
in the runtime folder, see runtime_folder()):

* install() writes ``<pid>.json``: the signal, the folder snapshots go to, the interpreter. The
  CLI reads it to know that the process has a handler and which signal to send. It is removed at
  exit (or by uninstall()); a file whose process is gone is stale.
* The CLI writes ``<pid>.request.json`` ({"output", "collect", "token"}) and sends the signal.
  The handler takes the request, writes the snapshot there (or, without a request, to its folder
  under a fresh name), and answers in ``<pid>.result.<token>.json`` ({"ok", "path"} or
  {"ok": false, "error"}).

The handler runs in the main thread between two bytecodes (Python's signal handlers do), so a
program busy in a long C call takes its snapshot when that call returns.

A process that never called install() can be asked on CPython 3.14+: the CLI writes the same
request, and a script that calls serve_remote() with its path, and has the interpreter run that
script in the process with ``sys.remote_exec(pid, script)`` (also between two bytecodes, in the
main thread). The answer is the same file.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
import tempfile
import time
import traceback
from typing import Any, Callable, Dict, Optional, Union

from ._snapshot import PathLike, snapshot_name, write_snapshot

RUNTIME_ENV = "HEAPGRAPH_RUNTIME_DIR"
"""Overrides the runtime folder (the CLI reads the same variable)."""

Handler = Union[Callable[[int, Any], Any], int, None]


class _Installed:
    __slots__ = ("signum", "directory", "previous", "registry", "busy")

    def __init__(self, signum: int, directory: str, previous: Handler, registry: str) -> None:
        self.signum = signum
        self.directory = directory
        self.previous = previous
        self.registry = registry
        self.busy = False


_installed: Optional[_Installed] = None


def runtime_folder(create: bool = False) -> str:
    """Where processes announce their handlers: $HEAPGRAPH_RUNTIME_DIR, else
    $XDG_RUNTIME_DIR/heapgraph/python, else <tmp>/heapgraph-<uid>/python (private: mode 0700)."""
    override = os.environ.get(RUNTIME_ENV)
    if override:
        folder = override
    else:
        xdg = os.environ.get("XDG_RUNTIME_DIR")
        if xdg and os.path.isdir(xdg):
            folder = os.path.join(xdg, "heapgraph", "python")
        else:
            uid = os.getuid() if hasattr(os, "getuid") else 0
            folder = os.path.join(tempfile.gettempdir(), f"heapgraph-{uid}", "python")
    if create:
        parent = os.path.dirname(folder)
        if not override:
            # <tmp>/heapgraph-<uid> (or $XDG_RUNTIME_DIR/heapgraph) must be ours too: whoever
            # owns it could swap the folder inside.
            os.makedirs(parent, mode=0o700, exist_ok=True)
            _check_private(parent)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        _check_private(folder)
    return folder


def _check_private(folder: str) -> None:
    """Refuses a folder another user owns (or a symlink to one): its files steer our writes."""
    info = os.lstat(folder)
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PermissionError(f"heapgraph_py: {folder} belongs to another user")
    if os.path.islink(folder):
        raise PermissionError(f"heapgraph_py: {folder} is a symbolic link")


def _write_json(path: str, value: Dict[str, Any]) -> None:
    partial = f"{path}.{os.getpid()}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(value, out)
    os.replace(partial, path)


def install(signum: int = getattr(signal, "SIGUSR2", 0), directory: Optional[PathLike] = None) -> None:
    """Writes a heap snapshot whenever this process receives `signum` (default SIGUSR2).

    Snapshots go to `directory` (default: the current folder) as
    heapgraph-<pid>-<time>.heapsnapshot, unless `heapgraph capture --python-pid` asks for a file.
    Call it from the main thread. Another handler installed before it is called after it.
    """
    global _installed
    if not signum:
        raise ValueError("heapgraph_py.install: this platform has no SIGUSR2; pass a signal")
    folder = os.path.abspath(os.fspath(directory)) if directory is not None else os.getcwd()
    if _installed is not None:
        uninstall()
    registry = os.path.join(runtime_folder(create=True), f"{os.getpid()}.json")
    previous = signal.signal(signum, _on_signal)
    _installed = _Installed(signum, folder, previous, registry)
    _write_json(
        registry,
        {
            "pid": os.getpid(),
            "signal": int(signum),
            "signalName": signal.Signals(signum).name,
            "directory": folder,
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "argv": [str(argument) for argument in sys.argv[:8]],
            "installedAt": time.time(),
        },
    )
    atexit.register(uninstall)


def uninstall() -> None:
    """Restores the signal's previous handler and withdraws the announcement."""
    global _installed
    installed = _installed
    if installed is None:
        return
    _installed = None
    try:
        previous = installed.previous
        signal.signal(installed.signum, previous if previous is not None else signal.SIG_DFL)
    except (ValueError, OSError):
        pass
    try:
        os.unlink(installed.registry)
    except OSError:
        pass


def _on_signal(signum: int, frame: Any) -> None:
    installed = _installed
    if installed is None:
        return
    if not installed.busy:
        installed.busy = True
        try:
            _serve(installed)
        finally:
            installed.busy = False
    previous = installed.previous
    if callable(previous):
        previous(signum, frame)


def _serve(installed: _Installed) -> None:
    """Answers the pending request, or writes one snapshot to the handler's folder."""
    request_path = os.path.join(os.path.dirname(installed.registry), f"{os.getpid()}.request.json")
    served = False
    # Requests that arrive while one is written are served after it.
    for _attempt in range(8):
        request = _take_request(request_path)
        if request is None:
            break
        served = True
        _answer(os.path.dirname(installed.registry), request, installed.directory)
    if not served:
        try:
            write_snapshot(snapshot_name(installed.directory))
        except Exception:
            traceback.print_exc()


def _take_request(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as source:
            request = json.load(source)
        os.unlink(path)
    except (OSError, ValueError):
        return None
    return request if isinstance(request, dict) else None


def serve_remote(request_path: str) -> None:
    """Answers the request at `request_path`, for a script run by sys.remote_exec (CPython 3.14+):
    the snapshot goes where the request says, or under a fresh name in the current folder."""
    request = _take_request(request_path)
    if request is not None:
        _answer(os.path.dirname(request_path), request, os.getcwd())


def _answer(folder: str, request: Dict[str, Any], directory: str) -> None:
    token = str(request.get("token", ""))
    if not token.isalnum():
        return
    result_path = os.path.join(folder, f"{os.getpid()}.result.{token}.json")
    started = time.perf_counter()
    try:
        output = request.get("output")
        path = str(output) if isinstance(output, str) and output else snapshot_name(directory)
        write_snapshot(path, collect=request.get("collect") is True)
        answer: Dict[str, Any] = {"ok": True, "path": path, "seconds": time.perf_counter() - started}
    except Exception as error:  # reported to the CLI, which prints it as its one line
        answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    try:
        _write_json(result_path, answer)
    except OSError:
        pass
