"""SEC-010: no resource input holds a plaintext credential, judged by name and by shape.

Every input of every pulumi-aws type is walked: a key whose name says it holds a credential
(`framework.credentials`) with a literal value, or any string with a credential's shape (an AWS
key, a token, a private key), nested maps, lists and `{name, value}` pairs included (ECS
container environments), JSON documents in strings (after any leading whitespace), and command
lines: `--db-password secret` as two list items, or `--password=secret` / `DB_PASSWORD="secret"`
inside one argument. Such inputs are plain configuration to AWS, returned by its describe
APIs, and stay in the Pulumi state. Two kinds of input are left out: the ones the SDK always
makes Pulumi secrets and AWS treats as sensitive (`master_password`, `secret_string`, a Glue
connection's properties; data/secret_inputs.json), and the Lambda and CodeBuild environments,
which SEC-005 judges. pulumi_policy hands `validate` plain values without Pulumi's secret marker
(pulumi-policy #241), so a value is judged the same whether or not the program marked it secret.
"""

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

from policies.framework.credentials import credential_name, literal_credential, shape_of
from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.sdk_data import ALL_TYPES, SECRET_INPUTS
from policies.framework.subjects import Subject

_FLAG = re.compile(r"--?[A-Za-z][\w-]*")
# `--password=secret`, `DB_PASSWORD=secret`, `DB_PASSWORD="secret"` inside a command line.
_ASSIGNMENT = re.compile(r"""(?:^|[\s;&|])(--?[A-Za-z][\w-]*|[A-Za-z_]\w*)=["']?([^\s"';&|]+)""")

SEC_005_OWNS = {
    "aws:lambda/function:Function": "environment",
    "aws:codebuild/project:Project": "environment",
}

META = RuleMeta(
    id="SEC-010",
    name="no-plaintext-credential-inputs",
    description="Resource inputs must not hold plaintext credentials.",
    severity=Severity.CRITICAL,
    controls=(nist("IA-5(7)"), nist("SC-28"), nist("SC-12")),
    remediation=(
        "Keep the credential in Secrets Manager or SSM SecureString and pass its ARN or name "
        "(or a dynamic reference); rotate any credential that was committed."
    ),
    resource_types=ALL_TYPES,
    scope_note=f"all {len(ALL_TYPES)} pulumi-aws resource types",
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    skipped = SECRET_INPUTS.get(resource.type, frozenset()) | {SEC_005_OWNS.get(resource.type)}
    for key, value in resource.props.items():
        if key not in skipped:
            yield from _judge(key, value, key)


def _judge(path: str, value: Any, name: str) -> Iterator[str]:
    if isinstance(value, dict):
        pair = _name_value(value)
        if pair is not None:
            yield from _judge(f"{path}[{pair[0]!r}]", pair[1], pair[0])
            return
        for key, child in value.items():
            yield from _judge(f"{path}.{key}", child, str(key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _judge(f"{path}[{index}]", child, name)
        yield from _argument_pairs(path, value)
    elif isinstance(value, str):
        yield from _judge_text(path, value, name)


def _judge_text(path: str, value: str, name: str) -> Iterator[str]:
    shape = shape_of(value)
    if shape is not None:
        yield f"input {path} holds what looks like {shape}"
    elif credential_name(name) and literal_credential(value):
        yield f"input {path} looks like a credential stored as plaintext"
    elif value.lstrip()[:1] in ("{", "["):
        try:
            document = json.loads(value)
        except json.JSONDecodeError:
            return
        yield from _judge(path, document, name)
    elif "=" in value:
        for flag, argument in _ASSIGNMENT.findall(value):
            if _credential_flag(flag) and literal_credential(argument):
                yield f"input {path} passes {flag} a credential as plaintext"


def _argument_pairs(path: str, items: list[Any]) -> Iterator[str]:
    """`["--db-password", "secret"]`: a credential flag followed by its literal value."""
    for index, (flag, argument) in enumerate(itertools.pairwise(items)):
        if (
            isinstance(flag, str)
            and _FLAG.fullmatch(flag)
            and _credential_flag(flag)
            and literal_credential(argument)
        ):
            yield f"input {path}[{index + 1}] passes {flag} a credential as plaintext"


def _credential_flag(flag: str) -> bool:
    """`--db-password`, `DB_PASSWORD`; `--secret-id` names where a secret is, not the secret."""
    return credential_name(flag.lstrip("-").replace("-", "_"))


def _name_value(entry: dict[str, Any]) -> tuple[str, Any] | None:
    for name_key, value_key in (("name", "value"), ("Name", "Value"), ("key", "value")):
        if set(entry) == {name_key, value_key} and isinstance(entry[name_key], str):
            return entry[name_key], entry[value_key]
    return None


RULE = ResourceRule(META, validate)
