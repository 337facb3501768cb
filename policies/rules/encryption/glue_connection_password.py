"""ENC-026: a Glue connection that holds a password lives in a catalog that encrypts passwords.

The Data Catalog's settings (`DataCatalogEncryptionSettings`) apply to every connection of the
account and region; a connection with a `PASSWORD` property is only protected when settings in
the same stack encrypt connection passwords with a KMS key. The `catalogSettingsElsewhere`
config says the catalog's encryption is managed by another stack (this platform's bootstrap).
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, NotApplicableError, StackRule
from policies.framework.subjects import StackView, Subject
from policies.framework.values import get, is_set, known, truthy

SETTINGS = "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings"

META = RuleMeta(
    id="ENC-026",
    name="glue-connection-password-encrypted",
    description="Glue connections holding a password need catalog connection-password encryption.",
    severity=Severity.HIGH,
    controls=(nist("IA-5(7)"), nist("SC-28(1)")),
    remediation=(
        "Declare DataCatalogEncryptionSettings with connection_password_encryption "
        "(return_connection_password_encrypted=True, aws_kms_key_id), or keep the password in "
        "Secrets Manager and set SECRET_ID on the connection instead of PASSWORD."
    ),
    resource_types=("aws:glue/connection:Connection",),
    config_schema={
        "catalogSettingsElsewhere": {
            "type": "boolean",
            "default": False,
            "description": "The Data Catalog's encryption settings are declared by another stack.",
        }
    },
)


def validate(connection: Subject, stack: StackView, config: Config) -> Iterator[str]:
    properties = known(get(connection.props, "connectionProperties"), "connectionProperties")
    if not is_set(get(properties, "PASSWORD")):
        raise NotApplicableError(f"{connection.label} holds no PASSWORD")
    if config["catalogSettingsElsewhere"]:
        return
    for settings in stack.of_type([SETTINGS]):
        passwords = get(
            settings.props, "dataCatalogEncryptionSettings", "connectionPasswordEncryption"
        )
        returned = known(get(passwords, "returnConnectionPasswordEncrypted"), "password encryption")
        if truthy(returned) and is_set(get(passwords, "awsKmsKeyId")):
            return
    yield "holds a PASSWORD but no DataCatalogEncryptionSettings encrypt connection passwords"


RULE = StackRule(META, validate)
