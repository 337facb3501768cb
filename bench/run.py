"""`make bench`: wall-time figures of the offline tools, each printed next to its target.

Prints numbers and asserts nothing (speed is never a test). Every figure but the last is a fresh
process, as a user pays it: a fresh clone's first `make check` (uv and the environment installed
from an empty cache), the whole check of each shipped stack, the whole check of dev with 10 to
200 generated pipelines, whose cost per resource shows whether the check grows linearly, and
`make run-local` of every pipeline of both shipped stacks. The last is the Glue job's curation
on a generated 1,000,000-row file in rows per second, against a minimal DataFrame curation of
the same file (bench/curation.py).
"""

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from offline.capture import PROJECT_ROOT, capture_stack, read_stack_values
from stack_config import parse_stack_config
from stack_config.pipelines import PipelineSettings

PLATFORM_KEY = "data-platform:platform"
SCALING_PIPELINES = (10, 50, 100, 200)
# Seconds of the whole check (program and policy pack) per size; None: no target, figure only.
TARGETS: dict[int, float | None] = {10: None, 50: 5.0, 100: None, 200: 20.0}
SETUP_TARGET = 20.0
CURATION_ROWS = 1_000_000
CURATION_TARGET = 1.5  # the job's time over the reference's, same run
RUN_LOCAL_TARGET = 90.0  # every pipeline of both shipped stacks, Spark started once per stack
# Used only when the stack declares no pipeline to copy; validated against PipelineSettings.
FALLBACK_PIPELINE: dict[str, Any] = {
    "name": "bench",
    "source_prefix": "bench/",
    "format": "json",
    "trigger": {"kind": "object-created"},
    "target_table": "bench",
    "required_columns": ["id", "updated_at"],
    "key_columns": ["id"],
    "order_column": "updated_at",
}


def with_pipelines(stack: str, count: int) -> dict[str, Any]:
    """The stack's config with `count` pipelines: its own, then copies of its first one."""
    values = copy.deepcopy(read_stack_values(stack))
    platform = values[PLATFORM_KEY]
    own = list(platform.get("pipelines") or [])[:count]
    template = own[0] if own else FALLBACK_PIPELINE
    PipelineSettings.model_validate(template)
    platform["pipelines"] = own + [_copy(template, i) for i in range(1, count - len(own) + 1)]
    return values


def _copy(template: Mapping[str, Any], index: int) -> dict[str, Any]:
    # Unique within the limits of ResourceName (24), TableName (63) and non-nesting prefixes.
    name = str(template["name"])[:19].rstrip("-")
    prefix = str(template["source_prefix"]).rstrip("/")
    table = str(template["target_table"])[:58]
    return {
        **copy.deepcopy(dict(template)),
        "name": f"{name}-{index:03d}",
        "source_prefix": f"{prefix}-{index:03d}/",
        "target_table": f"{table}_{index:03d}",
    }


