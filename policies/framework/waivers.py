"""Rule exceptions as data: validated on load, matched by resource name or urn, bounded by a date.

An active exception suppresses a rule for one resource; an expired one no longer does, and the
violation it used to hide carries a note saying which exception expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from policies.framework.model import StrictModel
from policies.framework.validation import describe
from policies.framework.yaml_file import YamlFileError, read_yaml


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
    days_left: int | None = None

    def reason(self, findings: int) -> str:
        """The not-applicable reason the offline check reads as a waiver (WAIVER_PREFIX); an
        exception about to expire says so, so that it never lapses unnoticed."""
        g = self.grant
        soon = ""
        if self.days_left is not None and self.days_left <= EXPIRES_SOON_DAYS:
            soon = f", expires in {self.days_left} day(s)"
        return (
            f"{WAIVER_PREFIX}{g.rule} for {g.resource!r} ({findings} finding(s); "
            f"owner {g.owner}, until {g.expires.isoformat()}{soon}): {g.reason}"
        )


# Read by offline/analyzer/model.py: keep the two in step.
WAIVER_PREFIX = "waived by exception "
# How far ahead an active exception's expiry is announced with each finding it waives.
EXPIRES_SOON_DAYS = 30


def load_exceptions(path: Path) -> ExceptionsFile:
    try:
        raw = read_yaml(path, source=path.name)
    except YamlFileError as exc:
        message = f"{exc.where}: cannot read exceptions file: {exc.problem}"
        raise ExceptionsFileError(message) from exc
    try:
        return ExceptionsFile.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{_location(err['loc'], raw)}: {describe(err).message}"
            for err in exc.errors(include_url=False)
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
            days_left=(grant.expires - today).days,
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
