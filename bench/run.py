"""`make bench`: wall-time figures of the offline check. Prints numbers; asserts nothing.

Cold runs are a fresh interpreter, as `make check` pays it (imports and the policy pack included).
Scaling runs evaluate the dev program in-process with 1, 10 and 50 generated pipelines, so the
cost per resource shows whether evaluation grows linearly. Warm runs split one check into its two
phases, in-process, median of several runs: evaluating the program under mocks, and evaluating the
policy pack over the capture (pack start-up included), for the shipped stacks and for dev with
generated pipelines.
"""

import copy
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from offline.analyzer import run_policy_pack
from offline.capture import PROJECT_ROOT, Capture, capture_stack, read_stack_values
from offline.policy_check import PACK_DIRNAME, load_policy_config
from offline.report import to_json_resources
from stack_config.pipelines import PipelineSettings

WARM_RUNS = 5
GENERATED_RUNS = 3
GENERATED_PIPELINES = 50
SCALING_PIPELINES = (1, 10, GENERATED_PIPELINES)
PLATFORM_KEY = "data-platform:platform"
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


@dataclass(frozen=True)
class Case:
    label: str
    stack: str
    values: Mapping[str, Any] | None = None
    runs: int = WARM_RUNS


@dataclass(frozen=True)
class Evaluation:
    """One case's program evaluation: the last capture, median wall and process CPU seconds."""

    capture: Capture
    wall: float
    cpu: float

    @property
    def ms_per_resource(self) -> float:
        return 1000 * self.wall / max(len(self.capture.resources), 1)


def _cold_check(stack: str, *flags: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "offline.check", "--stack", stack, *flags],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def _median_seconds(run: Callable[[], object], runs: int = WARM_RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


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


def _evaluate(case: Case) -> Evaluation:
    """Median wall and CPU seconds of evaluating the program (config validation included)."""
    captures, walls, cpus = [], [], []
    for _ in range(case.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        captures.append(capture_stack(case.stack, values=case.values))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return Evaluation(captures[-1], statistics.median(walls), statistics.median(cpus))


def _measure(case: Case, evaluation: Evaluation | None = None) -> tuple[int, int, float, float]:
    """Pipelines, resources, median program seconds and median policy seconds of one case."""
    evaluation = evaluation or _evaluate(case)
    capture = evaluation.capture
    resources = to_json_resources(capture.resources)
    pack = PROJECT_ROOT / PACK_DIRNAME
    config = load_policy_config(pack, case.stack)
    policies = _median_seconds(lambda: run_policy_pack(pack, resources, config=config), case.runs)
    return len(capture.config.platform.pipelines), len(resources), evaluation.wall, policies


def _print_scaling(evaluations: Mapping[int, Evaluation]) -> None:
    print(f"\nProgram evaluation by size, dev + generated pipelines (median of {GENERATED_RUNS})")
    header = ("pipelines", "resources", "wall s", "cpu s", "ms/resource")
    print("".join(f"{h:>12}" for h in header))
    for pipelines, run in evaluations.items():
        figures = f"{run.wall:>12.3f}{run.cpu:>12.3f}{run.ms_per_resource:>12.2f}"
        print(f"{pipelines:>12}{len(run.capture.resources):>12}{figures}")


def main() -> None:
    print("Offline check wall time, cold (2-core targets: dev whole check under 3 s)")
    print(f"{'stack':<8}{'resources':>10}{'check s':>10}{'--no-policies s':>17}")
    for stack in ("dev", "prod"):
        resources = len(capture_stack(stack).resources)
        full, program_only = _cold_check(stack), _cold_check(stack, "--no-policies")
        print(f"{stack:<8}{resources:>10}{full:>10.2f}{program_only:>17.2f}")
    generated = {
        count: Case(f"dev+{count}p", "dev", with_pipelines("dev", count), GENERATED_RUNS)
        for count in SCALING_PIPELINES
    }
    scaling = {count: _evaluate(case) for count, case in generated.items()}
    _print_scaling(scaling)
    largest = generated[GENERATED_PIPELINES]
    cases = [Case("dev", "dev"), Case("prod", "prod"), largest]
    print("\nWarm phases, in-process (median)")
    header = ("stack", "pipelines", "resources", "program s", "policies s", "total s")
    print(f"{header[0]:<10}" + "".join(f"{h:>12}" for h in header[1:]))
    for case in cases:
        # The largest generated case reuses its scaling run rather than evaluating it again.
        known = scaling[GENERATED_PIPELINES] if case is largest else None
        pipelines, resources, program, policies = _measure(case, known)
        figures = f"{program:>12.3f}{policies:>12.3f}{program + policies:>12.3f}"
        print(f"{case.label:<10}{pipelines:>12}{resources:>12}{figures}")


if __name__ == "__main__":
    main()
