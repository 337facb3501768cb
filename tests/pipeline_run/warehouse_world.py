"""A stack's warehouse on emulated AWS for the lifecycle drills: moto, the local warehouse behind
the local Data API, and the engine that deploys, refreshes and previews the program's resources
as the deploy role (admin secret) or the drift role (its own IAM identity)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import boto3  # type: ignore[import-untyped]
from moto import mock_aws

from components.delivery.names import TARGET_DRIFT_ROLE, TARGET_ROLE_PATH
from components.warehouse.data_api import AUTH_VARIABLE
from offline.capture import Capture, capture_stack, offline_account
from offline.mocks import Registration
from pipeline_run.emulation import DEPLOY_IDENTITY
from pipeline_run.engine import Engine, Identity
from pipeline_run.local_data_api import LocalDataApi
from pipeline_run.local_warehouse import LocalWarehouse
from tests.stacks import fixture_values

DRIFT_IDENTITY = Identity(f"{TARGET_ROLE_PATH}{TARGET_DRIFT_ROLE}", {AUTH_VARIABLE: "iam"})
Values = dict[str, Any]


@dataclass
class World:
    engine: Engine
    warehouse: LocalWarehouse
    api: LocalDataApi
    s3: Any

    def deploy(self, capture: Capture) -> list[str]:
        return [f"{s.op} {s.name}" for s in self.engine.up(capture.resources, DEPLOY_IDENTITY)]

    def changes_sql(self, run: Callable[[], object]) -> list[str]:
        """The statements other than reads that `run` sent to the warehouse."""
        before = set(self.api.statements)
        run()
        return [
            sql
            for key, statement in self.api.statements.items()
            if key not in before
            for sql in statement.sqls
            if not sql.lstrip().upper().startswith("SELECT")
        ]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        (result,) = self.warehouse.run([sql], user=self.warehouse.admin)
        return list(result.rows)


@contextlib.contextmanager
def world(capture: Capture, workdir: Path) -> Iterator[World]:
    account, region = offline_account(capture.config), capture.config.region
    environment = {
        "AWS_DEFAULT_REGION": region,
        "MOTO_ACCOUNT_ID": account,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    with mock.patch.dict(os.environ, environment), mock_aws():
        s3 = boto3.client("s3", region_name=region)
        for bucket in (r for r in capture.resources if r.type == "aws:s3/bucket:Bucket"):
            s3.create_bucket(
                Bucket=bucket.outputs["bucket"],
                CreateBucketConfiguration={"LocationConstraint": region},
            )
        warehouse = LocalWarehouse(s3, workdir)
        api = LocalDataApi(warehouse, account)
        with api.serving():
            yield World(Engine(account), warehouse, api, s3)


def stack_values(stack: str, change: Callable[[Values], None] | None = None) -> Values:
    values = fixture_values(stack)
    if change is not None:
        change(values["data-platform:platform"])
    return values


def captured(stack: str, change: Callable[[Values], None] | None = None) -> Capture:
    return capture_stack(stack, values=stack_values(stack, change))


def registrations(path: Path) -> tuple[Registration, ...]:
    """Resources of a capture JSON file (what an earlier program declared)."""
    return tuple(
        Registration(
            urn=r["urn"],
            type=r["type"],
            name=r["name"],
            custom=bool(r.get("custom", True)),
            parent=r.get("parent"),
            provider=r.get("provider", ""),
            inputs=r["inputs"],
            dependencies=list(r.get("dependencies", [])),
            property_dependencies=dict(r.get("propertyDependencies", {})),
            protect=bool(r.get("protect")),
            retain_on_delete=bool(r.get("retainOnDelete")),
        )
        for r in json.loads(path.read_text())
    )
