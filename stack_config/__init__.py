"""Typed stack configuration: one root model, validated before any resource is declared."""

from stack_config.loader import StackConfigError, parse_stack_config
from stack_config.root import PlatformSettings, StackConfig

__all__ = ["PlatformSettings", "StackConfig", "StackConfigError", "parse_stack_config"]
