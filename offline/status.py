"""Exit statuses of `python -m offline.check`, the same for `--stack` and `--program`.

A failed program outranks violations (its findings cover only what it declared before it
failed); the README's "Exit codes" table lists them.
"""

from typing import Final

OK: Final = 0
VIOLATIONS: Final = 1  # a mandatory policy is violated, or the stack is over its cost budget
USAGE: Final = 2  # bad arguments, program directory, stack file, policy config or answers file
PROGRAM_FAILED: Final = 3  # raised, exited early, timed out, was killed or logged an error
PACK_FAILED: Final = 4  # the policy pack could not start, timed out or failed a call

NAMES: Final = {
    OK: "passed",
    VIOLATIONS: "violations",
    USAGE: "usage",
    PROGRAM_FAILED: "program-failed",
    PACK_FAILED: "pack-failed",
}
