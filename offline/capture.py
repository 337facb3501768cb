"""Run the real Pulumi program offline, under mocks, with one stack's config.

No Pulumi CLI and no AWS credentials are involved: the stack file is read and validated here,
handed to the Pulumi runtime exactly as the CLI would (structured values as JSON strings), and
every resource the program registers is captured with its resolved inputs and dependencies.
"""

import gc
import os
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.resource as sdk_resource
from pulumi.runtime import settings
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from offline.mocks import MOCK_ACCOUNT_ID, PlatformMocks, RecordingMonitor, Registration
from offline.stack_files import (
    OFFLINE_SECRET,
    StackFileError,
    StackNotFoundError,
    engine_config,
    read_config_file,
    stacks_in,
)
from policies.framework.yaml_file import read_yaml
from stack_config import StackConfig, parse_stack_config
from stack_config.release import ReleaseStackConfig
from stack_config.release_loader import parse_release_config, resolve_stages

PROJECT_ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "OFFLINE_SECRET",
    "PROJECT_ROOT",
    "Capture",
    "ReleaseCapture",
    "StackFileError",
    "StackNotFoundError",
    "available_stacks",
    "capture_program",
    "capture_release",
    "capture_stack",
    "engine_config",
    "offline_account",
    "program_environment",
    "project_name",
    "read_config_file",
    "read_stack_values",
]


@dataclass(frozen=True)
class Capture:
    """What one offline run of the program declared."""

    stack: str
    project: str
    config: StackConfig
    resources: tuple[Registration, ...]


@dataclass(frozen=True)
class ReleaseCapture:
    """What one offline run of the program declared for a delivery stack (`release` config)."""

    stack: str
    project: str
    config: ReleaseStackConfig
    resources: tuple[Registration, ...]


def available_stacks(root: Path = PROJECT_ROOT) -> list[str]:
    """Stacks that have a `Pulumi.<stack>.yaml` next to `Pulumi.yaml`."""
    return stacks_in(root)


