"""Ownership settings that become the required tags of every resource."""

from pydantic import Field, field_validator

from stack_config.base import StrictModel, TagKey, TagValue

# AWS allows 50 tags on a resource; the platform sets up to 6 of its own (RESERVED_TAG_KEYS).
MAX_EXTRA_TAGS = 50 - 6


class TagSettings(StrictModel):
    """Who owns and pays for the stack; these values are stamped on every taggable resource."""

    owner: TagValue = Field(description="Team or person accountable for the stack (Owner tag).")
    cost_center: TagValue = Field(description="Cost centre billed for the stack (CostCenter tag).")
    extra: dict[TagKey, TagValue] = Field(
        default_factory=dict,
        description="Additional tags; may not redefine a required tag key.",
    )

    @field_validator("extra")
    @classmethod
    def _within_the_tag_limit(cls, value: dict[str, str]) -> dict[str, str]:
        """At most 44 extra tags: AWS allows 50 on a resource and the platform sets 6."""
        if len(value) > MAX_EXTRA_TAGS:
            raise ValueError(
                f"at most {MAX_EXTRA_TAGS} extra tags (got {len(value)}): AWS allows 50 tags on a"
                " resource and the platform sets 6 of its own"
            )
        return value
