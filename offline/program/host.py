"""The child side of an offline preview: runs one Pulumi program as the Python language host does.

Started by `offline.program.runner` with the program's directory as working directory and its
config in PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS, it configures the SDK for a preview against
the parent's resource monitor and runs `__main__` inside the root stack (`run_in_stack`, as
pulumi-language-python-exec does). It imports only the standard library and `pulumi`, so it runs
in the program's own environment. It records, for the parent, how the program failed: the
exception or `sys.exit` with its traceback (`failure.json`), and where every thread was when the
deadline passed (`hang.txt`). Completion itself is only what the SDK signals to the monitor.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import json
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m offline.program.host",
        description="Run a Pulumi Python program as a preview against a resource monitor at "
        "ADDRESS (started by `python -m offline.check --program`, not by hand).",
    )
    parser.add_argument("--monitor", required=True, metavar="ADDRESS")
    parser.add_argument("--project", required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--root", required=True, type=Path, help="the program's directory")
    parser.add_argument("--report", required=True, type=Path, help="directory for failure files")
    parser.add_argument("--deadline", required=True, type=float, help="seconds until hang.txt")
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("program", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The program's directory, not this file's, is the first import location.
    sys.path[0] = str(args.root)
    if args.program.parent != args.root:
        sys.path.insert(1, str(args.program.parent))
    os.chdir(args.root)
    hang: IO[str] = (args.report / "hang.txt").open("w", encoding="utf-8")
    faulthandler.dump_traceback_later(args.deadline, file=hang)
    try:
        _configure(args)
        _run(args)
    except SystemExit as exit_:
        _record(args.report, args.root, "exit", exit_)
        return 1
    except BaseException as error:  # every way a program fails is reported
        _record(args.report, args.root, "exception", error)
        return 1
    finally:
        faulthandler.cancel_dump_traceback_later()
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


def _configure(args: argparse.Namespace) -> None:
    import pulumi.runtime

    config = pulumi.runtime.get_config_env()
    pulumi.runtime.set_all_config(config, pulumi.runtime.get_config_secret_keys_env())
    pulumi.runtime.configure(
        pulumi.runtime.Settings(
            monitor=args.monitor,
            engine=args.monitor,
            project=args.project,
            stack=args.stack,
            parallel=args.parallel,
            dry_run=True,
            organization="organization",
            root_directory=str(args.root),
        )
    )
    sys.argv = [str(args.program)]


def _run(args: argparse.Namespace) -> None:
    from pulumi.runtime.stack import run_in_stack

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.set_default_executor(ThreadPoolExecutor(max_workers=args.parallel * 4))
    # As the language host: outputs left pending by a failed program are not worth a warning.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    def program() -> None:
        runpy.run_path(str(args.program), run_name="__main__")

    try:
        loop.run_until_complete(run_in_stack(program))
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.close()


def _record(report: Path, root: Path, kind: str, error: BaseException) -> None:
    where = _innermost_program_frame(error, root)
    failure: dict[str, Any] = {
        "kind": kind,
        "type": type(error).__name__,
        "message": str(error),
        "traceback": _traceback(error, root),
        "location": None
        if where is None
        else {
            "file": str(Path(where.filename).resolve().relative_to(root)),
            "line": where.lineno,
            "code": (where.line or "").strip(),
        },
        "python": sys.executable,
        "prefix": sys.prefix,
    }
    if isinstance(error, SystemExit):
        failure["code"] = error.code if isinstance(error.code, int) else str(error.code)
    if isinstance(error, ModuleNotFoundError):
        failure["module"] = error.name
    (report / "failure.json").write_text(json.dumps(failure, indent=1), encoding="utf-8")


def _innermost_program_frame(error: BaseException, root: Path) -> traceback.FrameSummary | None:
    """The deepest frame in the program's own files: of the error itself, else of its causes
    (the SDK re-raises an error of an `apply` with the original as its cause)."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        frames = traceback.extract_tb(current.__traceback__)
        own = [f for f in frames if _is_program_file(f.filename, root)]
        if own:
            return own[-1]
        current = current.__cause__ or current.__context__
    return None


def _traceback(error: BaseException, root: Path) -> str:
    """The traceback from the program's first frame on (this host's and asyncio's frames cut)."""
    formatted = traceback.TracebackException.from_exception(error)
    current: traceback.TracebackException | None = formatted
    while current is not None:
        frames = list(current.stack)
        first = next((i for i, f in enumerate(frames) if _is_program_file(f.filename, root)), None)
        if first is not None:
            current.stack = traceback.StackSummary.from_list(frames[first:])
        current = current.__cause__ or current.__context__
    return "".join(formatted.format())


def _is_program_file(filename: str, root: Path) -> bool:
    if not os.path.isabs(filename):  # "<frozen runpy>", "<string>"
        return False
    path = Path(filename).resolve()
    return path.is_relative_to(root) and not any(
        part in ("site-packages", "dist-packages", ".venv") for part in path.parts
    )


if __name__ == "__main__":
    sys.exit(main())
