"""ENC-030: SageMaker endpoint configurations encrypt their storage with a customer-managed key."""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject

META = RuleMeta(
    id="ENC-030",
    name="sagemaker-endpoint-kms",
    description="SageMaker endpoint configurations must use a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-28"), nist("SC-28(1)")),
    remediation="Set kms_key_arn on the sagemaker.EndpointConfiguration to a customer-managed key.",
    resource_types=("aws:sagemaker/endpointConfiguration:EndpointConfiguration",),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    yield from customer_key_gap(resource.props, "kmsKeyArn")


RULE = ResourceRule(META, validate)
