"""Runs a program's preview in a child process, with a deadline and only the environment it needs.

The child (`host.py`, in the program's interpreter and directory) sees: PATH, a fresh HOME and
TMPDIR, the locale, Python's own search path settings, the stack's config as the CLI passes it
(PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS, PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN) and the
variables named in `pass_env`; no credentials. It runs in its own session: when the deadline
passes, the whole process group is killed. The parent's gRPC server is the program's resource
monitor and engine (`PreviewMonitor`); the run's result is what it recorded plus the `Failure`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc  # type: ignore[import-untyped, unused-ignore]
from pulumi.runtime.proto import engine_pb2_grpc, resource_pb2_grpc

from offline.mocks import MOCK_ACCOUNT_ID, Registration
from offline.program.answers import Answers
from offline.program.loader import Program
from offline.program.monitor import PreviewMonitor, Record
from offline.program.outcome import ChildExit, Failure, classify

HOST = Path(__file__).resolve().parent / "host.py"
DEFAULT_TIMEOUT = 120.0
_TAIL_LINES = 30
_SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.max_send_message_length", 400 * 1024 * 1024),
]


@dataclass(frozen=True)
class ProgramRun:
    """One preview of a program: what it registered, how it ended, how long it took."""

    program: Program
    record: Record
    failure: Failure | None
    seconds: float

    @property
    def registrations(self) -> tuple[Registration, ...]:
        return tuple(self.record.registrations)


def run_program(
    program: Program,
    *,
    answers: Answers | None = None,
    on_register: Callable[[Registration], None] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    pass_env: Sequence[str] = (),
) -> ProgramRun:
    """Preview `program` in a child process; never raises for what the program does."""
    started = time.monotonic()
    monitor = PreviewMonitor(program, answers or Answers(), on_register, MOCK_ACCOUNT_ID)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=_SERVER_OPTIONS)
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
    engine_pb2_grpc.add_EngineServicer_to_server(monitor, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="offline-preview-") as scratch:
            child = _run_child(program, f"127.0.0.1:{port}", Path(scratch), timeout, pass_env)
            errors = [m for severity, m in monitor.record.logs if severity == "error"]
            failure = classify(
                child, shutdown=monitor.record.shutdown.is_set(), errors=errors, root=program.root
            )
    finally:
        server.stop(grace=None)
    return ProgramRun(program, monitor.record, failure, time.monotonic() - started)


def _run_child(
    program: Program, address: str, scratch: Path, timeout: float, pass_env: Sequence[str]
) -> ChildExit:
    report, home = scratch / "report", scratch / "home"
    for directory in (report, home, scratch / "tmp"):
        directory.mkdir()
    argv = [
        program.python,
        "-u",
        str(HOST),
        *("--monitor", address, "--project", program.project, "--stack", program.stack),
        *("--root", str(program.root), "--report", str(report)),
        *("--deadline", f"{max(timeout - 1.0, timeout * 0.9):.3f}", str(program.main)),
    ]
    output = scratch / "output.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            argv,
            cwd=program.root,
            env=child_environment(program, scratch, pass_env),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timed_out = False
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_group(process)
    tail = output.read_text(encoding="utf-8", errors="replace").splitlines()[-_TAIL_LINES:]
    return ChildExit(process.returncode, timed_out, timeout, report, "\n".join(tail))


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill what the child left running in its session (itself, if it outlived the deadline)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def child_environment(program: Program, scratch: Path, pass_env: Sequence[str]) -> dict[str, str]:
    """Only what a Pulumi program needs to run as under the CLI; no credentials."""
    interpreter_bin = str(Path(program.python).parent)
    env = {
        "PATH": os.pathsep.join([interpreter_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(scratch / "home"),
        "TMPDIR": str(scratch / "tmp"),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PULUMI_PROJECT": program.project,
        "PULUMI_STACK": program.stack,
        "PULUMI_ORGANIZATION": "organization",
        "PULUMI_DRY_RUN": "true",
        "PULUMI_CONFIG": json.dumps(program.config),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(program.secret_keys)),
    }
    # Where this interpreter finds packages, when it is not only its own site-packages.
    if site.ENABLE_USER_SITE and program.python == sys.executable:
        env["PYTHONUSERBASE"] = site.getuserbase()
    for name in ("PYTHONPATH", *pass_env):
        if name in os.environ:
            env[name] = os.environ[name]
    return env
