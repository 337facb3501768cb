"""The policy pack's process, launched as the engine launches it, and the gRPC channel to it.

As `NewPolicyAnalyzer` and the shim `pulumi-analyzer-policy-python` do: `PulumiPolicy.yaml` is
loaded (an error when absent), then `python -u -m pulumi.policy <engine-address> .` runs with the
pack directory as cwd and PULUMI_PROJECT / PULUMI_STACK / PULUMI_DRY_RUN in its environment, and
the first stdout line is its port. `pulumi.policy` never dials the engine address, so no Engine
service is served; stderr goes to a file. Guarantee: `PackProcess.stop` leaves no process behind.
"""

from __future__ import annotations

import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Final, cast

import grpc  # type: ignore[import-untyped, unused-ignore]
from pulumi.runtime.proto import analyzer_pb2_grpc

from offline.analyzer.model import PolicyPackError
from policies.framework.yaml_file import YamlFileError, read_yaml

ENGINE_ADDRESS: Final = "127.0.0.1:0"


GRACE_SECONDS: Final = 5.0


_CHANNEL_OPTIONS: Final = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


class PackProcess:
    """The pack subprocess: stdout drained on a thread (first line = port), stderr to a file."""

    def __init__(self, pack_dir: Path, python: str, env: Mapping[str, str]) -> None:
        # Closed by stop(); a file, not a pipe, so a chatty pack can never block on stderr.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._stderr_text: str | None = None
        self._lines: queue.Queue[bytes] = queue.Queue()
        argv = [python, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "."]
        try:
            self._proc = subprocess.Popen(
                argv,
                cwd=pack_dir,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise PolicyPackError(f"could not start policy pack {pack_dir}: {exc}") from exc
        self._reader = threading.Thread(target=self._drain_stdout, daemon=True)
        self._reader.start()

    def _drain_stdout(self) -> None:
        stdout = cast(IO[bytes], self._proc.stdout)
        for line in stdout:
            self._lines.put(line)
        self._lines.put(b"")

    def port(self, timeout: float) -> int:
        try:
            first = self._lines.get(timeout=timeout).decode(errors="replace").strip()
        except queue.Empty:
            raise PolicyPackError(
                self.describe(f"policy pack did not report its port within {timeout:g}s")
            ) from None
        if first.isdigit():
            return int(first)
        if not first:
            self._wait(GRACE_SECONDS)
            raise PolicyPackError(self.describe("policy pack exited before reporting its port"))
        raise PolicyPackError(self.describe(f"could not read the policy pack port from {first!r}"))

    def describe(self, problem: str) -> str:
        code = self._proc.poll()
        status = f" (exit code {code})" if code is not None else ""
        stderr = self._read_stderr().rstrip() or "<empty>"
        return f"{problem}{status}\n--- policy pack stderr ---\n{stderr}"

    def stop(self) -> str:
        """Terminates the pack, kills it if it lingers; idempotent.

        SIGTERM rather than the engine's SIGINT: a process started with SIGINT ignored (a
        background job of a non-interactive shell, as some CI runners start us) passes that on
        to the pack, which would then sit out the whole grace period on every run.
        """
        if self._stderr_text is None:
            if self._proc.poll() is None:
                self._proc.terminate()
                if not self._wait(GRACE_SECONDS):
                    self._proc.kill()
                    self._proc.wait()
            self._reader.join(GRACE_SECONDS)
            cast(IO[bytes], self._proc.stdout).close()
            self._stderr_text = self._read_stderr()
            self._stderr.close()
        return self._stderr_text

    def _wait(self, seconds: float) -> bool:
        try:
            self._proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def _read_stderr(self) -> str:
        if self._stderr_text is not None:
            return self._stderr_text
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")


class Pending:
    """A call on its way; `result` waits for its answer and reports a failure with stderr."""

    def __init__(self, method: str, future: Any, process: PackProcess) -> None:
        self._method, self._future, self._process = method, future, process

    def result(self, *, optional: bool = False, timeout: float | None = None) -> Any:
        try:
            return self._future.result(timeout=timeout)
        except grpc.FutureTimeoutError:
            problem = f"{self._method} got no answer within {timeout:g}s"
            raise PolicyPackError(self._process.describe(problem)) from None
        except grpc.RpcError as err:
            if optional and err.code() == grpc.StatusCode.UNIMPLEMENTED:
                return None
            problem = f"{self._method} failed: {err.code().name}: {err.details()}"
            raise PolicyPackError(self._process.describe(problem)) from err


class Rpc:
    """Analyzer client whose calls report failures with stderr. The pack's start (handshake,
    configuration) shares the run's deadline; after it, a call fails only when the pack leaves it
    unanswered for `call_timeout` while it is awaited, so a large stack on a busy machine is not
    cut off by a budget for the whole run, only a pack that stops answering."""

    def __init__(
        self, port: int, deadline: float, process: PackProcess, call_timeout: float
    ) -> None:
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._deadline = deadline
        self._call_timeout = call_timeout
        self._started = False
        self._process = process

    def started(self) -> None:
        """The pack is configured: awaited answers from now on get `call_timeout` each."""
        self._started = True

    def call(self, method: str, request: Any, *, optional: bool = False) -> Any:
        return self.send(method, request).result(optional=optional, timeout=self.wait)

    @property
    def wait(self) -> float | None:
        """How long an awaited answer may take once the pack runs (None before: the deadline)."""
        return self._call_timeout if self._started else None

    def send(self, method: str, request: Any) -> Pending:
        """Start a call without waiting for its answer (calls are served concurrently)."""
        remaining = None if self._started else self._deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise PolicyPackError(self._process.describe(f"timed out before {method}"))
        future = getattr(self._stub, method).future(request, timeout=remaining, wait_for_ready=True)
        return Pending(method, future, self._process)

    def close(self) -> None:
        self._channel.close()


def load_policy_project(pack_dir: Path) -> str | None:
    path = pack_dir / "PulumiPolicy.yaml"
    try:
        project = read_yaml(path) or {}
    except YamlFileError as exc:
        raise PolicyPackError(f"failed to load Pulumi policy project at {pack_dir}: {exc}") from exc
    runtime = project.get("runtime")
    name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if name != "python":
        raise PolicyPackError(f"{path}: runtime {name!r} is not supported offline, only python")
    version = project.get("version")
    return str(version) if version else None


def pack_env(stack: str, project: str) -> dict[str, str]:
    extra = {"PULUMI_PROJECT": project, "PULUMI_STACK": stack, "PULUMI_DRY_RUN": "true"}
    return {**os.environ, **{k: v for k, v in extra.items() if v}}
