"""The release's CodeBuild projects: one Test, then per environment Preview, Deploy, Verify,
Confirm and Drift, and one for pull-request previews of every environment. Each gets the role it
assumes in the environment's account through `RELEASE_TARGETS`, and no other.
"""

from collections.abc import Sequence
from dataclasses import replace

import pulumi
import pulumi_aws as aws

from components.delivery.access import (
    BuildAccess,
    artifact_statements,
    checkout_access,
    pull_request_access,
    stage_access,
)
from components.delivery.build_project import BuildProject, BuildProjectArgs
from components.delivery.names import (
    PIPELINE,
    PULL_REQUEST_PROJECT,
    TARGET_DEPLOY_ROLE,
    TARGET_DRIFT_ROLE,
    TARGET_PREVIEW_ROLE,
    TARGET_PULL_REQUEST_ROLE,
    TEST_PROJECT,
    StageJob,
    stage_project,
)
from components.delivery.release_targets import StageTarget, targets_variable
from components.delivery.source import CodeSource
from components.shared.aws_context import AwsEnv
from stack_config.release import ReleaseSettings

# Verify may wait this long for each canary; its build needs room around it.
VERIFY_BUILD_MARGIN_MINUTES = 20
MAX_BUILD_MINUTES = 480
# Which of bootstrap's roles each job assumes (None: the stack's own verify role).
JOB_ROLES: dict[StageJob, str | None] = {
    "preview": TARGET_PREVIEW_ROLE,
    "deploy": TARGET_DEPLOY_ROLE,
    "verify": None,
    "confirm": TARGET_DRIFT_ROLE,
    "drift": TARGET_DRIFT_ROLE,
}
# Confirm runs the drift check's buildspec on the commit its stage just deployed and verified.
BUILDSPECS: dict[StageJob, str] = {"confirm": "drift"}
DESCRIPTIONS: dict[StageJob, str] = {
    "confirm": "Refresh of stack {stack} right after its Verify: no change expected",
}
# Lists the stages a pull request's build does not preview (their accounts trust it with nothing).
UNPREVIEWED = "UNPREVIEWED_STACKS"


class ProjectFactory:
    """Creates the release's projects as children of one component."""

    def __init__(
        self,
        name: str,
        settings: ReleaseSettings,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        artifacts: pulumi.Input[str],
        source: CodeSource,
        log_retention_days: int,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        self._name, self._settings, self._env = name, settings, env
        self._key, self._artifacts = kms_key_arn, artifacts
        self._source, self._retention, self._tags, self._opts = (
            source,
            log_retention_days,
            tags,
            opts,
        )

    def test(self) -> BuildProject:
        access = BuildAccess(artifact_statements(self._env, self._artifacts))
        return self._project(
            TEST_PROJECT, "Tests and offline checks of every stack", "test", access
        )

    def stage(self, target: StageTarget, job: StageJob) -> BuildProject:
        """The project of one job of one environment."""
        partition = self._env.partition
        role = JOB_ROLES[job]
        role_arn = target.job_role_arn(partition, role)
        access = (
            checkout_access(self._source, role_arn)
            if job == "drift"
            else stage_access(self._env, self._artifacts, role_arn)
        )
        timeout = self._settings.build_timeout_minutes
        if job == "verify":
            timeout = target.verify_timeout_minutes + VERIFY_BUILD_MARGIN_MINUTES
        environment = {**(access.environment or {}), **self._stage_environment(target, job)}
        description = DESCRIPTIONS.get(job, f"{job.capitalize()} of stack {{stack}}")
        return self._project(
            stage_project(target.stack, job),
            description.format(stack=target.stack),
            BUILDSPECS.get(job, job),
            replace(access, environment=environment or None),
            targets=(target,),
            role=role,
            timeout=timeout,
            in_pipeline=job != "drift",
        )

    def _stage_environment(self, target: StageTarget, job: StageJob) -> dict[str, str]:
        """A preview says whether an approval follows it (its broadening gate); previews and
        deploys whether update plans are on."""
        environment: dict[str, str] = {}
        if job == "preview":
            environment["STAGE_APPROVAL"] = "true" if target.approval else "false"
        if job in ("preview", "deploy"):
            environment["UPDATE_PLANS"] = "true" if self._settings.update_plans else "false"
        return environment

    def pull_requests(self, targets: Sequence[StageTarget]) -> BuildProject:
        """Previews of the stages pull requests may preview, as each account's pull-request
        role; the others are named so that the comment says they were not previewed."""
        partition = self._env.partition
        previewed = [t for t in targets if t.pull_request_preview]
        roles = [t.role_arn(partition, TARGET_PULL_REQUEST_ROLE) for t in previewed]
        access = pull_request_access(
            self._settings, self._env, self._source, self._artifacts, roles
        )
        skipped = " ".join(t.stack for t in targets if not t.pull_request_preview)
        environment = {**(access.environment or {}), UNPREVIEWED: skipped}
        return self._project(
            PULL_REQUEST_PROJECT,
            "Pull-request previews of the stages pull requests may preview",
            "pull-request",
            replace(access, environment=environment),
            targets=tuple(previewed),
            role=TARGET_PULL_REQUEST_ROLE,
            in_pipeline=self._source.repository_arn is None,
        )

    def _project(
        self,
        name: str,
        description: str,
        buildspec: str,
        access: BuildAccess,
        *,
        targets: tuple[StageTarget, ...] = (),
        role: str | None = None,
        timeout: int | None = None,
        in_pipeline: bool = True,
    ) -> BuildProject:
        environment = dict(access.environment or {})
        if targets:
            partition = self._env.partition
            environment["RELEASE_TARGETS"] = targets_variable(
                targets, role=role, partition=partition
            )
        if len(targets) == 1 and role != TARGET_PULL_REQUEST_ROLE:
            environment["STACK"] = targets[0].stack
        spec = f"buildspecs/{buildspec}.yml"
        return BuildProject(
            f"{self._name}-{name.removeprefix(f'{PIPELINE}-')}",
            BuildProjectArgs(
                project_name=name,
                description=description,
                buildspec=spec,
                compute_type=self._settings.compute_type,
                timeout_minutes=min(
                    timeout or self._settings.build_timeout_minutes, MAX_BUILD_MINUTES
                ),
                log_retention_days=self._retention,
                environment=environment,
                tags=self._tags,
            ),
            env=self._env,
            kms_key_arn=self._key,
            source=self._project_source(spec, in_pipeline=in_pipeline),
            statements=access.statements,
            secret_environment=access.secrets,
            opts=self._opts,
        )

    def _project_source(
        self, buildspec: str, *, in_pipeline: bool
    ) -> aws.codebuild.ProjectSourceArgs:
        if in_pipeline:
            return aws.codebuild.ProjectSourceArgs(type="CODEPIPELINE", buildspec=buildspec)
        checkout = self._source.build_source
        return aws.codebuild.ProjectSourceArgs(
            type=checkout.type, location=checkout.location, auth=checkout.auth, buildspec=buildspec
        )
