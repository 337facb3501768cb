"""TAG-001: every taggable resource carries the required tag keys (own or provider default)."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.tags import TAGGABLE_TYPES, effective_tags

META = RuleMeta(
    id="TAG-001",
    name="required-tags",
    description="Taggable resources must carry every required tag key.",
    severity=Severity.MEDIUM,
    controls=(nist("CM-8"), nist("PM-5")),
    remediation=(
        "Set the missing keys in the aws provider's default_tags (preferred) or in the "
        "resource's tags."
    ),
    resource_types=TAGGABLE_TYPES,
    scope_note=f"all {len(TAGGABLE_TYPES)} pulumi-aws types that accept tags",
    config_schema={
        "requiredTags": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["Environment", "Project", "Owner", "CostCenter", "ManagedBy"],
            "description": "Tag keys every taggable resource must carry.",
        }
    },
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    tags = effective_tags(resource)
    missing = [key for key in config["requiredTags"] if key not in tags]
    if missing:
        yield f"is missing required tags {', '.join(missing)}"


RULE = ResourceRule(META, validate)
