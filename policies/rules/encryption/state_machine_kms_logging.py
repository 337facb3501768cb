"""ENC-012: Step Functions state machines use a customer key and log their executions."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set, known

META = RuleMeta(
    id="ENC-012",
    name="state-machine-kms-and-logging",
    description="Step Functions state machines must use a customer KMS key and enable logging.",
    severity=Severity.MEDIUM,
    controls=(fsbp("StepFunctions.1"), nist("SC-28(1)"), nist("AU-12")),
    remediation=(
        "Set encryption_configuration type CUSTOMER_MANAGED_KMS_KEY with kms_key_id, and "
        "logging_configuration with level ERROR or ALL and a log_destination log group ARN."
    ),
    resource_types=("aws:sfn/stateMachine:StateMachine",),
)


def validate(machine: Subject, config: Config) -> Iterator[str]:
    encryption = get(machine.props, "encryptionConfiguration")
    kind = known(get(encryption, "type"), "encryptionConfiguration.type")
    if kind != "CUSTOMER_MANAGED_KMS_KEY":
        yield f"encryptionConfiguration.type is {kind or 'unset'}, not CUSTOMER_MANAGED_KMS_KEY"
    elif not is_set(get(encryption, "kmsKeyId")):
        yield "encryptionConfiguration has no kmsKeyId"
    logging = get(machine.props, "loggingConfiguration")
    level = known(get(logging, "level"), "loggingConfiguration.level")
    if level in (None, "", "OFF"):
        yield "loggingConfiguration.level is OFF or unset"
    elif not is_set(get(logging, "logDestination")):
        yield "loggingConfiguration has no logDestination"


RULE = ResourceRule(META, validate)
