"""Read the stack config from the Pulumi runtime; an invalid config ends the program cleanly."""

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
        return parse_stack_config(pulumi.get_stack(), values)
    except StackConfigError as err:
        raise pulumi.RunError(str(err)) from err
