"""The console rendering of a policy run: violations by policy, mandatory first, then waivers.

Each group names the policy as the pack displays it (this pack: "<rule id> <name>", the id that
exceptions are keyed by) and its remediation; the closing lines say how many findings exceptions
waived, and which.
"""

from __future__ import annotations

from itertools import groupby

from offline.analyzer.model import (
    NotApplicable,
    PolicyInfo,
    PolicyReport,
    Violation,
    unknown_at_preview,
)


def render_report(report: PolicyReport) -> str:
    """Renders violations grouped by policy (mandatory first), then resource and message."""
    pack = f"{report.pack.name} {report.pack.version}"
    if not report.violations:
        lines = [f"{pack}: no policy violations"]
    else:
        lines = [
            f"{pack}: {len(report.violations)} violation(s), {len(report.mandatory)} mandatory",
        ]
    policies = {p.name: p for p in report.pack.policies}

    def key(v: Violation) -> tuple[bool, str, str]:
        return (v.enforcement_level != "mandatory", v.policy_name, v.enforcement_level)

    for (_, name, level), group in groupby(sorted(report.violations, key=key), key=key):
        items = list(group)
        lines += ["", *_heading(policies.get(name), name, level, items[0].description)]
        for v in items:
            detail = v.message.removeprefix(v.description).strip() or v.description
            lines += [f"  - {v.resource_name} ({v.urn or 'stack'})", f"      {detail}"]
    lines += _waivers(report.waivers, policies)
    lines += _unjudged(report.unjudged, policies)
    return "\n".join(lines) + "\n"


def _heading(info: PolicyInfo | None, name: str, level: str, description: str) -> list[str]:
    title = info.title if info is not None else name
    lines = [f"{title} [{level}]", f"  {description}"]
    if info is not None and info.remediation:
        lines.append(f"  Remediation: {info.remediation}")
    return lines


def _waivers(waivers: tuple[NotApplicable, ...], policies: dict[str, PolicyInfo]) -> list[str]:
    if not waivers:
        return []
    grants = [line for w in waivers for line in w.reason.splitlines()]
    findings = sum(w.findings for w in waivers)
    lines = ["", f"{findings} finding(s) waived by {len(grants)} exception(s):"]
    for waiver in sorted(waivers, key=lambda w: (w.policy_name, w.urn)):
        info = policies.get(waiver.policy_name)
        title = info.title if info is not None else waiver.policy_name
        lines += [f"  - {title}: {line}" for line in waiver.reason.splitlines()]
    return lines


def _unjudged(unjudged: tuple[Violation, ...], policies: dict[str, PolicyInfo]) -> list[str]:
    if not unjudged:
        return []
    lines = [
        "",
        f"{len(unjudged)} judgement(s) left to the deployment: a value the rule needs is computed "
        "by AWS and unknown at preview (the engine runs the rule again at `pulumi up`):",
    ]
    for item in sorted(unjudged, key=lambda v: (v.policy_name, v.urn)):
        info = policies.get(item.policy_name)
        title = info.title if info is not None else item.policy_name
        reason = unknown_at_preview(item) or item.message
        lines.append(f"  - {title}: {item.resource_name or 'stack'}: {reason}")
    return lines
