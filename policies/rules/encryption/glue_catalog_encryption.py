"""ENC-011: the Glue Data Catalog encrypts metadata and connection passwords with KMS."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set, known, truthy

META = RuleMeta(
    id="ENC-011",
    name="glue-catalog-encryption",
    description="Glue Data Catalog settings must encrypt metadata and connection passwords.",
    severity=Severity.HIGH,
    controls=(nist("SC-28(1)"), nist("IA-5(7)")),
    remediation=(
        "In DataCatalogEncryptionSettings set encryption_at_rest.catalog_encryption_mode "
        "SSE-KMS with sse_aws_kms_key_id, and connection_password_encryption with "
        "return_connection_password_encrypted=True and aws_kms_key_id."
    ),
    resource_types=("aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings",),
)


def validate(settings: Subject, config: Config) -> Iterator[str]:
    root = get(settings.props, "dataCatalogEncryptionSettings")
    at_rest = get(root, "encryptionAtRest")
    mode = known(get(at_rest, "catalogEncryptionMode"), "catalogEncryptionMode")
    if mode not in ("SSE-KMS", "SSE-KMS-WITH-SERVICE-ROLE"):
        yield f"encryptionAtRest.catalogEncryptionMode is {mode or 'unset'}, expected SSE-KMS"
    elif not is_set(get(at_rest, "sseAwsKmsKeyId")):
        yield "encryptionAtRest has no sseAwsKmsKeyId (a customer-managed KMS key is required)"
    passwords = get(root, "connectionPasswordEncryption")
    returned = get(passwords, "returnConnectionPasswordEncrypted")
    if not truthy(known(returned, "returnConnectionPasswordEncrypted")):
        yield "connectionPasswordEncryption.returnConnectionPasswordEncrypted is not true"
    if not is_set(get(passwords, "awsKmsKeyId")):
        yield "connectionPasswordEncryption has no awsKmsKeyId"


RULE = ResourceRule(META, validate)
