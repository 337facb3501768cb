"""SEC-005: no secret-looking plaintext in Lambda or CodeBuild environment variables.

A variable is flagged when its name says it holds a credential (`framework.credentials`) and its
value is a literal that could be one (not a reference to a secret store, a switch or an enum
word), or when its value has a credential's shape (an AWS
access key, a token, a private key) whatever its name. Values are never echoed. CodeBuild
variables of type PARAMETER_STORE or SECRETS_MANAGER are references and are skipped. Lambda and
CodeBuild return environment variables in plain text to anyone allowed to read the function or
project, so a Pulumi secret does not make them safe here.
"""

from collections.abc import Iterator

from policies.framework.credentials import (
    aws_secret_key,
    credential_name,
    literal_credential,
    shape_of,
)
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import Unknown, as_list, get, shallow

LAMBDA = "aws:lambda/function:Function"

META = RuleMeta(
    id="SEC-005",
    name="no-plaintext-secrets",
    description="Lambda and CodeBuild environment variables must not hold plaintext secrets.",
    severity=Severity.CRITICAL,
    controls=(fsbp("CodeBuild.2"), nist("IA-5(7)"), nist("SC-28")),
    remediation=(
        "Store the value in Secrets Manager or SSM and pass its ARN/name (CodeBuild: use type "
        "SECRETS_MANAGER or PARAMETER_STORE); rotate any credential that was committed."
    ),
    resource_types=(LAMBDA, "aws:codebuild/project:Project"),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    for name, value in _plaintext_variables(resource):
        shape = shape_of(value) if isinstance(value, str) else None
        if shape is not None or (isinstance(value, str) and aws_secret_key(value)):
            kind = shape or "an AWS secret access key"
            yield f"environment variable {name!r} holds what looks like {kind}"
        elif credential_name(name):
            if isinstance(value, Unknown):
                shallow(value, f"whether variable {name!r} is a reference")
            if literal_credential(value):
                yield f"environment variable {name!r} looks like a secret stored as plaintext"


def _plaintext_variables(resource: Subject) -> Iterator[tuple[str, object]]:
    if resource.type == LAMBDA:
        variables = shallow(get(resource.props, "environment", "variables"), "variables")
        yield from (variables or {}).items()
        return
    entries = get(resource.props, "environment", "environmentVariables")
    for entry in as_list(shallow(entries, "environmentVariables")):
        if (get(entry, "type") or "PLAINTEXT") == "PLAINTEXT":
            yield str(get(entry, "name")), get(entry, "value")


RULE = ResourceRule(META, validate)
