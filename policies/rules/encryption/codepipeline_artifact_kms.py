"""ENC-017: every CodePipeline artifact store is encrypted with a customer-managed KMS key."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, is_set, shallow

META = RuleMeta(
    id="ENC-017",
    name="codepipeline-artifact-store-kms",
    description="CodePipeline artifact stores must set a customer-managed KMS encryption key.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-28(1)"),),
    remediation="Give each artifact_stores entry encryption_key={'id': <key arn>, 'type': 'KMS'}.",
    resource_types=("aws:codepipeline/pipeline:Pipeline",),
)


def validate(pipeline: Subject, config: Config) -> Iterator[str]:
    stores = as_list(shallow(get(pipeline.props, "artifactStores"), "artifactStores"))
    if not stores:
        yield "has no artifactStores"
    for index, store in enumerate(stores):
        if not is_set(get(store, "encryptionKey", "id")):
            yield f"artifactStores[{index}] has no encryptionKey (AWS-managed key is used)"


RULE = ResourceRule(META, validate)
