"""The warehouse's database objects come from config: per pipeline its table (columns in
curated-file order and type), its load procedure and its loader's user and grants; the reader
roles; the drift build's catalog reader. They are reconciled resources: no create-only Data API
statement is declared, no load SQL names a role ARN, and the provider pickled into the state
holds nothing but a reference to its class."""

from __future__ import annotations

import base64
import copy
import pickletools
from typing import Any

import pytest

from components.warehouse.sql import iam_role_user, redshift_type
from offline.capture import Capture, capture_stack
from offline.mocks import Registration
from pipeline_run.engine import DYNAMIC_PREFIX, STATEMENT_TYPE
from stack_config.warehouse import CATALOG_READER_ROLE
from tests.stacks import fixture_stacks, fixture_values

STACKS = fixture_stacks()


def _objects(capture: Capture, kind: str) -> dict[str, Registration]:
    return {r.name: r for r in capture.resources if r.type == f"{DYNAMIC_PREFIX}/warehouse:{kind}"}


@pytest.mark.parametrize("stack", STACKS)
def test_each_pipeline_has_its_table_procedure_and_loader(
    stack: str, fixture_captures: dict[str, Capture]
) -> None:
    capture = fixture_captures[stack]
    warehouse = capture.config.platform.warehouse
    assert warehouse is not None
    tables, procedures = _objects(capture, "Table"), _objects(capture, "LoadProcedure")
    users = {r.inputs["user"] for r in _objects(capture, "User").values()}
    for pipeline in capture.config.platform.pipelines:
        table = tables[f"warehouse-schema-db-table-{pipeline.target_table}"].inputs
        role = next(r for r in capture.resources if r.name == f"{pipeline.name}-orchestration-role")
        loader = iam_role_user(str(role.inputs["name"]))
        assert table["columns"] == [[c, redshift_type(t)] for c, t in pipeline.curated_columns]
        assert (table["schema"], table["writer"]) == (warehouse.load_schema, loader)
        assert table["readers"] == list(warehouse.reader_roles)
        assert table["manifest_prefix"] == pipeline.manifest_prefix
        procedure = procedures[f"warehouse-schema-db-load-{pipeline.target_table}"].inputs
        assert procedure["executor"] == loader and loader in users
    roles = {r.inputs["role"] for r in _objects(capture, "Role").values()}
    assert set(warehouse.reader_roles) <= roles


@pytest.mark.parametrize("stack", STACKS)
def test_no_create_only_statement_and_no_role_arn_in_load_sql(
    stack: str, fixture_captures: dict[str, Capture]
) -> None:
    capture = fixture_captures[stack]
    assert [r.name for r in capture.resources if r.type == STATEMENT_TYPE] == []
    for procedure in _objects(capture, "LoadProcedure").values():
        assert "IAM_ROLE default" in procedure.inputs["definition"]
        assert "arn:" not in procedure.inputs["definition"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_drift_identity_gets_catalog_reads_only(
    stack: str, fixture_captures: dict[str, Capture]
) -> None:
    capture = fixture_captures[stack]
    users = {r.inputs["user"]: r.inputs for r in _objects(capture, "User").values()}
    drift = users.get("IAMR:data-platform-release-drift")
    if capture.config.platform.delivery is None:
        assert drift is None
        return
    assert drift is not None and drift["roles"] == [CATALOG_READER_ROLE]
    (reader,) = [
        r for r in _objects(capture, "Role").values() if r.inputs["role"] == CATALOG_READER_ROLE
    ]
    assert reader.inputs["system"] == ["ACCESS SYSTEM TABLE"]
    (schema,) = _objects(capture, "Schema").values()
    assert schema.inputs["ledger_readers"] == [f"role:{CATALOG_READER_ROLE}"]
    for table in _objects(capture, "Table").values():
        assert CATALOG_READER_ROLE not in table.inputs["readers"]


def _pickled(registration: Registration) -> bytes:
    provider = registration.inputs["__provider"]
    value = provider["value"] if isinstance(provider, dict) else provider
    return base64.b64decode(value)


@pytest.mark.parametrize("stack", STACKS)
def test_the_pickled_provider_is_a_class_reference_with_no_state(
    stack: str, fixture_captures: dict[str, Capture]
) -> None:
    dynamic = [r for r in fixture_captures[stack].resources if r.type.startswith(DYNAMIC_PREFIX)]
    assert dynamic
    for registration in dynamic:
        pickled = _pickled(registration)
        strings = [str(arg) for op, arg, _ in pickletools.genops(pickled) if isinstance(arg, str)]
        module, name = strings[0], strings[1]
        # Only the class, by module and name, then an empty object: no client, no credential.
        assert module.startswith("components.warehouse.") and strings == [module, name]
        assert len(pickled) < 120, registration.name


def _with_column(stack: str) -> dict[str, Any]:
    values = copy.deepcopy(fixture_values(stack))
    pipeline = values["data-platform:platform"]["pipelines"][0]
    pipeline.setdefault("optional_columns", []).append("drill_note")
    return values


def test_adding_a_column_changes_that_table_and_its_procedure_only(
    fixture_captures: dict[str, Capture],
) -> None:
    before = {
        r.name: r for r in fixture_captures["dev"].resources if r.type.startswith(DYNAMIC_PREFIX)
    }
    after = {
        r.name: r
        for r in capture_stack("dev", values=_with_column("dev")).resources
        if r.type.startswith(DYNAMIC_PREFIX)
    }
    table = fixture_captures["dev"].config.platform.pipelines[0].target_table
    changed = {
        name
        for name in before
        if {k: v for k, v in before[name].inputs.items() if k != "__provider"}
        != {k: v for k, v in after[name].inputs.items() if k != "__provider"}
    }
    assert after.keys() == before.keys()
    assert changed == {f"warehouse-schema-db-table-{table}", f"warehouse-schema-db-load-{table}"}
    assert after[f"warehouse-schema-db-table-{table}"].inputs["columns"][-1] == [
        "drill_note",
        "VARCHAR(65535)",
    ]
