"""The findings report of one offline check (`--report FILE`): JSON, or SARIF 2.1.0 for
code-scanning tools when FILE ends in `.sarif`. Not the capture (`--json`), which lists resources.

The JSON report is `{reportVersion, tool, target, status, exitCode, failure, findings, unjudged,
waived, notes}`; each finding names its rule id, policy, level, severity, message, resource (urn,
type, name) and, where the SDK sent one, the file and line that declared the resource.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from offline import status as statuses
from offline.analyzer import PolicyInfo, PolicyReport, Violation
from offline.analyzer.model import unknown_at_preview, urn_name
from offline.mocks import Registration
from offline.program.outcome import Failure

REPORT_SUFFIXES = (".json", ".sarif")


@dataclass(frozen=True)
class Findings:
    """Everything a findings report says about one check."""

    kind: Literal["stack", "program"]
    target: str
    project: str
    stack: str
    root: Path
    status: int
    report: PolicyReport | None
    resources: Sequence[Registration] = ()
    failure: Failure | None = None
    errors: Sequence[str] = ()
    notes: Sequence[str] = ()
    _positions: dict[str, tuple[str, int]] = field(default_factory=dict, compare=False)

    def location(self, urn: str) -> tuple[str, int] | None:
        """(file relative to `root`, line) where the resource was declared, if known."""
        if not self._positions:
            for resource in self.resources:
                if resource.source is not None:
                    self._positions[resource.urn] = _relative(resource.source, self.root)
        return self._positions.get(urn)

    @property
    def policies(self) -> dict[str, PolicyInfo]:
        return {} if self.report is None else {p.name: p for p in self.report.pack.policies}


def write_report(path: Path, findings: Findings) -> None:
    """Write the report in the format its suffix names."""
    if path.suffix == ".sarif":
        from offline.sarif import sarif_log

        document = sarif_log(findings)
    else:
        document = findings_json(findings)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def findings_json(findings: Findings) -> dict[str, Any]:
    report = findings.report
    policies = findings.policies
    return {
        "reportVersion": 1,
        "tool": _tool(report),
        "target": {
            "kind": findings.kind,
            "name": findings.target,
            "project": findings.project,
            "stack": findings.stack,
        },
        "status": statuses.NAMES.get(findings.status, str(findings.status)),
        "exitCode": findings.status,
        "failure": None if findings.failure is None else _failure(findings.failure),
        "errors": list(findings.errors),
        "findings": [
            _finding(v, policies, findings) for v in (report.violations if report else ())
        ],
        "unjudged": [
            {**_finding(v, policies, findings), "reason": unknown_at_preview(v) or v.message}
            for v in (report.unjudged if report else ())
        ],
        "waived": [
            {"policy": w.policy_name, "urn": w.urn, "reason": w.reason}
            for w in (report.waivers if report else ())
        ],
        "notes": list(findings.notes),
    }


def _tool(report: PolicyReport | None) -> dict[str, str]:
    if report is None:
        return {"name": "offline.check", "version": ""}
    return {"name": report.pack.name, "version": report.pack.version}


def _failure(failure: Failure) -> dict[str, Any]:
    return {
        "kind": failure.kind,
        "summary": failure.summary,
        "location": failure.location,
        "detail": failure.detail,
    }


def _finding(
    violation: Violation, policies: Mapping[str, PolicyInfo], findings: Findings
) -> dict[str, Any]:
    info = policies.get(violation.policy_name)
    where = findings.location(violation.urn)
    return {
        "ruleId": info.rule_id if info else violation.policy_name,
        "policy": violation.policy_name,
        "level": violation.enforcement_level,
        "severity": info.severity if info else "",
        "message": violation.message,
        "resource": {
            "urn": violation.urn,
            "type": resource_type(violation.urn),
            "name": urn_name(violation.urn),
        },
        "location": None if where is None else {"file": where[0], "line": where[1]},
    }


def resource_type(urn: str) -> str:
    """The resource's own type from its URN (the last of the qualified type chain)."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def _relative(source: tuple[str, int], root: Path) -> tuple[str, int]:
    path = Path(source[0])
    try:
        return path.resolve().relative_to(root.resolve()).as_posix(), source[1]
    except ValueError:
        return path.as_posix(), source[1]
