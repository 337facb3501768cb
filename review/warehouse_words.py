"""The warehouse's changes in words, from the declared inputs of its objects before and after
(a capture or a preview's old and new inputs): tables and columns added, columns retyped,
renamed or dropped by a migration, tables removed (kept or dropped), roles and users added or
removed, load procedures replaced."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from review.layout import Block

WAREHOUSE_TYPE = "pulumi-python:dynamic/warehouse:"


def warehouse_block(
    base: Sequence[Mapping[str, Any]], head: Sequence[Mapping[str, Any]]
) -> list[Block]:
    """A comment's "Warehouse changes" section, when there are any."""
    lines = warehouse_changes(base, head)
    if not lines:
        return []
    return [Block(head=("### Warehouse changes", "", *(f"- {line}" for line in lines), ""))]


def warehouse_changes(
    base: Sequence[Mapping[str, Any]], head: Sequence[Mapping[str, Any]]
) -> list[str]:
    """One sentence per change of a warehouse object between `base` and `head`."""
    before, after = _objects(base), _objects(head)
    lines: list[str] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        kind = key[0]
        if kind == "Table":
            lines += _table(old, new)
        elif kind == "LoadProcedure" and old and new and old["definition"] != new["definition"]:
            lines.append(f"load procedure {new['schema']}.{new['name']} is replaced")
        elif kind in ("Role", "User") and (old is None) != (new is None):
            name = (new or old or {}).get(kind.lower())
            verb = "is created (or adopted)" if new else "is revoked everywhere and dropped"
            lines.append(f"{kind.lower()} {name} {verb}")
    return lines


def _objects(resources: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (str(r["type"]).removeprefix(WAREHOUSE_TYPE), str(r["name"])): dict(r.get("inputs") or {})
        for r in resources
        if str(r.get("type", "")).startswith(WAREHOUSE_TYPE)
    }


def _table(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    if new is None and old is not None:
        fate = (
            "dropped with its rows"
            if old.get("drop_on_delete")
            else "kept with its rows (dropped only if empty), its grants revoked"
        )
        return [f"table {old['schema']}.{old['table']} is no longer declared: {fate}"]
    assert new is not None
    name = f"{new['schema']}.{new['table']}"
    if old is None:
        return [f"table {name} is created (or adopted) with {len(new['columns'])} columns"]
    lines = []
    before, now = dict(map(tuple, old["columns"])), dict(map(tuple, new["columns"]))
    known = {int(m["version"]) for m in old.get("migrations") or []}
    for migration in new.get("migrations") or []:
        if int(migration["version"]) in known:
            continue
        target = f" to {migration['to']}" if migration.get("to") else ""
        lines.append(
            f"table {name}: migration {migration['version']} {migration['kind']}s column"
            f" {migration['column']}{target}, keeping every row"
        )
    for column, kind in now.items():
        if column not in before:
            lines.append(f"table {name}: column {column} {kind} is added")
        elif before[column] != kind and not lines:
            lines.append(f"table {name}: column {column} {before[column]} -> {kind} (undeclared)")
    for column in before.keys() - now.keys():
        lines.append(
            f"table {name}: column {column} is no longer declared (kept, empty in new rows)"
        )
    return lines
