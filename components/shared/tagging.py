"""The platform's tags, built in one place, and which AWS resource types can carry them.

Taggability is read from the pulumi_aws SDK itself (a resource is taggable when its constructor
accepts `tags`), so a new resource type is covered without editing a list.
"""

import importlib
import inspect
import keyword
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from stack_config import PlatformSettings
from stack_config.base import DataClassification
from stack_config.release import ReleaseSettings

MANAGED_BY = "pulumi"


@dataclass(frozen=True)
class Tags:
    """The required tags of a stack; `base` for every resource, `data_store` adds classification."""

    environment: str
    project: str
    owner: str
    cost_center: str
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def for_stack(cls, project: str, settings: PlatformSettings | ReleaseSettings) -> "Tags":
        return cls(
            environment=settings.environment,
            project=project,
            owner=settings.tags.owner,
            cost_center=settings.tags.cost_center,
            extra=dict(settings.tags.extra),
        )

    def base(self) -> dict[str, str]:
        return {
            **self.extra,
            "Environment": self.environment,
            "Project": self.project,
            "Owner": self.owner,
            "CostCenter": self.cost_center,
            "ManagedBy": MANAGED_BY,
        }

    def data_store(self, classification: DataClassification) -> dict[str, str]:
        return {**self.base(), "DataClassification": classification}


@cache
def is_taggable(type_token: str) -> bool:
    """Whether the pulumi_aws resource with this type token accepts a `tags` input."""
    package, _, rest = type_token.partition(":")
    if package != "aws" or "/" not in rest:
        return False
    module_name, class_name = rest.split("/", 1)[0], rest.rsplit(":", 1)[-1]
    # Python keywords get a trailing underscore in the SDK (aws:lambda/... is pulumi_aws.lambda_).
    if keyword.iskeyword(module_name):
        module_name = f"{module_name}_"
    try:
        module = importlib.import_module(f"pulumi_aws.{module_name}")
    except ModuleNotFoundError:
        return False
    resource_class = getattr(module, class_name, None)
    init = getattr(resource_class, "_internal_init", None)
    return init is not None and "tags" in inspect.signature(init).parameters
