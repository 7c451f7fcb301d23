"""install(): the announcement the CLI reads, a snapshot on the signal, the request protocol of
`heapgraph capture --python-pid`; and `python -m heapgraph_py run`."""

from __future__ import annotations

import glob
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Any, Dict, List
from unittest import mock

from snapshot_reader import PACKAGE_ROOT, Snapshot  # first: it puts the package on the path

import heapgraph_py
from heapgraph_py import _capture


def wait_for(predicate: Any, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


@unittest.skipUnless(hasattr(signal, "SIGUSR2"), "no SIGUSR2 on this platform")
class InstallTest(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        self.runtime = os.path.join(self.folder.name, "runtime")
        self.snapshots = os.path.join(self.folder.name, "snapshots")
        os.mkdir(self.snapshots)
        environment = mock.patch.dict(os.environ, {_capture.RUNTIME_ENV: self.runtime})
        environment.start()
        self.addCleanup(environment.stop)
        self.addCleanup(heapgraph_py.uninstall)

    def announcement(self) -> Dict[str, Any]:
        with open(os.path.join(self.runtime, f"{os.getpid()}.json"), encoding="utf-8") as source:
            return json.load(source)

    def test_install_announces_the_signal_and_folder_in_a_private_runtime_folder(self) -> None:
        heapgraph_py.install(directory=self.snapshots)
        announced = self.announcement()
        self.assertEqual(announced["pid"], os.getpid())
        self.assertEqual(announced["signalName"], "SIGUSR2")
        self.assertEqual(announced["directory"], self.snapshots)
        self.assertEqual(stat.S_IMODE(os.stat(self.runtime).st_mode), 0o700)
        registry = os.path.join(self.runtime, f"{os.getpid()}.json")
        self.assertEqual(stat.S_IMODE(os.stat(registry).st_mode), 0o600)
        self.assertIs(signal.getsignal(signal.SIGUSR2), _capture._on_signal)

    def test_the_signal_writes_a_snapshot_to_the_folder(self) -> None:
        heapgraph_py.install(directory=self.snapshots)
        os.kill(os.getpid(), signal.SIGUSR2)
        pattern = os.path.join(self.snapshots, f"heapgraph-{os.getpid()}-*.heapsnapshot")
        wait_for(lambda: glob.glob(pattern))
        written = glob.glob(pattern)
        self.assertEqual(len(written), 1)
        self.assertFalse(glob.glob(pattern + ".partial"))
        with open(written[0], encoding="utf-8") as source:
            self.assertIn('"snapshot":', source.read(200))

    def request(self, output: str, token: str) -> str:
        path = os.path.join(self.runtime, f"{os.getpid()}.request.json")
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"output": output, "collect": True, "token": token}, out)
        os.kill(os.getpid(), signal.SIGUSR2)
        result = os.path.join(self.runtime, f"{os.getpid()}.result.{token}.json")
        wait_for(lambda: os.path.exists(result))
        return result

    def test_a_request_names_the_file_and_gets_an_answer(self) -> None:
        heapgraph_py.install(directory=self.snapshots)
        output = os.path.join(self.folder.name, "asked.heapsnapshot")
        with open(self.request(output, "abc123"), encoding="utf-8") as source:
            answer = json.load(source)
        self.assertEqual((answer["ok"], answer["path"]), (True, output))
        self.assertTrue(os.path.exists(output))
        self.assertFalse(os.listdir(self.snapshots))
        self.assertFalse(os.path.exists(os.path.join(self.runtime, f"{os.getpid()}.request.json")))

    def test_a_request_that_cannot_be_written_is_answered_with_the_error(self) -> None:
        heapgraph_py.install(directory=self.snapshots)
        output = os.path.join(self.folder.name, "no such folder", "asked.heapsnapshot")
        with open(self.request(output, "def456"), encoding="utf-8") as source:
            answer = json.load(source)
        self.assertFalse(answer["ok"])
        self.assertIn("FileNotFoundError", answer["error"])

    def test_uninstall_restores_the_previous_handler_which_install_chains_to(self) -> None:
        calls: List[int] = []

        def previous(signum: int, frame: Any) -> None:
            calls.append(signum)

        original = signal.signal(signal.SIGUSR2, previous)
        self.addCleanup(signal.signal, signal.SIGUSR2, original)
        heapgraph_py.install(directory=self.snapshots)
        os.kill(os.getpid(), signal.SIGUSR2)
        wait_for(lambda: calls)
        self.assertEqual(calls, [signal.SIGUSR2])
        heapgraph_py.uninstall()
        self.assertIs(signal.getsignal(signal.SIGUSR2), previous)
        self.assertFalse(os.path.exists(os.path.join(self.runtime, f"{os.getpid()}.json")))

    def test_a_runtime_folder_that_is_a_symbolic_link_is_refused(self) -> None:
        target = os.path.join(self.folder.name, "elsewhere")
        os.mkdir(target, 0o700)
        os.symlink(target, self.runtime)
        with self.assertRaises(PermissionError):
            heapgraph_py.install(directory=self.snapshots)


class RunTest(unittest.TestCase):
    """`python -m heapgraph_py run`: the script runs as with `python script.py`."""

    def run_module(self, *arguments: str) -> subprocess.CompletedProcess:
        environment = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
        environment[_capture.RUNTIME_ENV] = os.path.join(self.folder.name, "runtime")
        return subprocess.run(
            [sys.executable, "-m", "heapgraph_py", "run", *arguments],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
        )

    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        self.script = os.path.join(self.folder.name, "script.py")
        with open(self.script, "w", encoding="utf-8") as out:
            out.write(
                "import sys\n"
                "kept_by_script = [bytearray(1000) for _ in range(20)]\n"
                "print(' '.join(sys.argv[1:]))\n"
                "if sys.argv[1:2] == ['fail']:\n"
                "    raise SystemExit(3)\n"
            )

    def test_runs_the_script_with_its_arguments_and_writes_a_snapshot_at_exit(self) -> None:
        output = os.path.join(self.folder.name, "exit.heapsnapshot")
        done = self.run_module("--snapshot-on-exit", output, self.script, "a", "b")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.strip(), "a b")
        snapshot = Snapshot(output)
        main = [
            node
            for node in snapshot.named("module")
            if (name := snapshot.target(node, "__name__", "property")) is not None and name.name == "__main__"
        ]
        self.assertEqual(len(main), 1)
        kept = snapshot.target(main[0], "kept_by_script", "property")
        assert kept is not None
        self.assertEqual(kept.name, "list")

    def test_the_scripts_exit_status_is_the_process_exit_status(self) -> None:
        output = os.path.join(self.folder.name, "exit.heapsnapshot")
        done = self.run_module("--snapshot-on-exit", output, self.script, "fail")
        self.assertEqual(done.returncode, 3)
        self.assertTrue(os.path.exists(output))


if __name__ == "__main__":
    unittest.main()
