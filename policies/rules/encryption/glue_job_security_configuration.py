"""ENC-010: every Glue job and crawler runs under a security configuration."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set

META = RuleMeta(
    id="ENC-010",
    name="glue-job-security-configuration",
    description="Glue jobs and crawlers must reference a Glue security configuration.",
    severity=Severity.HIGH,
    controls=(nist("SC-28(1)"), nist("CM-6")),
    remediation=(
        "Pass security_configuration=<glue.SecurityConfiguration>.name to the Job or Crawler."
    ),
    resource_types=("aws:glue/job:Job", "aws:glue/crawler:Crawler"),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    if not is_set(get(resource.props, "securityConfiguration")):
        yield "has no securityConfiguration (output, logs and bookmarks are not KMS-encrypted)"


RULE = ResourceRule(META, validate)
