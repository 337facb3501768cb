"""ENC-008: Lambda functions that carry environment variables encrypt them with a customer key."""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, NotApplicableError, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set

META = RuleMeta(
    id="ENC-008",
    name="lambda-environment-kms",
    description="Lambda functions with environment variables must set a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    controls=(nist("SC-28(1)"),),
    remediation="Set kms_key_arn on the lambda.Function to a customer-managed key ARN.",
    resource_types=("aws:lambda/function:Function",),
)


def validate(function: Subject, config: Config) -> Iterator[str]:
    if not is_set(get(function.props, "environment", "variables")):
        raise NotApplicableError(f"{function.label} has no environment variables")
    yield from customer_key_gap(function.props, "kmsKeyArn")


RULE = ResourceRule(META, validate)
