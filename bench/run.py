"""`make bench`: wall-time figures of the offline check. Prints numbers; asserts nothing.

Each stack is measured twice: a cold run (a fresh interpreter, as `make check` pays it, imports
included) and warm runs of the program evaluation alone, in-process (median of several).
"""

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial

from offline.capture import PROJECT_ROOT, capture_stack

WARM_RUNS = 5


def _cold_check(stack: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "offline.check", "--stack", stack],
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


def main() -> None:
    print("Offline check wall time (2-core target: dev under 2 s)")
    print(f"{'stack':<8}{'resources':>10}{'cold check s':>14}{'warm program s':>16}")
    for stack in ("dev", "prod"):
        resources = len(capture_stack(stack).resources)
        cold = _cold_check(stack)
        warm = _median_seconds(partial(capture_stack, stack))
        print(f"{stack:<8}{resources:>10}{cold:>14.2f}{warm:>16.3f}")


if __name__ == "__main__":
    main()
