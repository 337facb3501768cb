"""`make check`: this platform's program offline for one stack, with concrete values (mocks).

What it declares is summarised, its idle cost estimated, and the capture goes through the policy
pack (`policies/` by default) with the stack's policy config, over the analyzer gRPC protocol as
`pulumi preview --policy-pack` would. Exit statuses are `offline.status`'s: violations (a
mandatory policy, or the idle cost over the stack's budget), program failed, pack failed, usage.
"""

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cost.report import idle_summary, over_budget
from offline import status, warehouse_types
from offline.analyzer import (
    PolicyConfigError,
    PolicyPackError,
    PolicyReport,
    PolicySession,
    render_report,
)
from offline.capture import (
    Capture,
    ReleaseCapture,
    StackNotFoundError,
    capture_release,
    capture_stack,
    project_name,
    read_config_file,
    read_stack_values,
)
from offline.findings import Findings, write_report
from offline.harness import load_policy_configs
from offline.mocks import Registration
from offline.placeholders import example_account_warning
from offline.policy_check import PACK_DIRNAME, PolicyConfigMissingError, load_policy_config
from offline.program.outcome import Failure, failure_of
from offline.provider_defaults import default_notes, render_default_notes
from offline.report import summary, to_json_resource, to_json_resources
from stack_config import StackConfig, StackConfigError, parse_stack_config
from stack_config.release import ReleaseStackConfig
from stack_config.release_loader import is_release_stack, parse_release_config, resolve_stages


def run(args: argparse.Namespace) -> int:
    """The check of the platform's stack `args.stack`; the exit status."""
    pack_dir: Path = args.policy_pack or args.root / PACK_DIRNAME
    try:
        values = None if args.stack_file is None else read_config_file(args.stack_file)
        values = values if values is not None else read_stack_values(args.stack, args.root)
        _validate(args.stack, values, args.root)  # a bad config is reported before the pack starts
        warning = example_account_warning(args.stack, values)
        if warning is not None:
            print(warning, file=sys.stderr)
        policy_config = None if args.no_policies else _policy_config(args, pack_dir)
    except (
        StackNotFoundError,
        StackConfigError,
        warehouse_types.UndeclaredRetypeError,
        PolicyConfigMissingError,
        PolicyConfigError,
    ) as err:
        print(f"error: {err}", file=sys.stderr)
        return status.USAGE
    if policy_config is None:
        return _capture_and_report(args, values, session=None)
    try:
        session = PolicySession(
            pack_dir, stack=args.stack, project=project_name(args.root), config=policy_config
        )
    except PolicyConfigError as err:
        print(f"error: policy config for stack '{args.stack}': {err}", file=sys.stderr)
        return status.USAGE
    except PolicyPackError as err:
        print(f"error: the policy pack failed for stack '{args.stack}': {err}", file=sys.stderr)
        return status.PACK_FAILED
    with session:
        return _capture_and_report(args, values, session=session)


def _policy_config(args: argparse.Namespace, pack_dir: Path) -> dict[str, Any]:
    given: list[Path] = args.policy_config or []
    layered = load_policy_configs(given) if len(given) > 1 else None
    if layered is not None:
        return layered
    return load_policy_config(pack_dir, args.stack, path=given[0] if given else None)


