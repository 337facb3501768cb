"""Builds real pulumi_policy argument objects the way the engine does and runs one policy.

Props are wrapped with pulumi_policy's own `unknown_checking_proxy`, so unknown values behave as
in a preview; `U` is the engine's unknown-string sentinel. Every rule has cases of five kinds:
pass, fail, not-applicable, unknown (at preview) and waived (an exception hides its findings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policies.framework.rule import PreviewUnknownError, Rule, build_policy
from policies.framework.waivers import ExceptionsFile, RuleException

U = UNKNOWN_STRING_VALUE
TODAY = date(2025, 6, 1)
Resources = tuple[PolicyResource, ...]
Kind = Literal["pass", "fail", "not-applicable", "unknown", "waived"]
KINDS = {"pass", "fail", "not-applicable", "unknown", "waived"}
REASON = "offline test: the compensating control is documented elsewhere"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::data-platform::{type_}::{name}"


def label(type_: str, name: str) -> str:
    return f"{type_} '{name}'"


def provider(default_tags: dict[str, str] | None = None, raw: Any = None) -> PolicyProviderResource:
    """An aws provider whose `defaultTags` input arrives JSON-encoded, as pulumi-aws sends it."""
    props: dict[str, Any] = {}
    if raw is not None:
        props["defaultTags"] = raw
    elif default_tags is not None:
        props["defaultTags"] = json.dumps({"tags": default_tags})
    type_ = "pulumi:providers:aws"
    return PolicyProviderResource(type_, unknown_checking_proxy(props), urn(type_, "aws"), "aws")


def res(
    type_: str,
    name: str,
    props: dict[str, Any] | None = None,
    deps: dict[str, list[PolicyResource]] | None = None,
    prov: PolicyProviderResource | None = None,
) -> PolicyResource:
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    return PolicyResource(
        type_,
        unknown_checking_proxy(props or {}),
        urn(type_, name),
        name,
        opts,
        prov,
        None,
        [d for ds in (deps or {}).values() for d in ds],
        dict(deps or {}),
    )


@dataclass(frozen=True)
class Outcome:
    violations: list[tuple[str, str | None]] = field(default_factory=list)
    not_applicable: str | None = None
    unverified: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Case:
    """One named scenario for one rule; `resources[0]` is judged by resource rules."""

    name: str
    rule: Rule
    kind: Kind
    resources: tuple[PolicyResource, ...]
    violations: tuple[tuple[str, str], ...] = ()
    not_applicable: str | None = None
    unverified: tuple[tuple[str, str], ...] = ()
    config: dict[str, Any] | None = None
    exceptions: ExceptionsFile | None = None

    @property
    def id(self) -> str:
        return f"{self.rule.meta.id}-{self.kind}-{self.name}"


def run(
    rule: Rule,
    resources: tuple[PolicyResource, ...],
    config: dict[str, Any] | None = None,
    exceptions: ExceptionsFile | None = None,
    today: date = TODAY,
) -> Outcome:
    policy = build_policy(rule, exceptions or ExceptionsFile(), lambda: today)
    violations: list[tuple[str, str | None]] = []

    def report(message: str, urn_: str | None = None) -> None:
        violations.append((message, urn_))

    try:
        if isinstance(policy, ResourceValidationPolicy):
            r = resources[0]
            args = ResourceValidationArgs(
                r.resource_type, r.props, r.urn, r.name, r.opts, r.provider, config
            )
            policy.validate(args, report)
        else:
            assert isinstance(policy, StackValidationPolicy)
            policy.validate(StackValidationArgs(list(resources), config), report)
    except _NotApplicableError as exc:
        return Outcome(violations, not_applicable=exc.reason)
    except PreviewUnknownError as exc:
        return Outcome(violations, unverified=[(u.urn, u.message) for u in exc.unverified])
    return Outcome(violations)


def check(case: Case) -> None:
    outcome = run(case.rule, case.resources, case.config, case.exceptions)
    assert outcome.violations == list(case.violations)
    assert outcome.not_applicable == case.not_applicable
    assert outcome.unverified == list(case.unverified)
    waived = (case.not_applicable or "").startswith("waived by exception ")
    expected_kind = (
        "waived"
        if waived
        else "not-applicable"
        if case.not_applicable
        else "fail"
        if case.violations
        else "pass"
    )
    if case.kind != "unknown":
        assert case.kind == expected_kind


def waived(case: Case) -> Case:
    """`case` (a failing one) with an exception for its first violating resource: that resource's
    findings disappear into one waiver naming their number; other resources still report."""
    assert case.kind == "fail" and case.violations
    subject = case.violations[0][1]
    name = subject.rsplit("::", 1)[1]
    hidden = [message for message, urn_ in case.violations if urn_ == subject]
    until = TODAY.replace(year=TODAY.year + 1)  # far from expiring: no "expires in" note
    grant = RuleException(
        rule=case.rule.meta.id, resource=name, reason=REASON, owner="data-eng", expires=until
    )
    reason = (
        f"waived by exception {case.rule.meta.id} for {name!r} ({len(hidden)} finding(s); "
        f"owner data-eng, until {until.isoformat()}): {REASON}"
    )
    return Case(
        f"{case.name}-waived",
        case.rule,
        "waived",
        case.resources,
        violations=tuple(v for v in case.violations if v[1] != subject),
        not_applicable=reason,
        config=case.config,
        exceptions=ExceptionsFile(exceptions=(grant,)),
    )
