"""`pulumi preview --refresh` (the release's preview and drift builds) reads every resource, and
reading one encrypted with a customer key needs kms:Decrypt on that key (DescribeStateMachine, a
Lambda environment, the Glue Data Catalog, the stack's secrets). Every such key is derived here
from the capture, and the read-only preview role bootstrap creates in the stack's account must be
able to decrypt with it, yet not read lake objects.
"""

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from offline.capture import Capture, capture_stack
from offline.mocks import Registration
from stack_config import StackConfig
from tests.bootstrap.test_release_roles import BACKEND, _run
from tests.components.delivery.policy_evaluation import decision
from tests.components.helpers import policy_statements
from tests.stacks import fixture_values

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
BUCKET = "aws:s3/bucket:Bucket"
# Documents that grant a key or point at it, rather than data encrypted with it.
NOT_ENCRYPTION = {ALIAS, KEY, "aws:iam/rolePolicy:RolePolicy", "aws:iam/role:Role"}
# Bootstrap encrypts the account's Glue Data Catalog with the account key (account.key_alias).
CATALOG_TYPES = ("aws:glue/catalogDatabase:CatalogDatabase", "aws:glue/catalogTable:CatalogTable")
ACCOUNT_KEY = "alias/data-platform-account"


def _with_its_own_account_key() -> dict[str, Any]:
    values = copy.deepcopy(fixture_values("dev"))
    platform = values["data-platform:platform"]
    platform["account"]["key_alias"] = ACCOUNT_KEY
    platform["delivery"]["secrets_provider"] = f"awskms://{ACCOUNT_KEY}?region=eu-west-1"
    return values


@pytest.fixture(scope="module")
def variant_captures(fixture_captures: dict[str, Capture]) -> dict[str, Capture]:
    variant = capture_stack("dev", values=_with_its_own_account_key())
    return {**fixture_captures, "dev-account-key": variant}


@pytest.fixture(params=["dev", "prod", "dev-account-key"])
def capture(request: pytest.FixtureRequest, variant_captures: dict[str, Capture]) -> Capture:
    """Each shipped stack, and dev with an account key of another alias."""
    return variant_captures[request.param]


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value


def _aliases_of(resources: tuple[Registration, ...], key: Registration) -> list[str]:
    return [
        r.inputs["name"]
        for r in resources
        if r.type == ALIAS and key.urn in r.property_dependencies.get("targetKeyId", [])
    ]


def stack_keys(capture: Capture) -> dict[str, list[str]]:
    """The customer keys the stack's data is encrypted with: key ARN -> its aliases."""
    resources = capture.resources
    keys = {r.urn: r for r in resources if r.type == KEY}
    found: dict[str, list[str]] = {}
    for resource in resources:
        if resource.type in NOT_ENCRYPTION:
            continue
        for prop, urns in resource.property_dependencies.items():
            for urn in set(urns) & keys.keys():
                for arn in _leaves(resource.inputs.get(prop)):
                    if arn.startswith("arn:") and ":kms:" in arn:
                        found[arn] = _aliases_of(resources, keys[urn])
    return found


def account_key_aliases(capture: Capture) -> set[str]:
    """Keys outside the stack: the state's secrets provider, and the catalog's account key."""
    platform = capture.config.platform
    assert platform.delivery is not None
    aliases = {platform.delivery.secrets_key_alias}
    if any(r.type in CATALOG_TYPES for r in capture.resources):
        aliases.add(platform.account.key_alias)
    return aliases


def preview_statements(capture: Capture) -> list[dict[str, Any]]:
    """The inline policy of the preview role that bootstrap creates in the stack's account."""
    key_alias = capture.config.platform.account.key_alias
    release = {"stacks": [capture.stack]}
    declared = _run({**BACKEND, "key_alias": key_alias, "release": release})
    return policy_statements(declared["release-preview-policy"])


def _lake_bucket_names(capture: Capture) -> list[str]:
    by_urn = {r.urn: r for r in capture.resources}

    def in_lake(resource: Registration) -> bool:
        parent = by_urn.get(resource.parent or "")
        return parent is not None and (
            parent.type == "dataplatform:storage:DataLake" or in_lake(parent)
        )

    lake = {r.urn for r in capture.resources if r.type == BUCKET and in_lake(r)}
    names = {
        r.inputs["bucket"]
        for r in capture.resources
        if set(r.property_dependencies.get("bucket", [])) & lake
    }
    assert len(names) == len(lake), "every lake bucket's name is found"
    return sorted(names)


def test_the_preview_role_can_decrypt_every_key_a_refresh_reads(capture: Capture) -> None:
    statements = preview_statements(capture)
    keys = stack_keys(capture)
    assert keys, "the stack encrypts with its own key"
    for arn, aliases in keys.items():
        context = {"kms:ResourceAliases": aliases}
        assert decision(statements, "kms:Decrypt", arn, context) == "allow", arn
    # Keys of another stack (bootstrap's): only their alias is known, so any key of the account.
    account_key = next(iter(keys)).rsplit("/", 1)[0] + "/0a1b2c3d-account-key"
    for alias in sorted(account_key_aliases(capture)):
        context = {"kms:ResourceAliases": [alias]}
        assert decision(statements, "kms:Decrypt", account_key, context) == "allow", alias


def test_the_preview_role_still_cannot_read_lake_objects(capture: Capture) -> None:
    statements = preview_statements(capture)
    config: StackConfig = capture.config
    keys = [p.source_prefix + "part-0000.csv" for p in config.platform.pipelines]
    keys += [f"quarantine/{p.name}/rejected.csv" for p in config.platform.pipelines]
    buckets = _lake_bucket_names(capture)
    assert len(buckets) >= len(config.platform.lake.zones)
    for bucket in buckets:
        for key in keys:
            arn = f"arn:aws:s3:::{bucket}/{key}"
            for action in ("s3:GetObject", "s3:GetObjectVersion"):
                assert decision(statements, action, arn, {}) == "deny", (action, arn)
