"""How a previewed program ended, told from what the child left and what the monitor saw.

Only the SDK's orderly shutdown with exit status 0 is completion. Everything else is a `Failure`
with its kind, a one-line summary, the program's file and line where that is known (the frame of
the exception or `sys.exit`, or where the program was when its time ran out) and the detail: the
traceback, the threads' stacks, or the end of the program's output.
"""

from __future__ import annotations

import json
import re
import signal
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

FailureKind = Literal["raised", "exited", "timed-out", "killed", "ended-early", "logged-error"]
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)', re.M)


@dataclass(frozen=True)
class Failure:
    """Why the program did not complete; `location` is `file:line` in the program, if known."""

    kind: FailureKind
    summary: str
    location: str | None
    detail: str

    def render(self) -> str:
        where = f" (at {self.location})" if self.location else ""
        detail = "\n".join(f"  {line}" for line in self.detail.rstrip().splitlines())
        return f"{self.summary}{where}" + (f"\n{detail}" if detail else "")


@dataclass(frozen=True)
class ChildExit:
    """What the child process left behind."""

    returncode: int | None
    timed_out: bool
    timeout: float
    report: Path
    output_tail: str


def classify(child: ChildExit, *, shutdown: bool, errors: list[str], root: Path) -> Failure | None:
    """The failure of the run, or None when the SDK shut down in order and nothing went wrong."""
    recorded = child.report / "failure.json"
    if child.timed_out:
        return _timed_out(child, root)
    if child.returncode is not None and child.returncode < 0:
        name = _signal_name(-child.returncode)
        summary = f"the program was killed by {name} before it finished"
        return Failure("killed", summary, None, child.output_tail)
    if recorded.is_file():
        return _recorded(json.loads(recorded.read_text(encoding="utf-8")), errors)
    if not shutdown or child.returncode != 0:
        summary = (
            f"the program's process ended (exit status {child.returncode}) before the Pulumi "
            "SDK finished it: os._exit(), a signal handler or a crash ends a preview too"
        )
        return Failure("ended-early", summary, None, child.output_tail)
    if errors:
        summary = f"the program logged {len(errors)} error(s), which fail a preview"
        return Failure("logged-error", summary, None, "\n".join(errors))
    return None


def _timed_out(child: ChildExit, root: Path) -> Failure:
    stacks = (child.report / "hang.txt").read_text(encoding="utf-8", errors="replace")
    frames = [m for m in _FRAME.finditer(stacks) if _inside(m["file"], root)]
    location = None
    if frames:
        location = f"{Path(frames[0]['file']).resolve().relative_to(root)}:{frames[0]['line']}"
    summary = f"the program did not finish within {child.timeout:g} s and was stopped"
    # The threads that were in the program's code; the SDK's idle workers say nothing.
    blocks = [
        b
        for b in stacks.strip().split("\n\n")
        if any(_inside(m["file"], root) for m in _FRAME.finditer(b))
    ]
    return Failure(
        "timed-out", summary, location, "\n\n".join(blocks) or stacks.strip() or child.output_tail
    )


def _recorded(failure: dict[str, Any], errors: list[str]) -> Failure:
    where = failure.get("location")
    location = f"{where['file']}:{where['line']}" if where else None
    if failure["kind"] == "exit":
        summary = (
            f"the program called sys.exit({failure.get('code')!r}) before it finished: "
            "resources after that point were never declared, so it cannot pass"
        )
        return Failure("exited", summary, location, failure["traceback"])
    summary = f"the program raised {failure['type']}: {failure['message']}"
    if failure.get("module"):
        summary += "; " + _install_hint(str(failure["module"]), failure)
    detail = "\n".join([failure["traceback"].rstrip(), *errors])
    return Failure("raised", summary, location, detail)


def _install_hint(module: str, failure: dict[str, Any]) -> str:
    distribution = module.split(".", maxsplit=1)[0].replace("_", "-")
    return (
        f"install it into the environment the program runs in, {failure['prefix']} (for "
        f"example `{failure['python']} -m pip install {distribution}`), or pass --python with "
        "the interpreter of the program's own virtualenv"
    )


def _inside(filename: str, root: Path) -> bool:
    if not Path(filename).is_absolute():  # "<frozen runpy>", "<string>"
        return False
    path = Path(filename).resolve()
    return path.is_relative_to(root) and "site-packages" not in path.parts


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def failure_of(error: BaseException, root: Path) -> Failure:
    """An exception raised by a program run in this process (the platform's own check)."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if _inside(f.filename, root) and ".venv" not in Path(f.filename).parts]
    location = None
    if own:
        location = (
            f"{Path(own[-1].filename).resolve().relative_to(root.resolve())}:{own[-1].lineno}"
        )
    summary = f"the program raised {type(error).__name__}: {error}"
    return Failure("raised", summary, location, "".join(traceback.format_exception(error)))
