"""The fixed names the release depends on across accounts.

The delivery stack's build roles, bootstrap's target roles in each environment's account and each
environment's verify role name one another in trust policies and `sts:AssumeRole` grants before
any of them exists, so each has a fixed name derived here and nowhere else.
"""

from typing import Literal

from components.shared.iam import ROLE_PATH

RELEASE_PREFIX = "data-platform-release"
TEST_PROJECT = f"{RELEASE_PREFIX}-test"
PULL_REQUEST_PROJECT = f"{RELEASE_PREFIX}-pull-requests"
PIPELINE = RELEASE_PREFIX
# Bootstrap's roles live outside ROLE_PATH, so a deploy, which may manage only the platform's
# roles (ROLE_PATH), cannot change the roles it runs as.
TARGET_ROLE_PATH = "/data-platform-release/"
TARGET_DEPLOY_ROLE = f"{RELEASE_PREFIX}-deploy"
TARGET_PREVIEW_ROLE = f"{RELEASE_PREFIX}-preview"
# The drift builds' (the scheduled check and the release's Confirm after each Verify): what a
# refresh reads, plus the warehouse catalog (Data API) as a database user that may read nothing
# else.
TARGET_DRIFT_ROLE = f"{RELEASE_PREFIX}-drift"
# The pull-request build's, only in accounts whose bootstrap lists stacks pull requests preview:
# it reads those stacks' state and nothing of any other stack's.
TARGET_PULL_REQUEST_ROLE = f"{RELEASE_PREFIX}-pull-request"
# The Pulumi project of the platform stacks (its `Project` tag, its state's path).
PLATFORM_PROJECT = "data-platform"

StageJob = Literal["preview", "deploy", "verify", "confirm", "drift"]
STAGE_JOBS: tuple[StageJob, ...] = ("preview", "deploy", "verify", "confirm", "drift")
DRIFT_JOBS: tuple[StageJob, ...] = ("confirm", "drift")
"""The jobs that refresh a stack as the drift role and expect no change: the release's Confirm,
right after its Verify, on the commit just deployed, and the scheduled check on the branch."""


def stage_project(stack: str, job: StageJob) -> str:
    """The CodeBuild project, and its role, that runs `job` for one stage's stack."""
    return f"{RELEASE_PREFIX}-{stack}-{job}"


def build_role_arn(partition: str, account: str, project: str) -> str:
    """The ARN of a delivery build role (named as its project, under ROLE_PATH)."""
    return f"arn:{partition}:iam::{account}:role{ROLE_PATH}{project}"


def target_role_arn(partition: str, account: str, name: str) -> str:
    """The ARN of one of bootstrap's roles (TARGET_*_ROLE) in an environment's account."""
    return f"arn:{partition}:iam::{account}:role{TARGET_ROLE_PATH}{name}"


def platform_prefix(project: str, environment: str) -> str:
    """The prefix of a platform stack's physical names (`data-platform-<environment>`)."""
    return f"{project}-{environment}"


def verify_role_name(platform_prefix: str) -> str:
    """The verify role of a platform stack (`data-platform-<environment>`), under ROLE_PATH."""
    return f"{platform_prefix}-verify"


def verify_role_arn(partition: str, account: str, platform_prefix: str) -> str:
    return f"arn:{partition}:iam::{account}:role{ROLE_PATH}{verify_role_name(platform_prefix)}"
