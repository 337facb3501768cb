"""A project copy, a fake `pulumi` executable on PATH (a script that records its calls; the
Pulumi SDK itself is never faked) and an AWS account under moto with or without bootstrap/'s
outputs."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from offline.capture import PROJECT_ROOT
from offline.placeholders import EXAMPLE_ACCOUNT_ID
from tests.stacks import FIXTURE_STACKS

ACCOUNT = "111122223333"
REGION = "eu-west-1"

_FAKE_PULUMI = """#!{python}
import json, os, pathlib, sys
here = pathlib.Path(os.environ["FAKE_PULUMI_DIR"])
behaviour = json.loads((here / "behaviour.json").read_text())
args = sys.argv[1:]
call = {{"args": args, "backend": os.environ.get("PULUMI_BACKEND_URL"), "cwd": os.getcwd()}}
if "--config-file" in args:
    call["config_file"] = pathlib.Path(args[args.index("--config-file") + 1]).read_text()
with open(here / "calls.jsonl", "a") as log:
    log.write(json.dumps(call) + "\\n")
if args[:1] == ["version"]:
    print(behaviour["version"])
elif args[:2] == ["stack", "ls"]:
    names = [f"organization/data-platform/{{n}}" for n in behaviour["stacks"]]
    print(json.dumps([{{"name": name}} for name in names]))
elif args[:2] == ["stack", "export"]:
    print(json.dumps(behaviour.get("export", {{}})))
elif args[:1] == ["preview"] and "preview" in behaviour:
    print(pathlib.Path(behaviour["preview"]).read_text(), end="")
elif args[:2] == ["stack", "init"]:
    behaviour["stacks"].append(args[2])
    (here / "behaviour.json").write_text(json.dumps(behaviour))
else:
    print("fake pulumi", *args)
sys.exit(behaviour["exit"].get(args[0], 0))
"""


@dataclass
class FakePulumi:
    """Controls the fake CLI and reads what it was asked to do."""

    home: Path
    project: Path

    def set(self, **behaviour: Any) -> None:
        current = json.loads((self.home / "behaviour.json").read_text())
        (self.home / "behaviour.json").write_text(json.dumps({**current, **behaviour}))

    def calls(self) -> list[dict[str, Any]]:
        log = self.home / "calls.jsonl"
        lines = log.read_text().splitlines() if log.exists() else []
        return [json.loads(line) for line in lines]

    def commands(self) -> list[list[str]]:
        """The argv of every call but the read-only ones (version, stack ls)."""
        return [
            call["args"]
            for call in self.calls()
            if call["args"][:1] != ["version"] and call["args"][:2] != ["stack", "ls"]
        ]


@pytest.fixture
def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: Path) -> FakePulumi:
    """`pulumi` and `uv` executables first on PATH; the stack `dev` exists by default."""
    bin_dir, home = tmp_path / "bin", tmp_path / "fake-pulumi"
    bin_dir.mkdir()
    home.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(_FAKE_PULUMI.format(python=sys.executable))
    (bin_dir / "uv").write_text("#!/bin/sh\nexit 0\n")
    for tool in (script, bin_dir / "uv"):
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    (home / "behaviour.json").write_text(
        json.dumps({"version": "v3.272.0", "stacks": ["dev"], "exit": {}})
    )
    monkeypatch.setenv("FAKE_PULUMI_DIR", str(home))
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), os.environ["PATH"]]))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    return FakePulumi(home, project)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of the fixture stacks `dev` and `prod` (tests/stacks.py), in account ACCOUNT."""
    root = tmp_path / "project"
    (root / "policies" / "config").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", root)
    for stack in ("dev", "prod"):
        text = (FIXTURE_STACKS / f"Pulumi.{stack}.yaml").read_text()
        (root / f"Pulumi.{stack}.yaml").write_text(text.replace(EXAMPLE_ACCOUNT_ID, ACCOUNT))
        shutil.copy(
            FIXTURE_STACKS / "policies" / "config" / f"{stack}.json", root / "policies" / "config"
        )
    shutil.copy(PROJECT_ROOT / "policies" / "PulumiPolicy.yaml", root / "policies")
    python = root / "policies" / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    return root


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty AWS account ACCOUNT under moto, with credentials in the environment."""
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    # No credentials or metadata of the machine take part.
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with mock_aws():
        yield


def bootstrap_outputs(region: str = REGION, *, catalog: bool = True) -> None:
    """What bootstrap/ creates in the account: state bucket, account key, catalog encryption,
    repository."""
    boto3.client("s3", region_name=region).create_bucket(
        Bucket=f"data-platform-state-{ACCOUNT}",
        CreateBucketConfiguration={"LocationConstraint": region},
    )
    kms = boto3.client("kms", region_name=region)
    key = kms.create_key(Description="account key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/data-platform-state", TargetKeyId=key)
    if catalog:
        boto3.client("glue", region_name=region).put_data_catalog_encryption_settings(
            DataCatalogEncryptionSettings={
                "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": key}
            }
        )
    boto3.client("codecommit", region_name=region).create_repository(repositoryName="data-platform")


@pytest.fixture
def ready(fake_pulumi: FakePulumi, aws: None) -> FakePulumi:
    """A bootstrapped account, the stack existing in its backend, every tool on PATH."""
    bootstrap_outputs()
    return fake_pulumi
