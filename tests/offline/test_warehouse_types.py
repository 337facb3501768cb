"""`make check` refuses a warehouse column whose type changed with no declared migration, and
names the migration to write; an added column, or a declared retype, passes."""

from __future__ import annotations

import copy
from typing import Any

from offline.check import main
from offline.warehouse_types import declared_types, undeclared_retypes
from stack_config import StackConfig, parse_stack_config
from tests.stacks import fixture_values


def _config(change: Any = None) -> StackConfig:
    values = copy.deepcopy(fixture_values("dev"))
    if change is not None:
        change(values["data-platform:platform"])
    return parse_stack_config("dev", values)


def _retype(platform: dict[str, Any]) -> None:
    pipeline = platform["pipelines"][0]
    column = pipeline["required_columns"][0]
    pipeline["column_types"][column] = (
        "timestamp" if pipeline["column_types"].get(column) != "timestamp" else "string"
    )


def test_an_undeclared_retype_is_refused_naming_the_migration() -> None:
    recorded = declared_types(_config())
    (problem,) = undeclared_retypes(_config(_retype), recorded)
    assert "no migration retypes it" in problem and "kind: retype" in problem


def test_a_declared_retype_and_an_added_column_pass() -> None:
    recorded = declared_types(_config())

    def declared(platform: dict[str, Any]) -> None:
        _retype(platform)
        pipeline = platform["pipelines"][0]
        column = pipeline["required_columns"][0]
        platform["warehouse"]["migrations"] = [
            {
                "version": 1,
                "kind": "retype",
                "table": pipeline["target_table"],
                "column": column,
                "to": pipeline["column_types"][column],
            }
        ]
        pipeline.setdefault("optional_columns", []).append("added_later")

    assert undeclared_retypes(_config(declared), recorded) == []


def test_make_check_exits_2_on_an_undeclared_retype(tmp_path: Any, capsys: Any) -> None:
    import yaml

    values = copy.deepcopy(fixture_values("dev"))
    _retype(values["data-platform:platform"])
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump({"config": values}))
    status = main(["--stack", "dev", "--stack-file", str(stack_file), "--no-policies"])
    assert status == 2 and "no migration retypes it" in capsys.readouterr().err
