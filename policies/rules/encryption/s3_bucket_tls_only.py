"""ENC-002: every S3 bucket (any bucket type) has a bucket policy that denies requests without TLS.

The policy may be a BucketPolicy depending on the bucket or the bucket's inline `policy`.
"""

from collections.abc import Iterator
from typing import Any

from policies.framework.checks import is_wildcard_principal, statements
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, StackRule
from policies.framework.s3 import BUCKETS, policy_documents
from policies.framework.subjects import StackView, Subject
from policies.framework.values import as_list, get, json_document

META = RuleMeta(
    id="ENC-002",
    name="s3-bucket-tls-only",
    description="S3 buckets must have a bucket policy denying requests without TLS.",
    severity=Severity.HIGH,
    controls=(fsbp("S3.5"), nist("SC-8"), nist("SC-8(1)")),
    remediation=(
        "Attach a BucketPolicy (bucket input = the bucket) with a Deny statement for "
        "Principal '*', Action 's3:*' and Condition Bool aws:SecureTransport = 'false'."
    ),
    resource_types=BUCKETS,
)


def validate(bucket: Subject, stack: StackView, config: Config) -> Iterator[str]:
    policies = list(policy_documents(bucket, stack))
    if not policies:
        yield "has no BucketPolicy, so requests without TLS are not denied"
        return
    for _, policy in policies:
        document = json_document(policy, "the bucket policy document")
        if any(_denies_plain_http(s) for s in statements(document)):
            return
    names = ", ".join(name for name, _ in policies)
    yield f"bucket policy {names} has no Deny statement on aws:SecureTransport = false"


def _denies_plain_http(statement: dict[str, Any]) -> bool:
    actions = {str(a).lower() for a in as_list(statement.get("Action"))}
    condition = get(statement, "Condition", "Bool", "aws:SecureTransport")
    return (
        statement.get("Effect") == "Deny"
        and is_wildcard_principal(statement.get("Principal"))
        and bool(actions & {"s3:*", "*"})
        and str(condition).lower() == "false"
    )


RULE = StackRule(META, validate)
