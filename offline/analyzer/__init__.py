"""Runs a real CrossGuard policy pack offline over the Analyzer gRPC protocol, as the engine does.

`session` drives one run (launch, handshake, configure, Analyze, AnalyzeStack), `process` owns the
pack's subprocess and channel, `encoding` marshals resources as the engine does, `config` reads
`--policy-pack-config`, `model` holds what a run reports and `report` renders it.
"""

from offline.analyzer.encoding import UNKNOWN, secret
from offline.analyzer.model import (
    EnforcementLevel,
    NotApplicable,
    PackInfo,
    PolicyConfigError,
    PolicyInfo,
    PolicyPackError,
    PolicyReport,
    PolicyType,
    Timings,
    Violation,
)
from offline.analyzer.report import render_report
from offline.analyzer.session import PolicySession, run_policy_pack

__all__ = [
    "UNKNOWN",
    "EnforcementLevel",
    "NotApplicable",
    "PackInfo",
    "PolicyConfigError",
    "PolicyInfo",
    "PolicyPackError",
    "PolicyReport",
    "PolicySession",
    "PolicyType",
    "Timings",
    "Violation",
    "render_report",
    "run_policy_pack",
    "secret",
]
