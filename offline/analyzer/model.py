"""What an offline policy run reports: the pack, its policies, the violations and the timings.

A violation carries the URN the engine would attach it to; `remediate` levels arrive already
downgraded to `mandatory`, as the engine reports them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

EnforcementLevel = Literal["advisory", "mandatory", "remediate", "disabled"]


PolicyType = Literal["resource", "stack", "unknown"]


class PolicyPackError(RuntimeError):
    """The pack could not be started, timed out, or failed an RPC; the message has its stderr."""


class PolicyConfigError(PolicyPackError):
    """The policy config is malformed or does not match a policy's config schema."""


@dataclass(frozen=True)
class PolicyInfo:
    """One policy as reported by GetAnalyzerInfo."""

    name: str
    description: str
    enforcement_level: EnforcementLevel
    policy_type: PolicyType
    config_schema: Mapping[str, Any] | None
    display_name: str = ""
    remediation: str = ""
    severity: str = ""  # low, medium, high, critical; "" when the pack gives none
    tags: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The display name when the pack gives one (this pack's: "<rule id> <name>")."""
        return self.display_name or self.name

    @property
    def rule_id(self) -> str:
        """This pack's rule id (the display name's first word when it is one), else the name."""
        first = self.display_name.split(" ", 1)[0]
        return first if _RULE_ID.match(first) else self.name


@dataclass(frozen=True)
class PackInfo:
    """The pack's name, version (PulumiPolicy.yaml first) and policies sorted by name."""

    name: str
    version: str
    policies: tuple[PolicyInfo, ...]


@dataclass(frozen=True)
class Violation:
    """One diagnostic, with the URN the engine would attach it to."""

    policy_name: str
    policy_pack_name: str
    policy_pack_version: str
    description: str
    message: str
    urn: str
    enforcement_level: EnforcementLevel

    @property
    def resource_name(self) -> str:
        return urn_name(self.urn)


@dataclass(frozen=True)
class NotApplicable:
    """A policy that did not judge a resource (or the stack, `urn` empty), with the pack's reason.

    A reason starting with `WAIVER_PREFIX` is an exception that waived findings.
    """

    policy_name: str
    urn: str
    reason: str

    @property
    def waiver(self) -> bool:
        return self.reason.startswith(WAIVER_PREFIX)

    @property
    def findings(self) -> int:
        """How many findings a waiver hid (0 for other reasons)."""
        return sum(int(m) for m in _WAIVED_COUNT.findall(self.reason)) if self.waiver else 0


# The pack's waiver reasons (policies/framework/waivers.py); several are joined by newlines.
WAIVER_PREFIX = "waived by exception "
_WAIVED_COUNT = re.compile(r"^waived by exception \S+ for .*? \((\d+) finding", re.M)


@dataclass(frozen=True)
class Timings:
    """Wall-clock seconds per phase, for benchmarking."""

    startup: float
    configure: float
    analyze: float
    analyze_stack: float
    shutdown: float
    total: float


@dataclass(frozen=True)
class PolicyReport:
    """Everything one offline policy run produced."""

    pack: PackInfo
    violations: tuple[Violation, ...]
    timings: Timings
    stderr: str = field(repr=False)
    not_applicable: tuple[NotApplicable, ...] = ()
    # Policies that could not run on a resource because a value was unknown at preview (the
    # engine reports them as advisory "can't run policy ... during preview" diagnostics).
    unjudged: tuple[Violation, ...] = ()

    @property
    def mandatory(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.enforcement_level == "mandatory")

    @property
    def waivers(self) -> tuple[NotApplicable, ...]:
        return tuple(n for n in self.not_applicable if n.waiver)


_RULE_ID = re.compile(r"^[A-Z]+-\d+$")
_PREVIEW_UNKNOWN = re.compile(
    r"^can't run policy '[^']*' from policy pack '[^']*' during preview: "
)


def unknown_at_preview(violation: Violation) -> str | None:
    """The reason, if the diagnostic says a policy could not run on a value unknown at preview."""
    match = _PREVIEW_UNKNOWN.match(violation.message)
    return None if match is None else violation.message[match.end() :]


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3] if urn.count("::") >= 3 else ""