def _timed(argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _check_seconds(stack: str, *flags: str, runs: int) -> float:
    """Median wall seconds of `python -m offline.check` in a fresh interpreter."""
    argv = [sys.executable, "-m", "offline.check", "--stack", stack, *flags]
    return statistics.median(_timed(argv, PROJECT_ROOT) for _ in range(runs))


def _verdict(figure: float, target: float | None) -> str:
    if target is None:
        return ""
    return f"target < {target:g} s: {'met' if figure < target else 'MISSED'}"


def fresh_clone_setup() -> None:
    """A clone of HEAD, an empty uv cache, and its first `make check STACK=dev`."""
    print("\nSet-up of a fresh clone (uv installed from PyPI if absent, empty uv cache)")
    with tempfile.TemporaryDirectory() as scratch:
        clone, cache = Path(scratch) / "clone", Path(scratch) / "uv-cache"
        subprocess.run(["git", "clone", "-q", str(PROJECT_ROOT), str(clone)], check=True)
        env = {**os.environ, "UV_CACHE_DIR": str(cache)}
        first = _timed(["make", "check", "STACK=dev"], clone, env)
        print(f"  first `make check STACK=dev`: {first:6.2f} s   {_verdict(first, SETUP_TARGET)}")
        again = _timed(["make", "check", "STACK=dev"], clone, env)
        print(f"  second run (environment ready): {again:6.2f} s")


def shipped_stacks(runs: int) -> None:
    print(f"\nWhole check of the shipped stacks, fresh process (median of {runs})")
    print(f"  {'stack':<8}{'resources':>10}{'check s':>10}{'ms/res':>9}{'--no-policies s':>17}")
    for stack in ("dev", "prod"):
        resources = len(capture_stack(stack).resources)
        whole = _check_seconds(stack, runs=runs)
        program = _check_seconds(stack, "--no-policies", runs=runs)
        per = 1000 * whole / resources
        print(f"  {stack:<8}{resources:>10}{whole:>10.2f}{per:>9.2f}{program:>17.2f}")


def scaling(runs: int) -> None:
    print(f"\nWhole check of dev with generated pipelines, fresh process (median of {runs})")
    print(f"  {'pipelines':>9}{'resources':>10}{'check s':>10}{'ms/res':>9}   target")
    per_resource: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for count in SCALING_PIPELINES:
            values = with_pipelines("dev", count)
            stack_file = Path(scratch) / f"Pulumi.dev-{count}.yaml"
            stack_file.write_text(yaml.safe_dump({"config": values}))
            resources = len(capture_stack("dev", values=values).resources)
            seconds = _check_seconds("dev", "--stack-file", str(stack_file), runs=runs)
            per_resource[count] = 1000 * seconds / resources
            figures = f"{count:>9}{resources:>10}{seconds:>10.2f}{per_resource[count]:>9.2f}"
            print(f"  {figures}   {_verdict(seconds, TARGETS[count])}")
    low, high = SCALING_PIPELINES[1], SCALING_PIPELINES[-1]
    ratio = per_resource[high] / per_resource[low]
    print(f"  ms/resource at {high} over {low} pipelines: {ratio:.2f} (linear growth: about 1)")


def run_local() -> None:
    """`make run-local STACK=<stack>` for each shipped stack: a fresh process each, Spark's start
    included, every pipeline of the stack end to end."""
    print("\nLocal run of every pipeline, fresh process per stack (Spark start included)")
    total = 0.0
    for stack in ("dev", "prod"):
        pipelines = len(parse_stack_config(stack, read_stack_values(stack)).platform.pipelines)
        argv = [sys.executable, "-m", "pipeline_run.local", "--stack", stack]
        seconds = _timed(argv, PROJECT_ROOT)
        total += seconds
        print(f"  {stack:<8}{pipelines:>3} pipeline(s){seconds:>9.2f} s")
    print(f"  both stacks     {total:>9.2f} s   {_verdict(total, RUN_LOCAL_TARGET)}")


def curation_speed(rows: int, runs: int) -> None:
    """The Glue job's curation on local Spark (one core, as `make run-local` runs it)."""
    from bench.curation import bench_spark, measure

    print(f"\nCuration of a generated {rows:,}-row orders file, 1 core of local Spark")
    print(f"  (median of {runs} alternating runs each, after one run of each to warm up)")
    figures = measure(bench_spark(), rows, runs)
    read, curated, superseded, rejected = figures.outputs.counts
    print(f"  read {read:,}: curated {curated:,}, superseded {superseded:,}, rejected {rejected:,}")
    rates = (
        ("job", figures.job_seconds, figures.job_runs, figures.first[0]),
        ("reference", figures.reference_seconds, figures.reference_runs, figures.first[1]),
    )
    for name, seconds, runs_, first in rates:
        each = ", ".join(f"{s:.1f}" for s in runs_)
        print(
            f"  {name:<10}{seconds:>8.2f} s {rows / seconds:>12,.0f} rows/s"
            f"   (runs {each} s; first run in the process {first:.1f} s)"
        )
    verdict = _verdict(figures.ratio, CURATION_TARGET).replace(" s:", ":")
    print(f"  job / reference: {figures.ratio:.2f}   {verdict}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--skip-setup", action="store_true", help="skip the fresh-clone set-up figure"
    )
    parser.add_argument(
        "--curation-only", action="store_true", help="print only the curation figure"
    )
    parser.add_argument(
        "--curation-rows", type=int, default=CURATION_ROWS, help="rows of the curation's file"
    )
    args = parser.parse_args(argv)
    if not args.curation_only:
        if not args.skip_setup:
            fresh_clone_setup()
        shipped_stacks(args.runs)
        scaling(args.runs)
        run_local()
    curation_speed(args.curation_rows, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
