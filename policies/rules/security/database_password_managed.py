"""SEC-011: database admin passwords are generated and rotated by Secrets Manager, not supplied
by the program.

A password passed as `master_password` / `admin_user_password` / `password` is a Pulumi secret
(the SDK marks it) and a rule cannot tell a literal from a config secret or a `RandomPassword`
(pulumi_policy hands it the plain value). What it can know is that the program supplies it: a
long-lived credential in the state that AWS cannot rotate. Advisory by default for that reason;
the `manage_*_password` switch has AWS create and rotate it; the write-only `*_wo` inputs never
reach the state.
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
    description="Database admin passwords should come from Secrets Manager, not from the program.",
    severity=Severity.LOW,
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
        yield (
            f"takes {password} from the program (a literal, config or generated value alike); "
            f"set {managed} so Secrets Manager generates and rotates it"
        )


RULE = ResourceRule(META, validate)
