"""`make new-stack STACK=<stack> [ENVIRONMENT=] [FROM=] [REGION=] [ACCOUNT=]`: a new stack file
and its policy config, from a shipped stack's values.

`Pulumi.<stack>.yaml` is the template's text (comments kept) with the environment, region and
account replaced, and without the template's `secretsprovider`/`encryptedkey` (`pulumi stack
init` writes the new stack's own); `policies/config/<stack>.json` is the template's with the
new environment as the one allowed Environment tag value, so its first check starts without
advisory findings. Both are validated before either is written, and nothing is overwritten.
Exit status: 0 when both files were written, 2 when a value is invalid or a file exists.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from deploy.target import StackTarget
from offline.capture import PROJECT_ROOT, StackNotFoundError, available_stacks, read_stack_values
from offline.policy_check import load_policy_config, policy_config_path
from policies.framework.yaml_file import load_yaml
from policies.rules.tagging.tag_allowed_values import META as TAG_VALUES
from stack_config import StackConfig, StackConfigError, parse_stack_config
from stack_config.base import Environment
from stack_config.loader import PLATFORM_KEY, REGION_KEY
from stack_config.root import AWS_REGIONS

EXIT_OK, EXIT_USAGE = 0, 2
ENVIRONMENTS: tuple[str, ...] = get_args(Environment)
_ENVIRONMENT_LIST = ", ".join(ENVIRONMENTS)
_STACK_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")
_ACCOUNT = re.compile(r"\d{12}")


class NewStackError(ValueError):
    """The stack cannot be created as asked; the message says why and what is allowed."""


@dataclass(frozen=True)
class Request:
    """What the operator asked for."""

    stack: str
    environment: str
    template: str
    region: str | None = None
    account: str | None = None


def new_stack_files(root: Path, request: Request) -> dict[Path, str]:
    """The two files of the new stack and their text; raises `NewStackError`."""
    stack, environment = request.stack, request.environment
    if not _STACK_NAME.fullmatch(stack):
        raise NewStackError(f"stack name '{stack}': must be 1-40 lower-case letters, digits, '-'")
    if environment not in ENVIRONMENTS:
        raise NewStackError(f"environment '{environment}': must be one of {_ENVIRONMENT_LIST}")
    _check_region_and_account(request)
    stack_path = root / f"Pulumi.{stack}.yaml"
    pack_path = policy_config_path(root / "policies", stack)
    for path in (stack_path, pack_path):
        if path.exists():
            raise NewStackError(f"{path.relative_to(root)} exists; nothing was written")
    try:
        source = StackTarget.load(request.template, root, command="make new-stack FROM=")
        pack_config = load_policy_config(root / "policies", request.template)
    except (StackNotFoundError, StackConfigError, LookupError, ValueError) as err:
        raise NewStackError(f"template stack '{request.template}': {err}") from err
    region = request.region or source.region
    text = stack_file_text(source, stack, environment, region, request.account)
    config = _validated(stack, text, _expected(source, request))
    _check_names_are_free(root, config)
    pack_text = json.dumps(policy_config(pack_config, environment), indent=2) + "\n"
    return {stack_path: text, pack_path: pack_text}


def _check_region_and_account(request: Request) -> None:
    """REGION is a region the SDK knows, ACCOUNT a 12-digit account id: said before anything
    else is derived from them."""
    if request.region is not None:
        try:
            AWS_REGIONS(request.region)
        except ValueError as err:
            raise NewStackError(f"REGION '{request.region}': {err}") from err
    if request.account is not None and not _ACCOUNT.fullmatch(request.account):
        raise NewStackError(
            f"ACCOUNT '{request.account}': must be a 12-digit AWS account id, such as 444455556666"
        )


def stack_file_text(
    template: StackTarget, stack: str, environment: str, region: str, account: str | None
) -> str:
    """The template's text with environment, region (also the secrets provider's) and account
    replaced, its stack-specific keys and its leading comment dropped."""
    body = re.sub(r"\A(#.*\n)+", "", template.stack_file.read_text())
    body = re.sub(r"^(secretsprovider|encryptedkey):.*\n", "", body, flags=re.M)
    body = re.sub(r"^(\s+environment:\s*)\S+", rf"\g<1>{environment}", body, count=1, flags=re.M)
    body = re.sub(r"^(\s+aws:region:\s*)\S+", rf"\g<1>{region}", body, count=1, flags=re.M)
    body = re.sub(_provider_region(template.region), rf"\g<1>{region}", body)
    if account is not None and template.expected_account is not None:
        body = body.replace(template.expected_account, account)
    return (
        f"# Stack {stack}: made by `make new-stack` from {template.stack_file.name}; review every"
        " value before the first deploy (README, Adding a stack).\n" + body
    )


def policy_config(template: Mapping[str, Any], environment: str) -> dict[str, Any]:
    """The template's policy config with `environment` the one allowed Environment tag value."""
    config = copy.deepcopy(dict(template))
    rule = config.setdefault(TAG_VALUES.name, {})
    default = TAG_VALUES.config_schema["allowedValues"]["default"]
    allowed = rule.setdefault("allowedValues", copy.deepcopy(default))
    allowed["Environment"] = [environment]
    return config


