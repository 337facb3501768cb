"""How stateful resources (keys, buckets, warehouses) are protected, from one config slice."""

import pulumi

from stack_config.protection import ProtectionSettings


def stateful_options(
    parent: pulumi.Resource, protection: ProtectionSettings
) -> pulumi.ResourceOptions:
    """Options of a resource that holds data: parented, and protected and retained per config."""
    return pulumi.ResourceOptions(
        parent=parent,
        protect=protection.protect,
        retain_on_delete=protection.retain_on_delete,
    )
