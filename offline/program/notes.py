"""What a reader of an offline preview must know besides the findings: the limits of this run.

Config the check could not use as the CLI would (from the loader), components whose children
are built at deploy time by their package's plugin and so are never judged, resources of
packages the pack has no rules for, inputs the provider would reject, text where `None` stood
in for a value, data sources answered offline, and the program's own warnings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from offline.program.inputs import input_problems
from offline.program.monitor import PROVIDER_PREFIX
from offline.program.runner import ProgramRun

_NONE_TEXT = re.compile(r"(^|[/:=.,\s\-_\"'])None($|[/:=.,\s\-_\"'])")


def run_notes(run: ProgramRun, judged_packages: frozenset[str] = frozenset({"aws"})) -> list[str]:
    """Every note of the run, in a stable order."""
    notes = list(run.program.notes)
    notes += _remote_components(run)
    notes += _unjudged_packages(run, judged_packages)
    for registration in run.registrations:
        if registration.custom and not registration.type.startswith(PROVIDER_PREFIX):
            notes += input_problems(registration)
            notes += [
                f"{registration.type} '{registration.name}': input {path} holds the text 'None' "
                "where a value was expected (a lookup or output without a value?)"
                for path in _none_texts(registration.inputs, "")
            ]
    notes += _program_warnings(run)
    return notes


def _remote_components(run: ProgramRun) -> list[str]:
    return [
        f"component {r.type} '{r.name}' is built by its package's plugin at deploy time: the "
        "resources it creates are not seen offline and not judged"
        for r in run.record.remote
    ]


def _unjudged_packages(run: ProgramRun, judged: frozenset[str]) -> list[str]:
    counts = Counter(
        r.type.split(":", 1)[0]
        for r in run.registrations
        if r.custom
        and not r.type.startswith(PROVIDER_PREFIX)
        and r.type.split(":", 1)[0] not in judged
    )
    return [
        f"{count} resource(s) of package '{package}', which the pack has no rules for"
        for package, count in sorted(counts.items())
    ]


def _none_texts(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _none_texts(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _none_texts(item, f"{path}[{index}]")
    elif isinstance(value, str) and _NONE_TEXT.search(value):
        yield path


def _program_warnings(run: ProgramRun) -> list[str]:
    seen = dict.fromkeys(m.strip() for severity, m in run.record.logs if severity == "warning")
    return [f"the program warned: {message}" for message in seen]
