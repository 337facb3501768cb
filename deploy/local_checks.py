"""Prerequisites on the operator's machine and in the stack file: the Pulumi CLI (as new as the
program's SDK), uv (the program's toolchain), the policy pack's environment and config, and no
value left over from the documentation."""

from __future__ import annotations

import shutil

from deploy.findings import Finding
from deploy.pulumi_cli import SDK_VERSION, PulumiCli, PulumiFailedError, version_tuple
from deploy.target import StackTarget
from offline.analyzer import PolicyConfigError
from offline.placeholders import EXAMPLE_ACCOUNT_ID, example_account_paths
from offline.policy_check import PolicyConfigMissingError, load_policy_config

INSTALL_PULUMI = "https://www.pulumi.com/docs/install/"


def local_findings(target: StackTarget, cli: PulumiCli) -> list[Finding]:
    """Everything that can be checked without AWS."""
    return [
        _placeholders(target),
        *_subscribers(target),
        _policy_config(target),
        pulumi_cli(cli),
        _uv(cli),
        _policy_environment(target),
    ]


def pulumi_cli(cli: PulumiCli) -> Finding:
    name = "Pulumi CLI"
    fix = f"install the Pulumi CLI {SDK_VERSION} or newer ({INSTALL_PULUMI})"
    try:
        found = cli.version()
    except FileNotFoundError:
        return Finding.fail(name, "not found on PATH", fix)
    except PulumiFailedError as err:
        return Finding.fail(name, f"does not run: {err}", fix)
    if version_tuple(found) < version_tuple(SDK_VERSION):
        return Finding.fail(name, f"{found} is older than the program's SDK {SDK_VERSION}", fix)
    return Finding.ok(name, f"{found} (the program's SDK is {SDK_VERSION})")


def _placeholders(target: StackTarget) -> Finding:
    paths = example_account_paths(target.values)
    if not paths:
        return Finding.ok("stack file", f"{target.stack_file.name} is valid")
    return Finding.fail(
        "stack file",
        f"{target.stack_file.name} still holds the example account id {EXAMPLE_ACCOUNT_ID} at"
        f" {', '.join(paths)}",
        "replace it with your account's values: bootstrap/'s outputs PULUMI_BACKEND_URL and"
        " PULUMI_SECRETS_PROVIDER",
    )


def _subscribers(target: StackTarget) -> list[Finding]:
    subscriptions = target.config.platform.operations.subscriptions
    examples = [s.endpoint for s in subscriptions if s.endpoint.endswith("@example.com")]
    if not examples:
        return []
    return [
        Finding.warn(
            "alert subscribers",
            f"{', '.join(examples)} receive(s) no mail: example.com is the documentation's",
            "set platform.operations.subscriptions to your team's addresses",
        )
    ]


def _policy_config(target: StackTarget) -> Finding:
    name = "policy config"
    try:
        load_policy_config(target.pack_dir, target.stack)
    except (PolicyConfigMissingError, PolicyConfigError) as err:
        return Finding.fail(name, str(err), f"make new-stack STACK={target.stack} creates it")
    return Finding.ok(name, str(target.policy_config.relative_to(target.root)))


def _uv(cli: PulumiCli) -> Finding:
    found = shutil.which("uv", path=cli.env.get("PATH"))
    if found is None:
        return Finding.fail(
            "uv", "not found on PATH", "run make once (it installs uv into .tools/bin)"
        )
    return Finding.ok("uv", found)


def _policy_environment(target: StackTarget) -> Finding:
    python = target.pack_dir / ".venv" / "bin" / "python"
    if python.exists():
        return Finding.ok("policy pack env", "policies/.venv")
    return Finding.fail(
        "policy pack env",
        "policies/.venv is missing (PulumiPolicy.yaml runs the pack in it)",
        "make deploy creates it, or: (cd policies && uv sync --locked)",
    )
