"""The pack's facts about pulumi-aws agree with the installed SDK: generated files are fresh,
every rule covers whole type families, and each provider default is the one the SDK documents."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from policies.framework.sdk_data import DEFAULTS, SECRET_INPUTS, SUCCESSORS, family
from policies.registry import RULES
from policies.tools import gen_families, gen_secret_inputs, gen_taggable
from policies.tools.sdk import class_body, sdk_root

ROOT = Path(__file__).resolve().parents[2]
GENERATORS = [gen_taggable, gen_families, gen_secret_inputs]


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda g: g.__name__.rsplit(".", 1)[1])
def test_generated_data_is_fresh(generator: object) -> None:
    assert generator.main(["--check"]) == 0, f"run python -m {generator.__name__}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "module",
    ["policies.catalog", *(g.__name__ for g in GENERATORS)],
)
def test_generators_answer_help_without_writing(module: str) -> None:
    outputs = [ROOT / "docs" / "policies.md", *(g.OUTPUT for g in GENERATORS)]
    before = {p: p.stat().st_mtime_ns for p in outputs}
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "--check" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in outputs} == before


def test_s3_families_come_from_the_sdk() -> None:
    assert family("aws:s3/bucket:Bucket") == ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
    assert SUCCESSORS["aws:s3/bucketVersioningV2:BucketVersioningV2"] == (
        "aws:s3/bucketVersioning:BucketVersioning"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.id)
def test_every_rule_judges_whole_families(rule: object) -> None:
    types = set(rule.meta.resource_types)  # type: ignore[attr-defined]
    assert {member for t in types for member in family(t)} <= types


def test_the_sdk_marks_the_credentials_secret() -> None:
    assert "masterPassword" in SECRET_INPUTS["aws:redshift/cluster:Cluster"]
    assert "secretString" in SECRET_INPUTS["aws:secretsmanager/secretVersion:SecretVersion"]
    assert "connectionProperties" in SECRET_INPUTS["aws:glue/connection:Connection"]


@pytest.mark.parametrize("default", DEFAULTS.values(), ids=lambda d: f"{d.type}.{d.input}")
def test_each_provider_default_is_documented_by_the_sdk(default: object) -> None:
    source = (sdk_root() / default.file).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    body = class_body(source, default.args)  # type: ignore[attr-defined]
    param = re.search(
        rf":param [^\n]* {default.param}:(.*?)(?=\n\s*:param|\n\s*\"\"\")",  # type: ignore[attr-defined]
        body,
        re.S,
    )
    assert param is not None
    assert default.documented in " ".join(param.group(1).split())  # type: ignore[attr-defined]
