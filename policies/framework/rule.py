"""Turns a rule (metadata + check function) into a real pulumi_policy policy object.

Per resource, in order: the check yields missing facts, each reported as "<type> '<name>': <fact>"
with the resource urn (plus a note if an exception expired), unless an active exception waives
them, which is then reported as the policy's not-applicable reason with the number it waived;
a value the check needs but that is unknown at preview is collected, and after every resource was
judged all of them are raised together as one `PreviewUnknownError`. That is a real
`UnknownValueError`, which the engine reports as an advisory "can't run policy ... during preview"
diagnostic: preview never blocks on unknowns, violations found on other resources are still
reported, and the rule runs again with known values during the update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pulumi_policy import (
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Severity as PolicySeverity
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from policies.framework.model import Framework, RuleMeta
from policies.framework.subjects import StackView, Subject
from policies.framework.values import CannotVerifyError
from policies.framework.waivers import ExceptionsFile, waiver_for

Config = Mapping[str, Any]
ResourceCheck = Callable[[Subject, Config], Iterator[str]]
StackCheck = Callable[[Subject, StackView, Config], Iterator[str]]
Today = Callable[[], date]


class NotApplicableError(Exception):
    """Raised by a check for a resource of a covered type that the rule has nothing to judge on."""


@dataclass(frozen=True)
class Unverified:
    urn: str
    message: str


class PreviewUnknownError(UnknownValueError):
    """Every fact a policy could not verify at preview, one entry per resource."""

    def __init__(self, policy_name: str, unverified: list[Unverified]) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.unverified = unverified
        self.message = f"{policy_name}: " + "; ".join(f"{u.message} [{u.urn}]" for u in unverified)


@dataclass(frozen=True)
class ResourceRule:
    meta: RuleMeta
    check: ResourceCheck


@dataclass(frozen=True)
class StackRule:
    meta: RuleMeta
    check: StackCheck


Rule = ResourceRule | StackRule


def build_policy(
    rule: Rule, exceptions: ExceptionsFile, today: Today = date.today
) -> ResourceValidationPolicy | StackValidationPolicy:
    meta = rule.meta
    common: dict[str, Any] = {
        "name": meta.name,
        "description": meta.description,
        "enforcement_level": meta.enforcement,
        "config_schema": PolicyConfigSchema(meta.config_schema) if meta.config_schema else None,
        "display_name": f"{meta.id} {meta.name}",
        "severity": PolicySeverity(meta.severity.value),
        "framework": _framework(meta),
        "tags": [meta.category, *(f"{c.framework.name.lower()}:{c.id}" for c in meta.controls)],
        "remediation_steps": meta.remediation,
    }
    if isinstance(rule, ResourceRule):
        return ResourceValidationPolicy(
            validate=_resource_validate(rule, exceptions, today), **common
        )
    return StackValidationPolicy(validate=_stack_validate(rule, exceptions, today), **common)


def _framework(meta: RuleMeta) -> PolicyComplianceFramework:
    primary = next((c for c in meta.controls if c.framework is Framework.FSBP), meta.controls[0])
    same = [c.id for c in meta.controls if c.framework is primary.framework]
    return PolicyComplianceFramework(name=primary.framework.value, reference=", ".join(same))


def _resource_validate(
    rule: ResourceRule, exceptions: ExceptionsFile, today: Today
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    meta = rule.meta
    types = frozenset(meta.resource_types)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in types:
            args.not_applicable(f"{meta.id} judges {_scope(meta)} only")
        config = {**meta.config_defaults(), **args.get_config()}
        verdicts = _judge(
            meta,
            [Subject.of_args(args)],
            lambda s: rule.check(s, config),
            report=report,
            exceptions=exceptions,
            today=today(),
        )
        if verdicts.reason is not None:
            args.not_applicable(verdicts.reason)

    return validate


def _stack_validate(
    rule: StackRule, exceptions: ExceptionsFile, today: Today
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    meta = rule.meta

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        stack = StackView(args.resources)
        subjects = stack.of_type(meta.resource_types)
        if not subjects:
            args.not_applicable(f"the stack has no {_scope(meta)}")
        config = {**meta.config_defaults(), **args.get_config()}
        verdicts = _judge(
            meta,
            subjects,
            lambda s: rule.check(s, stack, config),
            report=report,
            exceptions=exceptions,
            today=today(),
        )
        if verdicts.waived:  # violations already reported stay in the response
            args.not_applicable("\n".join(verdicts.waived))

    return validate


def _scope(meta: RuleMeta) -> str:
    return meta.scope_note or ", ".join(meta.resource_types)


@dataclass
class Verdicts:
    """What `_judge` leaves to its caller: not-applicable reasons and waivers that hid findings."""

    skipped: list[str]
    waived: list[str]

    @property
    def reason(self) -> str | None:
        """Waivers first: the offline check counts them; otherwise the first skip reason."""
        if self.waived:
            return "\n".join(self.waived)
        return self.skipped[0] if self.skipped else None


def _judge(
    meta: RuleMeta,
    subjects: list[Subject],
    run: Callable[[Subject], Iterator[str]],
    *,
    report: ReportViolation,
    exceptions: ExceptionsFile,
    today: date,
) -> Verdicts:
    """Report violations, return what was skipped or waived; raise collected unknowns at the end."""
    verdicts = Verdicts([], [])
    unverified: list[Unverified] = []
    for subject in subjects:
        waiver = waiver_for(exceptions, meta.id, subject.name, subject.urn, today)
        facts: list[str] = []
        try:
            for fact in run(subject):
                facts.append(fact)
        except NotApplicableError as exc:
            verdicts.skipped.append(str(exc))
        except CannotVerifyError as exc:
            if waiver is None or not waiver.active:
                fact = f"cannot verify {exc.fact} at preview ({exc.path} is unknown)"
                unverified.append(Unverified(subject.urn, f"{subject.label}: {fact}"))
        if waiver is not None and waiver.active:
            if facts:
                verdicts.waived.append(waiver.reason(len(facts)))
            continue
        note = waiver.note if waiver is not None else ""
        for fact in facts:
            report(f"{subject.label}: {fact}{note}", subject.urn)
    if unverified:
        raise PreviewUnknownError(meta.name, unverified)
    return verdicts
