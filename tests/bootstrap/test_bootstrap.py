"""The bootstrap program, run under mocks, declares a secure state bucket and a rotating key, and
exports the backend URL and secrets provider the platform stacks log in with."""

import json
import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from bootstrap.settings import BootstrapSettings
from bootstrap.state_backend import StateBackend
from offline.analyzer import run_policy_pack
from offline.arns import generated_uuid
from offline.capture import PROJECT_ROOT, capture_program
from offline.mocks import MOCK_ACCOUNT_ID, Registration
from offline.policy_check import load_policy_config
from offline.report import to_json_resources
from tests.components.helpers import by_name, children_of, policy_statements
from tests.stacks import FIXTURE_STACKS

PROJECT = "data-platform-bootstrap"
MAIN = PROJECT_ROOT / "bootstrap" / "__main__.py"
BACKEND = {"environment": "prod", "owner": "platform-team", "cost_center": "CC-1040"}
# A KMS key's ARN ends in the key id AWS generates; the mocks derive it from the logical name.
KEY_ID = generated_uuid("aws:kms/key:Key", "pulumi-key-key")
KEY_ARN = f"arn:aws:kms:eu-west-1:{MOCK_ACCOUNT_ID}:key/{KEY_ID}"


def _run(
    backend: Mapping[str, Any] = BACKEND, region: str = "eu-west-1"
) -> dict[str, Registration]:
    resources = capture_program(
        lambda: runpy.run_path(str(MAIN), run_name="__main__"),
        project=PROJECT,
        stack="account-prod",
        region="eu-west-1",
        config={"aws:region": region, f"{PROJECT}:backend": json.dumps(backend)},
    )
    return by_name(resources)


@pytest.fixture(scope="module")
def declared() -> dict[str, Registration]:
    return _run()


def test_the_state_bucket_has_the_predictable_name_and_is_kept(
    declared: dict[str, Registration],
) -> None:
    bucket = declared["pulumi-state-bucket"]
    assert bucket.inputs["bucket"] == f"data-platform-state-{MOCK_ACCOUNT_ID}"
    assert bucket.inputs["forceDestroy"] is False
    assert (bucket.protect, bucket.retain_on_delete) == (True, True)
    assert bucket.inputs["tags"]["Project"] == PROJECT
    assert bucket.inputs["tags"]["DataClassification"] == "confidential"


def test_the_state_bucket_is_encrypted_with_the_state_key(
    declared: dict[str, Registration],
) -> None:
    key = declared["pulumi-key-key"]
    assert key.inputs["enableKeyRotation"] is True
    assert (key.protect, key.retain_on_delete) == (True, True)
    assert declared["pulumi-key-alias"].inputs["name"] == "alias/data-platform-state"
    (rule,) = declared["pulumi-state-encryption"].inputs["rules"]
    by_default = rule["applyServerSideEncryptionByDefault"]
    assert by_default["sseAlgorithm"] == "aws:kms"
    assert by_default["kmsMasterKeyId"] == KEY_ARN
    assert rule["bucketKeyEnabled"] is True


def test_the_state_bucket_is_versioned_private_owner_enforced_and_tls_only(
    declared: dict[str, Registration],
) -> None:
    versioning = declared["pulumi-state-versioning"].inputs["versioningConfiguration"]
    assert versioning["status"] == "Enabled"
    public = declared["pulumi-state-public-access"].inputs
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(public[flag] is True for flag in flags)
    ownership = declared["pulumi-state-ownership"].inputs["rule"]
    assert ownership == {"objectOwnership": "BucketOwnerEnforced"}
    (deny,) = policy_statements(declared["pulumi-state-policy"])
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_state_history_is_kept_and_access_is_logged(declared: dict[str, Registration]) -> None:
    (rule,) = declared["pulumi-state-lifecycle"].inputs["rules"]
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 365}
    assert "expiration" not in rule
    logging = declared["pulumi-state-logging"].inputs
    # The mocks name an auto-named bucket after its logical name.
    assert logging["targetBucket"] == "pulumi-access-logs-bucket"


def test_every_resource_belongs_to_the_state_backend_component(
    declared: dict[str, Registration],
) -> None:
    backend = declared["pulumi"]
    assert backend.type == "dataplatform:bootstrap:StateBackend"
    assert children_of(list(declared.values()), backend) == {
        "pulumi-key",
        "pulumi-access-logs",
        "pulumi-state",
    }


