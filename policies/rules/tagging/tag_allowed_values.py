"""TAG-002: tags with a controlled vocabulary (Environment, DataClassification) use allowed values.

Only keys listed in the `allowedValues` config are constrained; absence is TAG-001/TAG-003's job.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.tags import TAGGABLE_TYPES, effective_tags
from policies.framework.values import known

META = RuleMeta(
    id="TAG-002",
    name="tag-allowed-values",
    description="Environment and DataClassification tags must use an allowed value.",
    severity=Severity.LOW,
    controls=(nist("CM-8"), nist("RA-2")),
    remediation="Use one of the values listed in this rule's allowedValues config.",
    resource_types=TAGGABLE_TYPES,
    scope_note=f"all {len(TAGGABLE_TYPES)} pulumi-aws types that accept tags",
    config_schema={
        "allowedValues": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "default": {
                "Environment": ["dev", "test", "staging", "prod"],
                "DataClassification": ["public", "internal", "confidential", "restricted", "logs"],
            },
            "description": "Tag key -> allowed values; keys not listed are unconstrained.",
        }
    },
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    tags = effective_tags(resource)
    for key, allowed in sorted(config["allowedValues"].items()):
        if key in tags:
            value = known(tags[key], f"the {key} tag value")
            if value not in allowed:
                yield f"has {key}={value!r}; allowed: {', '.join(allowed)}"


RULE = ResourceRule(META, validate)
