"""Read the stack config from the Pulumi runtime; an invalid config ends the program cleanly,
and so does a state backend that belongs to another account than the one deployed to."""

import json
from typing import Any

import pulumi

from stack_config.loader import PLATFORM_KEY, REGION_KEY, StackConfigError, parse_stack_config
from stack_config.root import StackConfig


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
