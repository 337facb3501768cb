"""SEC-020: CodeBuild source credentials reference a Secrets Manager secret, not a token.

A `SourceCredential` with a personal access token or basic auth takes the token from the
program (a literal, config or generated value alike: pulumi_policy hands the rule the plain
value); with `auth_type` SECRETS_MANAGER CodeBuild reads it from a secret the program names.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, known

META = RuleMeta(
    id="SEC-020",
    name="codebuild-source-credential-secret",
    description="CodeBuild source credentials should reference a Secrets Manager secret.",
    severity=Severity.MEDIUM,
    controls=(nist("IA-5(7)"), nist("SC-28")),
    remediation=(
        "Store the token in Secrets Manager and declare the SourceCredential with "
        "auth_type='SECRETS_MANAGER' and token=<the secret's ARN>."
    ),
    resource_types=("aws:codebuild/sourceCredential:SourceCredential",),
)


def validate(credential: Subject, config: Config) -> Iterator[str]:
    auth = known(get(credential.props, "authType"), "authType")
    if auth != "SECRETS_MANAGER":
        yield f"takes its token from the program (authType {auth}); reference a secret instead"


RULE = ResourceRule(META, validate)
