"""Rule exceptions as data: validated on load, matched by resource name or urn, bounded by a date.

An active exception suppresses a rule for one resource; an expired one no longer does, and the
violation it used to hide carries a note saying which exception expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, ValidationError

from policies.framework.model import StrictModel


class ExceptionsFileError(ValueError):
    """The exceptions file is unreadable or invalid; the message names the file and field."""


class RuleException(StrictModel):
    rule: Annotated[str, Field(pattern=r"^(ENC|TAG|SEC)-\d{3}$", description="Rule id waived.")]
    resource: Annotated[str, Field(min_length=1, description="Logical resource name or full urn.")]
    reason: Annotated[str, Field(min_length=10, description="Why the rule cannot be met.")]
    owner: Annotated[str, Field(min_length=2, description="Person or team accountable.")]
    expires: Annotated[date, Field(description="Last day the exception applies (inclusive).")]


class ExceptionsFile(StrictModel):
    exceptions: Annotated[tuple[RuleException, ...], Field(description="Granted exceptions.")] = ()


@dataclass(frozen=True)
class Waiver:
    """Outcome of looking up an exception for one (rule, resource) pair."""

    active: bool
    grant: RuleException
    note: str = ""

    def reason(self, findings: int) -> str:
        """The not-applicable reason the offline check reads as a waiver (WAIVER_PREFIX)."""
        g = self.grant
        return (
            f"{WAIVER_PREFIX}{g.rule} for {g.resource!r} ({findings} finding(s); "
            f"owner {g.owner}, until {g.expires.isoformat()}): {g.reason}"
        )


# Read by offline/analyzer/model.py: keep the two in step.
WAIVER_PREFIX = "waived by exception "


def load_exceptions(path: Path) -> ExceptionsFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ExceptionsFileError(f"{path.name}: cannot read exceptions file: {exc}") from exc
    try:
        return ExceptionsFile.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{_location(err['loc'], raw)}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise ExceptionsFileError(f"{path.name}: {problems}") from exc


def _location(loc: tuple[int | str, ...], raw: object) -> str:
    """`exceptions[1] (ENC-005 audit).owner`: the path, naming the entry by rule and resource."""
    text = ""
    for depth, part in enumerate(loc):
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        if depth == 1 and isinstance(part, int):
            text += _entry_label(raw, part)
    return text or "<root>"


def _entry_label(raw: object, index: int) -> str:
    entries = raw.get("exceptions") if isinstance(raw, dict) else None
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    if not isinstance(entry, dict):
        return ""
    named = [str(entry[k]) for k in ("rule", "resource") if k in entry]
    return f" ({' '.join(named)})" if named else ""


def waiver_for(
    exceptions: ExceptionsFile, rule_id: str, name: str, urn: str, today: date
) -> Waiver | None:
    """Active exceptions win over expired ones for the same resource."""
    matches = [e for e in exceptions.exceptions if e.rule == rule_id and e.resource in (name, urn)]
    if not matches:
        return None
    current = [e for e in matches if e.expires >= today]
    if current:
        grant = max(current, key=lambda e: e.expires)
        return Waiver(
            active=True,
            grant=grant,
            note=f" [until {grant.expires.isoformat()}, owner {grant.owner}: {grant.reason}]",
        )
    latest = max(matches, key=lambda e: e.expires)
    return Waiver(
        active=False,
        grant=latest,
        note=(
            f" [exception expired on {latest.expires.isoformat()} "
            f"(owner {latest.owner}: {latest.reason})]"
        ),
    )
