"""The console rendering of a policy run: violations grouped by policy, mandatory first."""

from __future__ import annotations

from itertools import groupby

from offline.analyzer.model import PolicyReport, Violation


def render_report(report: PolicyReport) -> str:
    """Renders violations grouped by policy (mandatory first), then resource and message."""
    pack = f"{report.pack.name} {report.pack.version}"
    if not report.violations:
        return f"{pack}: no policy violations\n"
    lines = [
        f"{pack}: {len(report.violations)} violation(s), {len(report.mandatory)} mandatory",
    ]

    def key(v: Violation) -> tuple[bool, str, str]:
        return (v.enforcement_level != "mandatory", v.policy_name, v.enforcement_level)

    for (_, policy, level), group in groupby(sorted(report.violations, key=key), key=key):
        items = list(group)
        lines += ["", f"{policy} [{level}]", f"  {items[0].description}"]
        for v in items:
            detail = v.message.removeprefix(v.description).strip() or v.description
            lines += [f"  - {v.resource_name} ({v.urn or 'stack'})", f"      {detail}"]
    return "\n".join(lines) + "\n"