def read_stack_values(stack: str, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The `config:` mapping of the stack file `Pulumi.<stack>.yaml` next to `Pulumi.yaml`."""
    path = root / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        stacks = ", ".join(available_stacks(root)) or "none"
        raise StackNotFoundError(f"unknown stack '{stack}': no {path.name}; available: {stacks}")
    return read_config_file(path)


def project_name(root: Path = PROJECT_ROOT) -> str:
    document = read_yaml(root / "Pulumi.yaml")
    return str(document["name"])


def capture_stack(
    stack: str,
    root: Path = PROJECT_ROOT,
    *,
    values: Mapping[str, Any] | None = None,
    account_id: str | None = None,
    reclaim: bool = True,
    source_positions: bool = False,
    on_register: Callable[[Registration], None] | None = None,
) -> Capture:
    """Validate the stack's config, run the program under mocks and return what it declared.

    `values` replaces the stack file's config (benchmarks and tests use it for generated stacks);
    `account_id` the account the mocks answer as (default: `offline_account`); `reclaim`,
    `source_positions` and `on_register` as for `capture_program`.
    """
    raw = dict(values) if values is not None else read_stack_values(stack, root)
    config = parse_stack_config(stack, raw)
    account = account_id or offline_account(config)
    resources = _run_main(
        stack,
        root,
        raw,
        region=config.region,
        account_id=account,
        reclaim=reclaim,
        source_positions=source_positions,
        on_register=on_register,
    )
    project = project_name(root)
    return Capture(stack, project, config, resources)


def capture_release(
    stack: str,
    root: Path = PROJECT_ROOT,
    *,
    values: Mapping[str, Any] | None = None,
    reclaim: bool = True,
    on_register: Callable[[Registration], None] | None = None,
) -> ReleaseCapture:
    """As `capture_stack`, for a delivery stack: its config and its stages' stack files are
    validated first (a `StackConfigError` names every problem)."""
    raw = dict(values) if values is not None else read_stack_values(stack, root)
    config = parse_release_config(stack, raw)
    resolve_stages(stack, config, root)
    resources = _run_main(
        stack,
        root,
        raw,
        region=config.region,
        account_id=MOCK_ACCOUNT_ID,
        reclaim=reclaim,
        on_register=on_register,
    )
    return ReleaseCapture(stack, project_name(root), config, resources)


def _run_main(
    stack: str,
    root: Path,
    raw: Mapping[str, Any],
    *,
    region: str,
    account_id: str,
    **options: Any,
) -> tuple[Registration, ...]:
    """The program's `__main__.py` run under mocks, in its directory, with the stack's config."""
    main = str(root / "__main__.py")
    project = project_name(root)
    config, secret_keys = engine_config(project, raw)
    with program_environment(root):
        return capture_program(
            lambda: runpy.run_path(main, run_name="__main__"),
            project=project,
            stack=stack,
            region=region,
            config=config,
            secret_keys=secret_keys,
            account_id=account_id,
            **options,
        )


def offline_account(config: StackConfig) -> str:
    """The account the program runs as offline: the one the stack file deploys to (so the
    program's check of the state bucket against the deploying account holds), else the mocks'."""
    delivery = config.platform.delivery
    return MOCK_ACCOUNT_ID if delivery is None else delivery.target_account


def capture_program(
    program: Callable[[], object],
    *,
    project: str,
    stack: str,
    region: str,
    config: Mapping[str, str] | None = None,
    account_id: str = MOCK_ACCOUNT_ID,
    secret_keys: Sequence[str] = (),
    reclaim: bool = True,
    source_positions: bool = False,
    on_register: Callable[[Registration], None] | None = None,
) -> tuple[Registration, ...]:
    """Run any Pulumi program function under the platform mocks and return its registrations.

    `account_id` is the account the mocks answer as (caller identity, ARNs); `secret_keys` are
    the config keys the CLI would mark secret (`secure:` values).
    `reclaim=False` leaves the run's garbage to the end of the process (a one-shot command that
    exits afterwards); `source_positions=True` lets the SDK compute the source position of every
    registration, which the mocks discard and the capture does not record. `on_register` sees
    each registration as the engine would, while the program still runs.
    """
    monitor = RecordingMonitor(PlatformMocks(region=region, account_id=account_id), on_register)
    settings.reset_options(project=project, stack=stack, preview=False)
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys))
    pulumi.runtime.set_mocks(
        monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor
    )

    def run() -> None:
        program()

    positions = nullcontext() if source_positions else _no_source_positions()
    with _cyclic_gc_paused(reclaim=reclaim), positions:
        _sync_await(run_pulumi_func(run))
    return tuple(monitor.registrations)


@contextmanager
def _no_source_positions() -> Iterator[None]:
    # At every registration the SDK walks the Python stack to send the engine the source position
    # of the resource (`_get_stack_trace`): a fifth of the run, for a field the mocks discard.
    # While the program runs, the SDK's own answer for "no user frame found", an empty trace,
    # stands in; the capture is byte-identical either way (tests/offline/test_capture.py).
    original = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = original


@contextmanager
def _cyclic_gc_paused(*, reclaim: bool) -> Iterator[None]:
    # The SDK keeps every pending Output, task and future of the run alive and leaves reference
    # cycles behind for each output it creates; with the collector on, each automatic full
    # collection rescans that growing heap (and every imported module), so the run cost grew
    # faster than its resources. Paused, the run allocates freely and one collection of the young
    # generations afterwards frees its garbage, in time proportional to what the run allocated.
    if not gc.isenabled():
        yield
        return
    # Without `reclaim`, the survivors are frozen instead: a one-shot command skips the traversal
    # of everything the run allocated, which the next automatic collection would otherwise do.
    gc.disable()
    try:
        yield
    finally:
        if reclaim:
            gc.collect(1)
        else:
            gc.freeze()
        gc.enable()


@contextmanager
def program_environment(root: Path) -> Iterator[None]:
    """As under `pulumi up`: the program runs in its directory and imports its own packages."""
    added = str(root) not in sys.path
    previous = Path.cwd()
    if added:
        sys.path.insert(0, str(root))
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(previous)
        if added:
            sys.path.remove(str(root))
