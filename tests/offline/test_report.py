"""The capture JSON is deterministic and records shipped code by content hash."""

from pathlib import Path

import pulumi

from offline.mocks import Registration
from offline.report import to_json_resources


def _registration(name: str, inputs: dict[str, object]) -> Registration:
    return Registration(
        urn=f"urn:pulumi:dev::data-platform::aws:s3/bucketObjectv2:BucketObjectv2::{name}",
        type="aws:s3/bucketObjectv2:BucketObjectv2",
        name=name,
        custom=True,
        parent=None,
        provider="",
        inputs=inputs,
        dependencies=["urn:b", "urn:a"],
        property_dependencies={"bucket": ["urn:b", "urn:a"]},
        protect=False,
        retain_on_delete=False,
    )


def test_a_changed_script_changes_the_captured_inputs(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text("print('v1')\n")
    first = to_json_resources([_registration("s", {"source": pulumi.FileAsset(str(script))})])
    script.write_text("print('v2')\n")
    second = to_json_resources([_registration("s", {"source": pulumi.FileAsset(str(script))})])
    assert first[0]["inputs"]["source"]["fileAsset"] == str(script)
    assert first[0]["inputs"]["source"]["sha256"] != second[0]["inputs"]["source"]["sha256"]


def test_archives_record_each_member() -> None:
    archive = pulumi.AssetArchive({"handler.py": pulumi.FileAsset("runtime/ingest/handler.py")})
    (resource,) = to_json_resources([_registration("f", {"code": archive})])
    member = resource["inputs"]["code"]["assetArchive"]["handler.py"]
    assert member["fileAsset"] == "runtime/ingest/handler.py"
    assert len(member["sha256"]) == 64


def test_order_and_numbers_are_deterministic() -> None:
    resources = to_json_resources(
        [_registration("b", {"days": 30.0, "ratio": 0.5}), _registration("a", {})]
    )
    assert [r["name"] for r in resources] == ["a", "b"]
    assert resources[1]["inputs"] == {"days": 30, "ratio": 0.5}
    assert resources[1]["dependencies"] == ["urn:a", "urn:b"]
    assert resources[1]["propertyDependencies"] == {"bucket": ["urn:a", "urn:b"]}