def test_the_account_repository_is_encrypted_and_protected(
    declared: dict[str, Registration],
) -> None:
    repository = declared["account-repository"]
    assert repository.inputs["repositoryName"] == "data-platform"
    assert repository.inputs["kmsKeyId"] == KEY_ARN
    assert (repository.protect, repository.retain_on_delete) == (True, True)


def test_the_account_encrypts_its_glue_catalog_with_the_account_key(
    declared: dict[str, Registration],
) -> None:
    settings = declared["account-glue-catalog-encryption"].inputs["dataCatalogEncryptionSettings"]
    assert settings["encryptionAtRest"] == {
        "catalogEncryptionMode": "SSE-KMS",
        "sseAwsKmsKeyId": KEY_ARN,
    }
    assert settings["connectionPasswordEncryption"] == {
        "returnConnectionPasswordEncrypted": True,
        "awsKmsKeyId": KEY_ARN,
    }


def test_github_accounts_need_no_repository_and_may_skip_catalog_encryption() -> None:
    declared = _run({**BACKEND, "repository": None, "glue_catalog_encryption": False})
    types = {r.type for r in declared.values()}
    assert "aws:codecommit/repository:Repository" not in types
    assert "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings" not in types


def test_no_mandatory_policy_is_violated(declared: dict[str, Registration]) -> None:
    pack = PROJECT_ROOT / "policies"
    report = run_policy_pack(
        pack,
        to_json_resources(list(declared.values())),
        config=load_policy_config(FIXTURE_STACKS / "policies", "prod"),
    )
    assert report.mandatory == ()


def test_outputs_are_the_pulumi_login_values() -> None:
    seen: dict[str, str] = {}

    def program() -> None:
        backend = StateBackend(
            "pulumi",
            BootstrapSettings.model_validate(BACKEND),
            region="eu-west-1",
            account_id=pulumi.Output.from_input(MOCK_ACCOUNT_ID),
        )
        pulumi.Output.all(backend.backend_url, backend.secrets_provider).apply(
            lambda values: seen.update(url=values[0], secrets=values[1])
        )

    capture_program(program, project=PROJECT, stack="account-prod", region="eu-west-1")
    assert seen == {
        "url": f"s3://data-platform-state-{MOCK_ACCOUNT_ID}",
        "secrets": "awskms://alias/data-platform-state?region=eu-west-1",
    }


def test_an_invalid_config_names_the_key() -> None:
    with pytest.raises(Exception, match=r"backend\.environment") as error:
        _run({**BACKEND, "environment": "production"})
    assert "backend.environment: must be 'dev', 'test', 'staging' or 'prod'" in str(error.value)
    assert "(got 'production')" in str(error.value)


@pytest.mark.parametrize(
    ("backend", "region", "message"),
    [
        pytest.param(
            BACKEND,
            "eu-wset-1",
            "aws:region: must be an AWS region of the pulumi-aws SDK's Region list, such as"
            " eu-west-1; did you mean eu-west-1? (got 'eu-wset-1')",
            id="region-typo",
        ),
        pytest.param(
            {**BACKEND, "release": {"stacks": ["dev"], "delivery_account_id": 210987654321}},
            "eu-west-1",
            "backend.release.delivery_account_id: must be a 12-digit AWS account id in quotes;"
            " got the number 210987654321",
            id="unquoted-account-id",
        ),
        pytest.param(
            {**BACKEND, "cost_center": False},
            "eu-west-1",
            "backend.cost_center: must be 1-256 letters, digits, spaces or _.:/=+-@; got the"
            " boolean false",
            id="boolean-cost-center",
        ),
    ],
)
def test_bootstrap_config_is_explained_in_the_projects_words(
    backend: Mapping[str, Any], region: str, message: str
) -> None:
    with pytest.raises(pulumi.RunError) as error:
        _run(backend, region)
    assert message in str(error.value)
    assert "Input should" not in str(error.value)


def test_the_project_is_separate_and_reuses_the_main_environment() -> None:
    import yaml

    project = yaml.safe_load((Path(MAIN).parent / "Pulumi.yaml").read_text())
    assert project["name"] == PROJECT
    # uv finds the repository's uv.lock above bootstrap/ and syncs the main program's .venv.
    assert project["runtime"]["options"] == {"toolchain": "uv"}
    assert not (Path(MAIN).parent / "pyproject.toml").exists()
