"""Tags come from config in one place; taggability is read from the pulumi_aws SDK."""

from typing import get_args

import pytest

from components.shared.tagging import Tags, is_taggable
from offline.capture import Capture, ReleaseCapture
from stack_config.base import DataClassification

REQUIRED = {"Environment", "Project", "Owner", "CostCenter", "ManagedBy"}
DATA_STORES = {"aws:s3/bucket:Bucket"}
# Types each shipped stack must create and tag (a subset: other taggable types may appear too).
MUST_TAG = {
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:iam/role:Role",
    "aws:glue/job:Job",
    "aws:glue/crawler:Crawler",
    "aws:glue/catalogDatabase:CatalogDatabase",
    "aws:lambda/function:Function",
    "aws:sqs/queue:Queue",
    "aws:sns/topic:Topic",
    "aws:sfn/stateMachine:StateMachine",
    "aws:ec2/vpc:Vpc",
}
# The delivery stack's (the release pipeline) likewise.
RELEASE_MUST_TAG = {
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:iam/role:Role",
    "aws:sns/topic:Topic",
    "aws:codebuild/project:Project",
    "aws:codepipeline/pipeline:Pipeline",
}
WAREHOUSE_TYPES = {
    "dev": {
        "aws:redshiftserverless/namespace:Namespace",
        "aws:redshiftserverless/workgroup:Workgroup",
    },
    "prod": {"aws:redshift/cluster:Cluster"},
}


@pytest.mark.parametrize(
    "type_token, taggable",
    [
        ("aws:s3/bucket:Bucket", True),
        ("aws:kms/key:Key", True),
        ("aws:cloudwatch/logGroup:LogGroup", True),
        ("aws:s3/bucketPolicy:BucketPolicy", False),
        ("aws:kms/alias:Alias", False),
        ("aws:s3/bucketVersioning:BucketVersioning", False),
        ("dataplatform:storage:DataLake", False),
        ("aws:nosuchmodule/thing:Thing", False),
    ],
)
def test_taggability_comes_from_the_sdk(type_token: str, taggable: bool) -> None:
    assert is_taggable(type_token) is taggable


def test_every_taggable_resource_of_a_user_stack_carries_the_required_tags(
    user_captures: dict[str, Capture],
) -> None:
    for capture in user_captures.values():
        platform = capture.config.platform
        for resource in (r for r in capture.resources if r.custom and is_taggable(r.type)):
            tags = resource.inputs.get("tags", {})
            assert tags.keys() >= REQUIRED, resource.urn
            assert tags["Environment"] == platform.environment, resource.urn
            assert (tags["Owner"], tags["CostCenter"]) == (
                platform.tags.owner,
                platform.tags.cost_center,
            )
            if resource.type in DATA_STORES:
                assert tags["DataClassification"] in get_args(DataClassification), resource.urn


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_taggable_resource_carries_the_required_tags_in_its_inputs(
    fixture_captures: dict[str, Capture], stack: str
) -> None:
    capture = fixture_captures[stack]
    taggable = [r for r in capture.resources if r.custom and is_taggable(r.type)]
    assert (MUST_TAG | WAREHOUSE_TYPES[stack]) - {r.type for r in taggable} == set()
    for resource in taggable:
        tags = resource.inputs.get("tags", {})
        assert tags.keys() >= REQUIRED, resource.name
        assert tags["Environment"] == stack
        assert tags["ManagedBy"] == "pulumi"
        assert tags["Project"] == "data-platform"
        if resource.type in DATA_STORES:
            assert tags["DataClassification"] in {"internal", "confidential"}, resource.name


def test_every_taggable_release_resource_carries_the_required_tags(
    fixture_release_capture: ReleaseCapture,
) -> None:
    taggable = [r for r in fixture_release_capture.resources if r.custom and is_taggable(r.type)]
    assert RELEASE_MUST_TAG - {r.type for r in taggable} == set()
    for resource in taggable:
        tags = resource.inputs.get("tags", {})
        assert tags.keys() >= REQUIRED, resource.name
        assert tags["Environment"] == fixture_release_capture.config.release.environment


def test_data_store_tags_add_classification_without_losing_the_base() -> None:
    tags = Tags("prod", "data-platform", "team", "CC-1", {"Compliance": "gdpr"})
    assert tags.data_store("restricted") == {
        "Compliance": "gdpr",
        "Environment": "prod",
        "Project": "data-platform",
        "Owner": "team",
        "CostCenter": "CC-1",
        "ManagedBy": "pulumi",
        "DataClassification": "restricted",
    }
