"""A check's findings as a SARIF 2.1.0 log, for code-scanning tools (GitHub, GitLab, Azure).

One run: the pack as the tool driver, each policy a rule (id, name, description, remediation as
help, default level from its enforcement, severity and tags as properties); each violation a
`fail` result at the file and line that declared the resource (where the SDK sent one, relative
to `%SRCROOT%`, the program's or project's directory), with the URN as logical location; each
judgement left to the deployment an `open` result. The invocation records the exit status, the
program's failure and the check's notes as notifications. Schema: SARIF 2.1.0 (OASIS), as
published by SchemaStore (sarif-2.1.0-rtm.5).
"""

from __future__ import annotations

import hashlib
from typing import Any

from offline import status as statuses
from offline.analyzer import PolicyInfo, Violation
from offline.analyzer.model import unknown_at_preview, urn_name
from offline.findings import Findings, resource_type

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"mandatory": "error", "advisory": "warning", "disabled": "none", "remediate": "error"}
# GitHub code scanning's security-severity scale (0.1-10) for the pack's severities.
_SECURITY_SEVERITY = {"low": "3.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}


def sarif_log(findings: Findings) -> dict[str, Any]:
    policies = findings.policies
    rules = sorted(policies.values(), key=lambda p: p.rule_id)
    index = {p.name: i for i, p in enumerate(rules)}
    report = findings.report
    results = [_result(v, "fail", findings, index) for v in (report.violations if report else ())]
    results += [_result(v, "open", findings, index) for v in (report.unjudged if report else ())]
    driver: dict[str, Any] = {
        "name": report.pack.name if report else "offline.check",
        "rules": [_rule(p) for p in rules],
    }
    if report is not None and report.pack.version:
        driver["version"] = report.pack.version
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {
                    "%SRCROOT%": {"uri": findings.root.resolve().as_uri() + "/"}
                },
                "invocations": [_invocation(findings)],
                "results": results,
                "properties": {
                    "target": findings.target,
                    "project": findings.project,
                    "stack": findings.stack,
                },
            }
        ],
    }


def _rule(info: PolicyInfo) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": info.rule_id,
        "name": info.name,
        "shortDescription": {"text": info.description or info.name},
        "defaultConfiguration": {"level": _LEVELS.get(info.enforcement_level, "warning")},
        "properties": {"tags": sorted({"security", "iac", *info.tags})},
    }
    if info.remediation:
        rule["help"] = {"text": info.remediation}
    if info.severity:
        rule["properties"]["severity"] = info.severity
        rule["properties"]["security-severity"] = _SECURITY_SEVERITY[info.severity]
    return rule


def _result(
    violation: Violation, kind: str, findings: Findings, index: dict[str, int]
) -> dict[str, Any]:
    info = findings.policies.get(violation.policy_name)
    text = violation.message if kind == "fail" else unknown_at_preview(violation) or ""
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": urn_name(violation.urn) or "stack",
                "fullyQualifiedName": violation.urn,
                "kind": "resource",
            }
        ]
    }
    where = findings.location(violation.urn)
    if where is not None:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": where[0], "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(where[1], 1)},
        }
    result: dict[str, Any] = {
        "ruleId": info.rule_id if info else violation.policy_name,
        "kind": kind,
        "level": _LEVELS.get(violation.enforcement_level, "warning") if kind == "fail" else "none",
        "message": {"text": text or violation.message},
        "locations": [location],
        "partialFingerprints": {
            "resourcePolicy/v1": hashlib.sha256(
                f"{violation.policy_name}\n{violation.urn}".encode()
            ).hexdigest()
        },
        "properties": {"resourceType": resource_type(violation.urn)},
    }
    if violation.policy_name in index:
        result["ruleIndex"] = index[violation.policy_name]
    return result


def _invocation(findings: Findings) -> dict[str, Any]:
    notifications = []
    if findings.failure is not None:
        notification: dict[str, Any] = {
            "level": "error",
            "message": {"text": findings.failure.summary},
            "properties": {"kind": findings.failure.kind, "detail": findings.failure.detail},
        }
        if findings.failure.location:
            file, _, line = findings.failure.location.rpartition(":")
            notification["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": file, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": int(line)},
                    }
                }
            ]
        notifications.append(notification)
    notifications += [{"level": "error", "message": {"text": e}} for e in findings.errors]
    notifications += [{"level": "note", "message": {"text": n}} for n in findings.notes]
    return {
        "executionSuccessful": findings.status in (statuses.OK, statuses.VIOLATIONS),
        "exitCode": findings.status,
        "exitCodeDescription": statuses.NAMES.get(findings.status, ""),
        "toolExecutionNotifications": notifications,
    }
