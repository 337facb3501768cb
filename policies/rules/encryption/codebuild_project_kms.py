"""ENC-016: CodeBuild projects encrypt artifacts with a customer-managed KMS key (encryptionKey).

The key encrypts the build output artifacts; a project whose artifacts are `NO_ARTIFACTS` (and
that has no secondary artifacts) produces none, so the rule does not apply to it.
"""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, NotApplicableError, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, shallow

META = RuleMeta(
    id="ENC-016",
    name="codebuild-project-kms",
    description="CodeBuild projects must encrypt build artifacts with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-28(1)"),),
    remediation="Set encryption_key on the codebuild.Project to a customer-managed key ARN.",
    resource_types=("aws:codebuild/project:Project",),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    artifacts = shallow(get(resource.props, "artifacts", "type"), "the artifacts type")
    secondary = as_list(shallow(get(resource.props, "secondaryArtifacts"), "secondaryArtifacts"))
    if artifacts == "NO_ARTIFACTS" and not secondary:
        raise NotApplicableError(f"{resource.label} produces no artifacts (NO_ARTIFACTS)")
    yield from customer_key_gap(resource.props, "encryptionKey")


RULE = ResourceRule(META, validate)
