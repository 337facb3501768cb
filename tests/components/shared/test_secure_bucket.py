"""A SecureBucket always brings its secure companions, and its role fixes its encryption."""

from collections.abc import Callable

import pytest

from components.shared.secure_bucket import BucketRole, SecureBucket, SecureBucketArgs
from offline.mocks import Registration
from stack_config.lake import Lifecycle, Transition
from stack_config.protection import ProtectionSettings
from tests.components.helpers import by_name, children_of, policy_statements

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/test"
LIFECYCLE = Lifecycle(
    transitions=[Transition(after_days=30, storage_class="STANDARD_IA")],
    expiration_days=365,
    noncurrent_expiration_days=60,
)


def _args(role: BucketRole, *, protect: bool = False) -> SecureBucketArgs:
    return SecureBucketArgs(
        role=role,
        classification="confidential",
        lifecycle=LIFECYCLE,
        region="eu-west-1",
        tags={"Environment": "test"},
        protection=ProtectionSettings(
            protect=protect, retain_on_delete=protect, force_destroy_buckets=not protect
        ),
    )


def _data_bucket(run: Runner, *, protect: bool = False) -> dict[str, Registration]:
    return by_name(
        run(
            lambda: SecureBucket(
                "raw",
                _args(BucketRole.DATA, protect=protect),
                kms_key_arn=KEY_ARN,
                access_logs_bucket="logs-bucket",
                account_id="123456789012",
            )
        )
    )


def test_data_bucket_has_every_companion_parented_to_the_component(run_mocked: Runner) -> None:
    resources = _data_bucket(run_mocked)
    component = resources["raw"]
    assert component.type == "dataplatform:storage:SecureBucket"
    suffixes = {"bucket", "ownership", "public-access", "encryption", "versioning"}
    suffixes |= {"lifecycle", "policy", "logging"}
    assert children_of(list(resources.values()), component) == {f"raw-{s}" for s in suffixes}


def test_data_bucket_uses_the_customer_key_with_bucket_key(run_mocked: Runner) -> None:
    rule = _data_bucket(run_mocked)["raw-encryption"].inputs["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": KEY_ARN,
    }
    assert rule["bucketKeyEnabled"] is True


def test_companions_depend_on_the_bucket(run_mocked: Runner) -> None:
    resources = _data_bucket(run_mocked)
    bucket_urn = resources["raw-bucket"].urn
    for suffix in ("encryption", "public-access", "versioning", "policy", "logging", "lifecycle"):
        assert resources[f"raw-{suffix}"].property_dependencies["bucket"] == [bucket_urn]


def test_public_access_fully_blocked_and_owner_enforced(run_mocked: Runner) -> None:
    resources = _data_bucket(run_mocked)
    block = resources["raw-public-access"].inputs
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(block[flag] is True for flag in flags)
    assert resources["raw-ownership"].inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    assert resources["raw-versioning"].inputs["versioningConfiguration"]["status"] == "Enabled"


def test_policy_denies_requests_without_tls(run_mocked: Runner) -> None:
    statements = policy_statements(_data_bucket(run_mocked)["raw-policy"])
    assert [s["Sid"] for s in statements] == ["DenyInsecureTransport"]
    deny = statements[0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == ["arn:aws:s3:::raw-bucket", "arn:aws:s3:::raw-bucket/*"]


def test_lifecycle_comes_from_config(run_mocked: Runner) -> None:
    (rule,) = _data_bucket(run_mocked)["raw-lifecycle"].inputs["rules"]
    assert rule["transitions"] == [{"days": 30, "storageClass": "STANDARD_IA"}]
    assert rule["expiration"] == {"days": 365}
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 60}
    assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}


def test_data_bucket_logs_to_the_access_logs_bucket(run_mocked: Runner) -> None:
    logging = _data_bucket(run_mocked)["raw-logging"].inputs
    assert logging["targetBucket"] == "logs-bucket"
    assert logging["targetPrefix"] == "raw/"


@pytest.mark.parametrize("protect", [True, False])
def test_protection_is_applied_to_the_bucket(run_mocked: Runner, protect: bool) -> None:
    bucket = _data_bucket(run_mocked, protect=protect)["raw-bucket"]
    assert (bucket.protect, bucket.retain_on_delete) == (protect, protect)
    assert bucket.inputs["forceDestroy"] is (not protect)


def test_access_logs_bucket_is_sse_s3_receives_logs_and_does_not_log(run_mocked: Runner) -> None:
    resources = by_name(
        run_mocked(
            lambda: SecureBucket("logs", _args(BucketRole.ACCESS_LOGS), account_id="123456789012")
        )
    )
    rule = resources["logs-encryption"].inputs["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert "logs-logging" not in resources
    delivery = policy_statements(resources["logs-policy"])[1]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}


@pytest.mark.parametrize(
    "role, key, logs",
    [
        (BucketRole.DATA, None, "logs"),
        (BucketRole.DATA, KEY_ARN, None),
        (BucketRole.ACCESS_LOGS, KEY_ARN, None),
    ],
    ids=["data without key", "data without log target", "access logs with key"],
)
def test_inconsistent_role_is_refused(
    run_mocked: Runner, role: BucketRole, key: str | None, logs: str | None
) -> None:
    with pytest.raises(ValueError, match="bad"):
        run_mocked(
            lambda: SecureBucket(
                "bad", _args(role), kms_key_arn=key, access_logs_bucket=logs, account_id="1"
            )
        )
