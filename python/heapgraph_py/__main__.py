"""`python -m heapgraph_py run [--signal SIG] [--directory DIR] [--snapshot-on-exit FILE] script.py args...`

Runs a script as `python script.py args...` would, with the snapshot handler installed; with
--snapshot-on-exit, writes a snapshot when the script ends (returns, exits or raises), before
the interpreter tears its modules down.
"""

from __future__ import annotations

import argparse
import builtins
import os
import signal
import sys
import traceback
import types
from typing import List, Optional

from . import install, write_snapshot

USAGE = "python -m heapgraph_py run [--signal SIG] [--directory DIR] [--snapshot-on-exit FILE] script.py [args...]"


def _signal_number(text: str) -> int:
    name = text.upper()
    if name.isdigit():
        return int(name)
    if not name.startswith("SIG"):
        name = "SIG" + name
    number = getattr(signal, name, None)
    if not isinstance(number, int):
        raise argparse.ArgumentTypeError(f"no signal {text}")
    return int(number)


def _run_script(path: str) -> None:
    """Runs a script as `python path` does: in a fresh `__main__` module that stays in
    sys.modules (so that an exit snapshot still sees its globals)."""
    with open(path, "rb") as source:
        code = compile(source.read(), path, "exec")
    module = types.ModuleType("__main__")
    module.__dict__.update({"__file__": path, "__builtins__": builtins, "__cached__": None})
    sys.modules["__main__"] = module
    exec(code, module.__dict__)


def main(argv: Optional[List[str]] = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m heapgraph_py", usage=USAGE)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", usage=USAGE, help="run a script with the snapshot handler installed")
    run.add_argument("--signal", type=_signal_number, default=getattr(signal, "SIGUSR2", None))
    run.add_argument("--directory", help="where signalled snapshots go (default: the current folder)")
    run.add_argument("--snapshot-on-exit", metavar="FILE", help="write a snapshot when the script ends")
    run.add_argument("--collect", action="store_true", help="gc.collect() before the exit snapshot")
    run.add_argument("script")
    run.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(arguments)
    script = options.script
    if not os.path.exists(script):
        parser.error(f"no script {script}")
    install(options.signal, directory=options.directory)
    sys.argv = [script, *options.args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    code = 0
    try:
        _run_script(script)
    except SystemExit as exit_:
        if isinstance(exit_.code, int) or exit_.code is None:
            code = exit_.code or 0
        else:
            print(exit_.code, file=sys.stderr)
            code = 1
    except BaseException as error:
        # Python's own traceback starts at the script: main() and _run_script() are left out.
        trace = error.__traceback__
        for _ in range(2):
            trace = trace.tb_next if trace is not None and trace.tb_next is not None else trace
        traceback.print_exception(type(error), error, trace)
        code = 1
    finally:
        if options.snapshot_on_exit:
            write_snapshot(options.snapshot_on_exit, collect=options.collect)
    return code


if __name__ == "__main__":
    sys.exit(main())
