"""The column types each stack's warehouse tables were recorded with (`migrations/<stack>.json`,
committed), so `make check` can refuse a column whose type changed with no declared migration,
and name the migration to write. An added column or table needs no record; `python -m
offline.warehouse_types --stack <stack> --write` records the stack's current types (after a
release, or when adding a stack).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from offline.capture import PROJECT_ROOT, read_stack_values
from stack_config import StackConfig, parse_stack_config
from stack_config.warehouse import RetypeMigration

RECORDS = "migrations"
Types = dict[str, dict[str, str]]


class UndeclaredRetypeError(ValueError):
    """A warehouse column changes type with no declared migration."""


def record_path(stack: str, root: Path = PROJECT_ROOT) -> Path:
    return root / RECORDS / f"{stack}.json"


def declared_types(config: StackConfig) -> Types:
    """Table -> column -> column type, as the stack's config declares them."""
    if config.platform.warehouse is None:
        return {}
    return {p.target_table: dict(p.curated_columns) for p in config.platform.pipelines}


def undeclared_retypes(config: StackConfig, recorded: Types) -> list[str]:
    """Each column whose type differs from the record with no retype migration to that type."""
    warehouse = config.platform.warehouse
    migrations = warehouse.migrations if warehouse is not None else []
    declared = {(m.table, m.column, m.to) for m in migrations if isinstance(m, RetypeMigration)}
    version = max((m.version for m in migrations), default=0) + 1
    problems = []
    for table, columns in declared_types(config).items():
        for column, kind in columns.items():
            before = recorded.get(table, {}).get(column)
            if before is None or before == kind or (table, column, kind) in declared:
                continue
            problems.append(
                f"warehouse table {table}: column {column} was {before}, the config says {kind},"
                f" and no migration retypes it: add to warehouse.migrations"
                f" {{version: {version}, kind: retype, table: {table}, column: {column},"
                f" to: {kind}}}"
            )
    return problems


def check(stack: str, config: StackConfig, root: Path = PROJECT_ROOT) -> list[str]:
    path = record_path(stack, root)
    if not path.is_file():
        return []
    return undeclared_retypes(config, json.loads(path.read_text()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.warehouse_types", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--write", action="store_true", help="record the current types")
    args = parser.parse_args(argv)
    config = parse_stack_config(args.stack, read_stack_values(args.stack))
    problems = check(args.stack, config)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if args.write and not problems:
        path = record_path(args.stack)
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(declared_types(config), indent=2, sort_keys=True) + "\n")
        print(f"recorded {path.relative_to(PROJECT_ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
