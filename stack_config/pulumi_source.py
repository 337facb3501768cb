"""Read the stack config from the Pulumi runtime; an invalid config ends the program cleanly,
and so does a state backend that belongs to another account than the one deployed to."""

import json
from pathlib import Path
from typing import Any

import pulumi

from stack_config.loader import PLATFORM_KEY, REGION_KEY, StackConfigError, parse_stack_config
from stack_config.release import ReleaseStackConfig, StageEnvironment
from stack_config.release_loader import RELEASE_KEY, parse_release_config, resolve_stages
from stack_config.root import StackConfig


def is_release() -> bool:
    """Whether this stack's config declares the release pipeline (the delivery stack)."""
    return pulumi.Config().get("release") is not None


def load_release_config() -> tuple[ReleaseStackConfig, tuple[StageEnvironment, ...]]:
    """Validate the delivery stack's config and the stack files of its stages (the program runs
    in its project directory); raises `pulumi.RunError` listing every problem."""
    values: dict[str, Any] = {REGION_KEY: pulumi.Config("aws").get("region")}
    try:
        values[RELEASE_KEY] = json.loads(pulumi.Config().require("release"))
    except json.JSONDecodeError as err:
        raise pulumi.RunError(f"release: not a structured object ({err})") from err
    try:
        config = parse_release_config(pulumi.get_stack(), values)
        return config, resolve_stages(pulumi.get_stack(), config, Path())
    except StackConfigError as err:
        raise pulumi.RunError(str(err)) from err


def load_stack_config() -> StackConfig:
    """Validate this stack's config before any resource is registered.

    Raises `pulumi.RunError` (reported by Pulumi without a traceback) listing every problem.
    """
    values: dict[str, Any] = {}
    region = pulumi.Config("aws").get("region")
    if region is not None:
        values[REGION_KEY] = region
    raw_platform = pulumi.Config().get("platform")
    if raw_platform is not None:
        try:
            values[PLATFORM_KEY] = json.loads(raw_platform)
        except json.JSONDecodeError as err:
            raise pulumi.RunError(f"platform: not a structured object ({err})") from err
    try:
        config = parse_stack_config(pulumi.get_stack(), values)
    except StackConfigError as err:
        raise pulumi.RunError(str(err)) from err
    check_state_account(config)
    return config


def check_state_account(config: StackConfig) -> None:
    """Stop before any resource is registered when the state bucket is bootstrap's bucket of
    another account (the documented example id, say): every build role would be scoped to a
    bucket that does not exist in the account deployed to.

    The caller is the AWS identity of the deployment; offline, the mocks answer as the account
    the stack file names (offline/capture.py), so the check holds there.
    """
    delivery = config.platform.delivery
    if delivery is None or delivery.state_account is None:
        return
    import pulumi_aws as aws

    caller = aws.get_caller_identity().account_id
    if caller != delivery.state_account:
        raise pulumi.RunError(
            f"platform.delivery.state_backend_url: the state bucket '{delivery.state_bucket}' "
            f"belongs to account {delivery.state_account}, but the AWS credentials deploy to "
            f"account {caller}; set it and delivery.secrets_provider to the outputs of "
            f"bootstrap/ in account {caller} (docs/delivery.md)"
        )
