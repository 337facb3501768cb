"""ENC-028: EKS clusters encrypt Kubernetes secrets with a KMS key (envelope encryption)."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, is_set, shallow

META = RuleMeta(
    id="ENC-028",
    name="eks-secrets-encrypted",
    description="EKS clusters must encrypt Kubernetes secrets with a KMS key.",
    severity=Severity.MEDIUM,
    controls=(fsbp("EKS.3"), nist("SC-28"), nist("SC-12")),
    remediation=(
        "Set encryption_config={'resources': ['secrets'], 'provider': {'key_arn': <key ARN>}} "
        "on the eks.Cluster."
    ),
    resource_types=("aws:eks/cluster:Cluster",),
)


def validate(cluster: Subject, config: Config) -> Iterator[str]:
    encryption = shallow(get(cluster.props, "encryptionConfig"), "encryptionConfig")
    resources = as_list(shallow(get(encryption, "resources"), "encryptionConfig.resources"))
    if "secrets" not in resources:
        yield "does not encrypt Kubernetes secrets (encryptionConfig.resources lacks 'secrets')"
    elif not is_set(get(encryption, "provider", "keyArn")):
        yield "has no encryptionConfig.provider.keyArn for its secrets"


RULE = ResourceRule(META, validate)
