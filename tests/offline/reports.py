"""Findings reports as tests read them: SARIF validated against the SARIF 2.1.0 schema."""

import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-2.1.0-rtm.5.json"


def sarif(path: Path) -> dict[str, Any]:
    """The SARIF log at `path`; fails the test unless the SARIF 2.1.0 schema accepts it."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema, cls=jsonschema.Draft4Validator)
    return document
