"""`python -m offline.check --program DIR --stack NAME`: the offline check of any Pulumi program.

The program is previewed in a child process (`offline.program`); the report gives the resources
per type, the pack's findings on everything it registered (also when it failed half-way), the
judgements left to the deployment, the inputs judged by provider defaults, the notes, and how the
program failed, with file, line and traceback. Exit statuses are `offline.status`'s.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from offline import status
from offline.analyzer import PolicyConfigError, PolicyPackError, render_report
from offline.findings import Findings, write_report
from offline.harness import (
    DEFAULT_PACK,
    AnswersError,
    ProgramCheck,
    ProgramError,
    capture,
    check_program,
    load_answers,
    load_policy_configs,
    load_program,
)
from offline.program.loader import Program
from offline.program.notes import run_notes
from offline.program.runner import ProgramRun
from offline.provider_defaults import default_notes, render_default_notes
from offline.records import to_json_resources


def run(args: argparse.Namespace) -> int:
    """The check of `args.program`; policy config only from `--policy-config` (pack defaults)."""
    pack: Path = args.policy_pack or DEFAULT_PACK
    try:
        program = load_program(args.program, args.stack, args.stack_file, python=args.python)
        config = load_policy_configs(args.policy_config or [])
        answers = load_answers(args.answers)
    except (ProgramError, AnswersError, PolicyConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return status.USAGE
    options = {"answers": answers, "timeout": args.timeout, "pass_env": args.pass_env}
    if args.no_policies:
        preview = capture(program, **options)
        _summarise(program, preview, args.json)
        _print_notes(run_notes(preview))
        return _failed(preview) or status.OK
    try:
        result = check_program(program, pack=pack, policy_config=config, **options)
    except PolicyConfigError as err:
        print(f"error: policy config for stack '{args.stack}': {err}", file=sys.stderr)
        return status.USAGE
    except PolicyPackError as err:
        print(f"error: the policy pack failed for {args.program}: {err}", file=sys.stderr)
        return status.PACK_FAILED
    exit_status = _print(result, pack, args.json)
    if args.report is not None:
        write_report(args.report, _findings(result, exit_status))
        print(f"\nWrote the findings to {args.report}")
    return exit_status


def _summarise(program: Program, preview: ProgramRun, json_path: Path | None) -> None:
    custom = [r for r in preview.registrations if r.custom]
    print(
        f"Offline preview of {program.root} stack '{program.stack}' "
        f"(project {program.project}, region {program.region})\n\nResources per type:"
    )
    for type_, count in sorted(Counter(r.type for r in custom).items()):
        print(f"  {count:>5}  {type_}")
    print(f"\nTotal: {len(custom)} resources\n")
    if json_path is not None:
        records = to_json_resources(preview.registrations, program.root)
        json_path.write_text(json.dumps(records, indent=2) + "\n")


def _print(result: ProgramCheck, pack: Path, json_path: Path | None) -> int:
    program, report = result.program, result.report
    _summarise(program, result.run, json_path)
    print(render_report(report), end="")
    records = to_json_resources(result.resources, program.root)
    print(render_default_notes(default_notes(pack, records)), end="")
    _print_notes(result.notes)
    failed = _failed(result.run)
    if report.mandatory:
        count = len(report.mandatory)
        print(f"error: {count} mandatory policy violation(s) in {program.root}", file=sys.stderr)
    return failed or (status.VIOLATIONS if report.mandatory else status.OK)


def _print_notes(notes: list[str] | tuple[str, ...]) -> None:
    if notes:
        print("\nNotes:\n" + "\n".join(f"  - {note}" for note in notes))


def _failed(preview: ProgramRun) -> int:
    """Report the program's failure; its exit status, 0 when it completed."""
    if preview.failure is None:
        return 0
    registered = sum(1 for r in preview.registrations if r.custom)
    print(
        f"error: the program {preview.program.root} did not complete: "
        f"{preview.failure.render()}\n"
        f"  (the findings above cover the {registered} resource(s) it registered before that)",
        file=sys.stderr,
    )
    return status.PROGRAM_FAILED


def _findings(result: ProgramCheck, exit_status: int) -> Findings:
    return Findings(
        kind="program",
        target=str(result.program.root),
        project=result.program.project,
        stack=result.program.stack,
        root=result.program.root,
        status=exit_status,
        report=result.report,
        resources=result.resources,
        failure=result.failure,
        notes=result.notes,
    )
