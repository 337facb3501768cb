"""The catalog is encrypted before any database exists; the security configuration is complete."""

from collections.abc import Callable

from components.storage.catalog import GlueCatalog, GlueCatalogArgs
from offline.mocks import Registration
from tests.components.helpers import by_name

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
KEY = "arn:aws:kms:eu-west-1:123456789012:key/test"


def _catalog(run: Runner) -> dict[str, Registration]:
    args = GlueCatalogArgs(
        database_prefix="data-platform-test",
        zones={"raw": "confidential", "curated": "internal"},
        tags={"Environment": "test"},
    )
    return by_name(run(lambda: GlueCatalog("catalog", args, kms_key_arn=KEY)))


def test_one_database_per_zone_named_and_classified(run_mocked: Runner) -> None:
    resources = _catalog(run_mocked)
    raw, curated = resources["catalog-raw"], resources["catalog-curated"]
    assert raw.inputs["name"] == "data_platform_test_raw"
    assert curated.inputs["name"] == "data_platform_test_curated"
    assert raw.inputs["tags"] == {"Environment": "test", "DataClassification": "confidential"}
    assert raw.parent == resources["catalog"].urn


def test_catalog_encryption_is_left_to_the_account(run_mocked: Runner) -> None:
    # One setting per account and region: bootstrap/ owns it (tests/bootstrap).
    types = {r.type for r in _catalog(run_mocked).values()}
    assert "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings" not in types


def test_security_configuration_encrypts_s3_logs_and_bookmarks(run_mocked: Runner) -> None:
    encryption = _catalog(run_mocked)["catalog-security"].inputs["encryptionConfiguration"]
    assert encryption["s3Encryption"] == {"s3EncryptionMode": "SSE-KMS", "kmsKeyArn": KEY}
    assert encryption["cloudwatchEncryption"] == {
        "cloudwatchEncryptionMode": "SSE-KMS",
        "kmsKeyArn": KEY,
    }
    assert encryption["jobBookmarksEncryption"] == {
        "jobBookmarksEncryptionMode": "CSE-KMS",
        "kmsKeyArn": KEY,
    }
