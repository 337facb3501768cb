"""The local `awsglue` runtime resolves arguments and keeps bookmarks as Glue does."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

import pipeline_run.local_glue  # noqa: F401  # importing it puts the local runtime on the path

local = importlib.import_module("awsglue.local")
utils = importlib.import_module("awsglue.utils")


def test_requested_arguments_resolve_and_the_rest_is_ignored() -> None:
    argv = ["job.py", "--JOB_NAME", "j", "--job-bookmark-option", "x", "--a", "1", "--b", "2"]
    assert utils.getResolvedOptions(argv, ["JOB_NAME", "b"]) == {"JOB_NAME": "j", "b": "2"}


def test_a_missing_argument_is_glues_error() -> None:
    with pytest.raises(utils.GlueArgumentError, match="required: --target_table"):
        utils.getResolvedOptions(["job.py", "--JOB_NAME", "j"], ["JOB_NAME", "target_table"])


def test_a_bookmark_hands_out_only_new_objects_and_only_a_commit_keeps_them(
    tmp_path: Path,
) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(
            Bucket="raw", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        s3.put_object(Bucket="raw", Key="in/a.csv", Body=b"x\n1\n")
        bookmarks: dict[str, Any] = {}

        def run(commit: bool) -> list[str]:
            state = local.LocalRun(s3=s3, glue=None, workdir=tmp_path, bookmarks=bookmarks)
            objects = state.new_objects("source", ["s3://raw/in/"])
            if commit:
                state.commit()
            return [path for path, _etag in objects]

        assert run(commit=False) == ["raw/in/a.csv"]
        assert run(commit=True) == ["raw/in/a.csv"], "an uncommitted run leaves the bookmark"
        s3.put_object(Bucket="raw", Key="in/b.csv", Body=b"x\n2\n")
        assert run(commit=True) == ["raw/in/b.csv"]
        s3.put_object(Bucket="raw", Key="in/a.csv", Body=b"x\n3\n")  # a new version is new
        assert run(commit=True) == ["raw/in/a.csv"]
