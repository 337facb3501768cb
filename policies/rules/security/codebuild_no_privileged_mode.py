"""SEC-004: CodeBuild projects run unprivileged unless allow-listed in the rule config.

A project is matched by its `name` input or, when that is auto-named, by its logical name.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, known, truthy

META = RuleMeta(
    id="SEC-004",
    name="codebuild-no-privileged-mode",
    description="CodeBuild projects must not enable privileged mode unless allow-listed.",
    severity=Severity.HIGH,
    controls=(fsbp("CodeBuild.5"), nist("CM-7"), nist("AC-6")),
    remediation=(
        "Set environment.privileged_mode=False, or add the project name to this rule's "
        "allowedProjects config with a justification in the review."
    ),
    resource_types=("aws:codebuild/project:Project",),
    config_schema={
        "allowedProjects": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Project names (name input or logical name) allowed privileged mode.",
        }
    },
)


def validate(project: Subject, config: Config) -> Iterator[str]:
    privileged = known(get(project.props, "environment", "privilegedMode"), "privilegedMode")
    if not truthy(privileged):
        return
    allowed = set(config["allowedProjects"])
    name = get(project.props, "name")
    if project.name in allowed or (isinstance(name, str) and name in allowed):
        return
    yield "enables environment.privilegedMode and is not in allowedProjects"


RULE = ResourceRule(META, validate)