def _capture_and_report(
    args: argparse.Namespace, values: Mapping[str, Any], *, session: PolicySession | None
) -> int:
    """Run the program (each resource goes to the pack as it registers), then report."""
    registered: list[Registration] = []

    def analyze(registration: Registration) -> None:
        registered.append(registration)
        if session is not None:
            session.analyze(to_json_resource(registration))

    options: dict[str, Any] = {"values": values, "reclaim": False, "on_register": analyze}
    try:
        capture: Capture | ReleaseCapture = (
            capture_release(args.stack, args.root, **options)
            if is_release_stack(values)
            else capture_stack(
                args.stack, args.root, source_positions=args.report is not None, **options
            )
        )
    except StackConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return status.USAGE
    except Exception as err:
        return _program_failed(args, session, registered, failure_of(err, args.root))
    print(summary(capture))
    resources = to_json_resources(capture.resources)
    over_budget = _report_cost(capture.config, resources)
    if args.json is not None:
        args.json.write_text(json.dumps(resources, indent=2) + "\n")
        print(f"\nWrote {len(resources)} resources to {args.json}")
    exit_status, report, errors = status.OK, None, list[str]()
    if session is not None:
        exit_status, report, errors = _report_policies(session, args.stack, resources)
        pack_dir: Path = args.policy_pack or args.root / PACK_DIRNAME
        print(render_default_notes(default_notes(pack_dir, resources)), end="")
    if over_budget is not None:
        errors.append(f"stack '{args.stack}': {over_budget}")
        print(f"error: {errors[-1]}", file=sys.stderr)
        exit_status = max(exit_status, status.VIOLATIONS)
    _write_findings(args, exit_status, report, capture.resources, errors=errors)
    return exit_status


def _program_failed(
    args: argparse.Namespace,
    session: PolicySession | None,
    registered: list[Registration],
    failure: Failure,
) -> int:
    """Report the failure, and the pack's findings on what was registered before it."""
    report = None
    if session is not None:
        try:
            report = session.finish(to_json_resources(registered))
            print(render_report(report), end="")
        except PolicyPackError as err:
            print(f"error: the policy pack failed: {err}", file=sys.stderr)
    print(
        f"error: the program failed for stack '{args.stack}': {failure.render()}\n"
        f"  (the findings above cover the {len(registered)} registration(s) before that)",
        file=sys.stderr,
    )
    _write_findings(args, status.PROGRAM_FAILED, report, registered, failure=failure)
    return status.PROGRAM_FAILED


def _write_findings(
    args: argparse.Namespace,
    exit_status: int,
    report: PolicyReport | None,
    resources: Sequence[Registration],
    *,
    failure: Failure | None = None,
    errors: Sequence[str] = (),
) -> None:
    if args.report is None:
        return
    findings = Findings(
        kind="stack",
        target=args.stack,
        project=project_name(args.root),
        stack=args.stack,
        root=args.root,
        status=exit_status,
        report=report,
        resources=resources,
        failure=failure,
        errors=errors,
    )
    write_report(args.report, findings)
    print(f"\nWrote the findings to {args.report}")


def _validate(stack: str, values: Mapping[str, Any], root: Path) -> None:
    """Raise `StackConfigError` naming every problem of a platform or delivery stack's config."""
    if is_release_stack(values):
        resolve_stages(stack, parse_release_config(stack, values), root)
    else:
        config = parse_stack_config(stack, values)
        problems = warehouse_types.check(stack, config, root)
        if problems:
            raise warehouse_types.UndeclaredRetypeError("; ".join(problems))


def _report_cost(
    config: StackConfig | ReleaseStackConfig, resources: Sequence[Mapping[str, Any]]
) -> str | None:
    """Print the idle monthly cost; return the mandatory budget finding, if any."""
    text, total = idle_summary(resources, config.region)
    print(f"\n{text}")
    if total is None or not isinstance(config, StackConfig):
        return None
    return over_budget(total, config.platform.cost.monthly_budget_usd)


def _report_policies(
    session: PolicySession, stack: str, resources: Sequence[Mapping[str, Any]]
) -> tuple[int, PolicyReport | None, list[str]]:
    """The pack's findings: the exit status, the report and the errors it produced."""
    try:
        report = session.finish(resources)
    except PolicyConfigError as err:
        print(f"error: policy config for stack '{stack}': {err}", file=sys.stderr)
        return status.USAGE, None, [str(err)]
    except PolicyPackError as err:
        print(f"error: the policy pack failed for stack '{stack}': {err}", file=sys.stderr)
        return status.PACK_FAILED, None, [str(err)]
    print()
    print(render_report(report), end="")
    if report.mandatory:
        count = len(report.mandatory)
        message = f"{count} mandatory policy violation(s) in stack '{stack}'"
        print(f"error: {message}", file=sys.stderr)
        return status.VIOLATIONS, report, [message]
    return status.OK, report, []
