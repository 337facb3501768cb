"""What a prerequisite check found: ok, a warning, a failure with its fix, or skipped because an
earlier check failed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"
    SKIP = "skip"


@dataclass(frozen=True)
class Finding:
    """One prerequisite: its name, what was found and, when it is missing, how to fix it."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    @classmethod
    def ok(cls, name: str, detail: str) -> Finding:
        return cls(name, Status.OK, detail)

    @classmethod
    def fail(cls, name: str, detail: str, fix: str) -> Finding:
        return cls(name, Status.FAIL, detail, fix)

    @classmethod
    def warn(cls, name: str, detail: str, fix: str = "") -> Finding:
        return cls(name, Status.WARN, detail, fix)

    @classmethod
    def skip(cls, name: str, needs: str) -> Finding:
        return cls(name, Status.SKIP, f"needs {needs}")

    def lines(self) -> list[str]:
        """The finding as the console shows it."""
        lines = [f"  {self.status.value:<5} {self.name:<22} {self.detail}"]
        return [*lines, f"{'':31}fix: {self.fix}"] if self.fix else lines


def failed(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.status is Status.FAIL]