def _expected(source: StackTarget, request: Request) -> dict[str, Any]:
    values = copy.deepcopy(dict(source.values))
    values[PLATFORM_KEY]["environment"] = request.environment
    values[REGION_KEY] = request.region or source.region
    delivery = values[PLATFORM_KEY].get("delivery")
    old = source.expected_account
    if request.account is not None and delivery is not None and old is not None:
        delivery["state_backend_url"] = delivery["state_backend_url"].replace(old, request.account)
    if delivery is not None:
        pattern = _provider_region(source.region)
        delivery["secrets_provider"] = re.sub(
            pattern, rf"\g<1>{values[REGION_KEY]}", delivery["secrets_provider"]
        )
    return values


def _provider_region(region: str) -> str:
    """The region parameter of an `awskms://` secrets provider URL naming `region`."""
    return rf"(awskms://[^\s?'\"]+\?region=){re.escape(region)}(?![\w-])"


def _validated(stack: str, text: str, expected: Mapping[str, Any]) -> StackConfig:
    values = (load_yaml(text) or {}).get("config", {})
    if values != expected:
        raise NewStackError(
            "the template's text could not be edited safely (environment, aws:region or the"
            " account id written in an unexpected form); copy it by hand"
        )
    try:
        return parse_stack_config(stack, values)
    except StackConfigError as err:
        raise NewStackError(str(err)) from err


def _check_names_are_free(root: Path, config: StackConfig) -> None:
    """Physical names (IAM roles are account-wide) derive from the environment: two stacks of
    one environment cannot share an account."""
    account = _account(config)
    for other in available_stacks(root):
        try:
            existing = parse_stack_config(other, read_stack_values(other, root))
        except StackConfigError:
            continue
        same_account = account is None or _account(existing) in (None, account)
        if existing.platform.environment == config.platform.environment and same_account:
            raise NewStackError(
                f"stack '{other}' already uses environment '{config.platform.environment}' in"
                f" {'this account' if account is None else f'account {account}'}: resource names"
                " (IAM roles are account-wide) derive from the environment; choose another"
                " ENVIRONMENT, or another ACCOUNT"
            )


def _account(config: StackConfig) -> str | None:
    delivery = config.platform.delivery
    return None if delivery is None else delivery.target_account


def _next_steps(stack: str, files: Mapping[Path, str], root: Path, moved_region: bool) -> str:
    lines = [f"wrote {path.relative_to(root)}" for path in files]
    lines.append(
        "Review before deploying: tags, operations.subscriptions (each subscriber confirms),"
        " network.cidr_block, warehouse size; to have the release deploy it, its stage in"
        " release.stages of Pulumi.delivery.yaml."
    )
    if moved_region:
        lines.append(
            "The region differs from the template's: the account key and the Glue Data Catalog"
            " encryption are regional, so bootstrap/ runs in this region too (README, Adding a"
            " stack)."
        )
    lines.append(
        f"Then: make docs; make check STACK={stack}; make doctor STACK={stack}; make deploy"
        f" STACK={stack}; after its first deploy, make urn-pins"
    )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make new-stack", description=__doc__)
    parser.add_argument("--stack", required=True, help="name of the new stack")
    parser.add_argument(
        "--environment", help=f"one of {_ENVIRONMENT_LIST} (default: the stack's name)"
    )
    parser.add_argument(
        "--from",
        dest="template",
        help="stack to start from (default: prod for staging and prod, else dev)",
    )
    parser.add_argument("--region", help="AWS region (default: the template's)")
    parser.add_argument("--account", help="AWS account id of the new stack's state bucket")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    environment = args.environment or args.stack
    template = args.template or ("prod" if environment in ("staging", "prod") else "dev")
    request = Request(args.stack, environment, template, args.region, args.account)
    try:
        files = new_stack_files(args.root, request)
    except NewStackError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    for path, text in files.items():
        path.write_text(text)
    moved = args.region is not None and args.region != StackTarget.load(template, args.root).region
    print(_next_steps(args.stack, files, args.root, moved))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
