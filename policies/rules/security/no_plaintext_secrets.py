"""SEC-005: no secret-looking plaintext in Lambda or CodeBuild environment variables.

A variable is flagged when its name looks like a secret (password, secret, token, api key, ...)
and it is not a reference (a name ending in _ARN/_ID/_NAME/_PARAM/_PATH, or a value that points at
a secret store: an ARN, a KMS key URI such as a Pulumi `awskms://` secrets provider, or a
CloudFormation-style `{{resolve:...}}`),
or when its value looks like an AWS access key id or secret access key. Values are never echoed.
CodeBuild variables of type PARAMETER_STORE or SECRETS_MANAGER are references and are skipped.
"""

import re
from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import Unknown, as_list, get, shallow

LAMBDA = "aws:lambda/function:Function"
SECRET_NAME = re.compile(
    r"passw(or)?d|secret|token|api[_-]?key|private[_-]?key|credential|access[_-]?key", re.I
)
REFERENCE_NAME = re.compile(r"_(ARN|ID|NAME|PARAM|PATH)$", re.I)
REFERENCE_VALUE = re.compile(
    r"^(arn:|awskms://|azurekeyvault://|gcpkms://|hashivault://|\{\{resolve:)"
)
ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")
SECRET_KEY = re.compile(r"[A-Za-z0-9/+]{40}")

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
        if _looks_like_key(value):
            yield f"environment variable {name!r} holds what looks like an AWS access key"
        elif SECRET_NAME.search(name) and not REFERENCE_NAME.search(name):
            if isinstance(value, Unknown):
                shallow(value, f"whether variable {name!r} is a reference")
            if not (isinstance(value, str) and REFERENCE_VALUE.match(value)):
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


def _looks_like_key(value: object) -> bool:
    if not isinstance(value, str):
        return False
    if ACCESS_KEY_ID.search(value):
        return True
    return bool(SECRET_KEY.fullmatch(value)) and all(
        re.search(p, value) for p in ("[A-Z]", "[a-z]", "[0-9]")
    )


RULE = ResourceRule(META, validate)
