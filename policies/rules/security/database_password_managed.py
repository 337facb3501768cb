"""SEC-011: database admin passwords are managed by AWS Secrets Manager, not set by the program.

A password passed as `master_password` / `admin_user_password` / `password` is a Pulumi secret
(the SDK marks it), but it is still a long-lived credential the program owns: it lives in the
state and in config, and AWS cannot rotate it. The `manage_*_password` switch has AWS create and
rotate it in Secrets Manager; the write-only `*_wo` inputs never reach the state.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set

# Type -> (password input, the switch that makes AWS manage it instead).
PASSWORDS = {
    "aws:redshift/cluster:Cluster": ("masterPassword", "manageMasterPassword"),
    "aws:redshiftserverless/namespace:Namespace": ("adminUserPassword", "manageAdminPassword"),
    "aws:rds/instance:Instance": ("password", "manageMasterUserPassword"),
    "aws:rds/cluster:Cluster": ("masterPassword", "manageMasterUserPassword"),
}

META = RuleMeta(
    id="SEC-011",
    name="database-password-managed",
    description="Database admin passwords must be managed by Secrets Manager, not set in code.",
    severity=Severity.MEDIUM,
    controls=(nist("IA-5(1)"), nist("IA-5(7)")),
    remediation=(
        "Remove the password input and set manage_master_password / manage_admin_password / "
        "manage_master_user_password=True (or use the write-only *_wo input)."
    ),
    resource_types=tuple(PASSWORDS),
)


def validate(database: Subject, config: Config) -> Iterator[str]:
    password, managed = PASSWORDS[database.type]
    if is_set(get(database.props, password)):
        yield f"sets {password} itself; set {managed} so Secrets Manager owns and rotates it"


RULE = ResourceRule(META, validate)
