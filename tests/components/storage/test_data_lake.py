"""The lake builds one secure bucket per zone plus access-logs and artifacts buckets."""

from collections.abc import Callable

from components.storage.data_lake import DataLake, DataLakeArgs
from offline.capture import Capture
from offline.mocks import Registration
from stack_config import parse_stack_config
from tests.components.helpers import by_name
from tests.stacks import fixture_values

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/test"


def _lake(run: Runner) -> dict[str, Registration]:
    platform = parse_stack_config("prod", fixture_values("prod")).platform
    args = DataLakeArgs(
        lake=platform.lake, protection=platform.protection, region="eu-west-1", tags={"A": "b"}
    )
    return by_name(run(lambda: DataLake("lake", args, kms_key_arn=KEY_ARN, account_id="1")))


def test_one_secure_bucket_per_zone_and_support_bucket(run_mocked: Runner) -> None:
    resources = _lake(run_mocked)
    lake = resources["lake"]
    assert lake.type == "dataplatform:storage:DataLake"
    buckets = {r.name for r in resources.values() if r.parent == lake.urn}
    assert buckets == {"lake-raw", "lake-curated", "lake-access-logs", "lake-artifacts"}


def test_all_but_the_logs_bucket_log_to_it_and_use_the_key(run_mocked: Runner) -> None:
    resources = _lake(run_mocked)
    for name in ("lake-raw", "lake-curated", "lake-artifacts"):
        assert resources[f"{name}-logging"].inputs["targetBucket"] == "lake-access-logs-bucket"
        encryption = resources[f"{name}-encryption"].inputs["rules"][0]
        assert encryption["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == KEY_ARN
    assert "lake-access-logs-logging" not in resources
    logs_encryption = resources["lake-access-logs-encryption"].inputs["rules"][0]
    assert logs_encryption["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_zone_classification_is_tagged(run_mocked: Runner) -> None:
    resources = _lake(run_mocked)
    assert resources["lake-raw-bucket"].inputs["tags"]["DataClassification"] == "confidential"
    assert resources["lake-curated-bucket"].inputs["tags"]["DataClassification"] == "internal"
    assert resources["lake-raw-bucket"].inputs["tags"]["A"] == "b"


STATEFUL_TYPES = {
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:redshiftserverless/namespace:Namespace",
    "aws:redshift/cluster:Cluster",
}
BUCKETS = {
    "lake-raw-bucket",
    "lake-curated-bucket",
    "lake-access-logs-bucket",
    "lake-artifacts-bucket",
}
# Each shipped stack's stateful resources: the key, every bucket and the warehouse's data store
# (dev: a serverless namespace; prod: a provisioned cluster).
STATEFUL = {
    "dev": {"platform-key", *BUCKETS, "warehouse-namespace"},
    "prod": {"platform-key", *BUCKETS, "warehouse-cluster"},
}


def test_prod_protects_keys_and_buckets_and_dev_follows_its_config(
    fixture_captures: dict[str, Capture],
) -> None:
    for stack, expected in (("prod", True), ("dev", False)):
        resources = [r for r in fixture_captures[stack].resources if r.type in STATEFUL_TYPES]
        assert {r.name for r in resources} == STATEFUL[stack]
        for resource in resources:
            assert (resource.protect, resource.retain_on_delete) == (expected, expected)
        buckets = [r for r in resources if r.type == "aws:s3/bucket:Bucket"]
        assert {b.name for b in buckets} == BUCKETS
        assert all(b.inputs["forceDestroy"] is (not expected) for b in buckets)
