"""`make diff` says what changes in the warehouse in words: a migration, an added column, a
removed table kept with its rows, a removed role dropped."""

from __future__ import annotations

import copy
from typing import Any

from offline.capture import Capture, capture_stack
from offline.report import to_json_resources
from review.capture_diff import render_capture_diff
from review.warehouse_words import warehouse_changes
from tests.stacks import fixture_values


def _json(capture: Capture) -> list[dict[str, Any]]:
    return list(to_json_resources(capture.resources))


def test_a_migration_an_added_column_and_a_removed_role_in_words(
    fixture_captures: dict[str, Capture],
) -> None:
    values = copy.deepcopy(fixture_values("dev"))
    platform = values["data-platform:platform"]
    pipeline = platform["pipelines"][0]
    column = pipeline["required_columns"][0]
    pipeline["column_types"][column] = (
        "string" if pipeline["column_types"].get(column) != "string" else "int"
    )
    platform["warehouse"]["migrations"] = [
        {
            "version": 1,
            "kind": "retype",
            "table": pipeline["target_table"],
            "column": column,
            "to": pipeline["column_types"][column],
        }
    ]
    pipeline.setdefault("optional_columns", []).append("drill_note")
    removed = platform["warehouse"]["reader_roles"]
    platform["warehouse"]["reader_roles"] = []
    base, head = _json(fixture_captures["dev"]), _json(capture_stack("dev", values=values))
    lines = warehouse_changes(base, head)
    table = f"{platform['warehouse']['load_schema']}.{pipeline['target_table']}"
    assert f"table {table}: migration 1 retypes column {column} to " in " ".join(lines)
    assert f"table {table}: column drill_note VARCHAR(65535) is added" in lines
    for role in removed:
        assert f"role {role} is revoked everywhere and dropped" in lines
    markdown = render_capture_diff(base, head, stack="dev", base_ref="main")
    assert "### Warehouse changes" in markdown and "keeping every row" in markdown


def test_the_preview_comment_names_the_warehouse_changes() -> None:
    from review.preview_comment import preview_blocks
    from review.preview_types import Preview, ResourceState, Step

    kind = "pulumi-python:dynamic/warehouse:Role"
    step = Step(
        op="delete",
        urn="urn:pulumi:dev::data-platform::x$" + kind + "::warehouse-schema-db-role-auditors",
        type=kind,
        name="warehouse-schema-db-role-auditors",
        old=ResourceState(kind, {"role": "auditors"}),
    )
    preview = Preview(
        steps=(step,), counts={"delete": 1}, violations=(), errors=(), has_policy_results=False
    )
    text = "\n".join(line for block in preview_blocks(preview, stack="dev") for line in block.head)
    assert "role auditors is revoked everywhere and dropped" in text
