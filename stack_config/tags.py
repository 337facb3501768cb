"""Ownership settings that become the required tags of every resource."""

from pydantic import Field

from stack_config.base import StrictModel, TagKey, TagValue


class TagSettings(StrictModel):
    """Who owns and pays for the stack; these values are stamped on every taggable resource."""

    owner: TagValue = Field(description="Team or person accountable for the stack (Owner tag).")
    cost_center: TagValue = Field(description="Cost centre billed for the stack (CostCenter tag).")
    extra: dict[TagKey, TagValue] = Field(
        default_factory=dict,
        description="Additional tags; may not redefine a required tag key.",
    )
