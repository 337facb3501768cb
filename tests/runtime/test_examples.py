"""The example custom script is what docs/transformations.md shows, and declares cleanly."""

from __future__ import annotations

import re
from pathlib import Path

from stack_config.pipelines import GlueJobSettings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "runtime/glue/examples/orders_without_test_customers.py"


def test_the_documented_script_is_the_shipped_example() -> None:
    doc = (ROOT / "docs/transformations.md").read_text()
    (shown,) = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    assert shown in (ROOT / EXAMPLE).read_text()


def test_the_example_is_a_valid_script_setting() -> None:
    assert GlueJobSettings(script=EXAMPLE).script == EXAMPLE
