"""ENC-004: a KMS key policy never allows the `*` principal unless a condition scopes it.

Decision: an Allow for Principal "*" is accepted only when its Condition uses one of the keys
that pin the caller to our organisation, account, service or network (checks.SCOPING_KEYS); any
other condition (e.g. only kms:EncryptionContext) still leaves the key open to every AWS account.
"""

from collections.abc import Iterator

from policies.framework.checks import public_allow, statements
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set, json_document

META = RuleMeta(
    id="ENC-004",
    name="kms-key-policy-no-public-principal",
    description="KMS key policies must not allow the '*' principal without a scoping condition.",
    severity=Severity.CRITICAL,
    controls=(nist("AC-3"), nist("AC-6"), nist("SC-12")),
    remediation=(
        "Name the account root or specific roles as principals, or add a condition on "
        "aws:PrincipalOrgID, aws:PrincipalAccount, kms:CallerAccount or kms:ViaService."
    ),
    resource_types=("aws:kms/key:Key",),
)


def validate(key: Subject, config: Config) -> Iterator[str]:
    if not is_set(get(key.props, "policy")):
        return  # the default key policy only trusts the owning account
    document = json_document(get(key.props, "policy"), "the key policy document")
    for index, statement in enumerate(statements(document)):
        if public_allow(statement):
            sid = statement.get("Sid", index)
            yield f"key policy statement {sid!r} allows Principal '*' without a scoping condition"


RULE = ResourceRule(META, validate)
