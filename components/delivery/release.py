"""The release machinery of the delivery stack: the source, an artifact bucket, the build projects
(`release_projects.py`), the release pipeline (`stages.py`), its alert topic, and the EventBridge
wiring that starts builds and raises alerts.

One execution takes one commit through Test and then each environment in promotion order; a
failed Deploy or Verify rolls that environment back, ends the execution and raises an alert.
"""

import pulumi
import pulumi_aws as aws

from components.delivery.build_project import BuildProject
from components.delivery.events import EventWiring
from components.delivery.names import (
    PIPELINE,
    PULL_REQUEST_PROJECT,
    STAGE_JOBS,
    TEST_PROJECT,
    StageJob,
    stage_project,
)
from components.delivery.pipeline import PipelineFactory
from components.delivery.release_events import alert_rules, wire_alerts
from components.delivery.release_projects import ProjectFactory
from components.delivery.release_targets import StageTarget
from components.delivery.source import CodeSource, codecommit_source, codeconnections_source
from components.delivery.stages import StageProjects
from components.shared.aws_context import AwsEnv
from components.shared.secure_bucket import BucketRole, SecureBucket, SecureBucketArgs
from components.shared.topic import NotificationTopic, subscribe
from stack_config.base import StrictModel
from stack_config.lake import Lifecycle
from stack_config.release import CodeCommitSource, ReleaseSettings

ARTIFACT_LIFECYCLE = Lifecycle(expiration_days=90, noncurrent_expiration_days=30)


class ReleaseArgs(StrictModel):
    """The release settings, the environments resolved from their stack files, shared values."""

    release: ReleaseSettings
    stack: str
    stages: tuple[StageTarget, ...]
    region: str
    log_retention_days: int
    tags: dict[str, str]


class Release(pulumi.ComponentResource):
    """Source, artifact bucket, build projects, the release pipeline, its topic and events."""

    pipeline: aws.codepipeline.Pipeline
    projects: dict[str, BuildProject]
    alerts: NotificationTopic

    def __init__(
        self,
        name: str,
        args: ReleaseArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        access_logs_bucket: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:delivery:Release", name, None, opts)
        self._name, self._args, self._env, self._key = name, args, env, kms_key_arn
        self._child = pulumi.ResourceOptions(parent=self)
        self._source = self._build_source()
        artifacts = self._build_artifact_bucket(access_logs_bucket)
        self.alerts = self._build_alerts()
        self.projects = self._build_projects(artifacts.name)
        self._pipelines = PipelineFactory(
            name,
            env=env,
            kms_key_arn=kms_key_arn,
            artifacts_bucket=artifacts.name,
            source=self._source,
            tags=args.tags,
            opts=self._child,
        )
        self.pipeline = self._pipelines.release_pipeline(
            PIPELINE,
            settings=args.release,
            test=self.projects[TEST_PROJECT],
            stages=[self._stage(target) for target in args.stages],
            approvals=self.alerts.arn,
            test_stacks=[*(t.stack for t in args.stages), args.stack],
        )
        self._build_events()
        self.register_outputs({"pipeline": self.pipeline.name, "artifacts": artifacts.name})

    def _build_source(self) -> CodeSource:
        settings = self._args.release
        if isinstance(settings.source, CodeCommitSource):
            return codecommit_source(
                settings.source,
                branch=settings.branch,
                env=self._env,
                account_key_alias=settings.account.key_alias,
            )
        return codeconnections_source(settings.source, branch=settings.branch)

    def _build_artifact_bucket(self, access_logs_bucket: pulumi.Input[str]) -> SecureBucket:
        return SecureBucket(
            f"{self._name}-artifacts",
            SecureBucketArgs(
                role=BucketRole.ARTIFACTS,
                classification="internal",
                lifecycle=ARTIFACT_LIFECYCLE,
                region=self._args.region,
                tags=self._args.tags,
                protection=self._args.release.protection,
            ),
            kms_key_arn=self._key,
            access_logs_bucket=access_logs_bucket,
            account_id=self._env.account_id,
            opts=self._child,
        )

    def _build_alerts(self) -> NotificationTopic:
        """The topic of failed releases, detected drift and pending approvals."""
        topic = NotificationTopic(
            f"{self._name}-alerts",
            kms_key_arn=self._key,
            account_id=self._env.account_id,
            tags=self._args.tags,
            opts=self._child,
        )
        subscribe(f"{self._name}-alerts", topic.arn, self._args.release.alerts, self._child)
        return topic

    def _build_projects(self, artifacts: pulumi.Input[str]) -> dict[str, BuildProject]:
        factory = ProjectFactory(
            self._name,
            self._args.release,
            env=self._env,
            kms_key_arn=self._key,
            artifacts=artifacts,
            source=self._source,
            log_retention_days=self._args.log_retention_days,
            tags=self._args.tags,
            opts=self._child,
        )
        projects = {TEST_PROJECT: factory.test()}
        for target in self._args.stages:
            for job in STAGE_JOBS:
                projects[stage_project(target.stack, job)] = factory.stage(target, job)
        if self._args.release.pull_request_previews:
            projects[PULL_REQUEST_PROJECT] = factory.pull_requests(self._args.stages)
        return projects

    def _stage(self, target: StageTarget) -> StageProjects:
        def project(job: StageJob) -> BuildProject:
            return self.projects[stage_project(target.stack, job)]

        return StageProjects(
            target.stack,
            target.approval,
            project("preview"),
            project("deploy"),
            project("verify"),
            project("confirm"),
        )

    def _build_events(self) -> None:
        """What starts the release and the builds, and which failures reach the alert topic."""
        events = EventWiring(self._env, self._args.tags, self._child)
        settings, prefix, repository = self._args.release, self._name, self._source.repository_arn
        if repository is not None:
            events.start_pipeline_on_push(
                f"{prefix}-on-push",
                repository_arn=repository,
                branch=settings.branch,
                pipeline_arn=self.pipeline.arn,
            )
        previews = self.projects.get(PULL_REQUEST_PROJECT)
        if previews is not None and repository is not None:
            events.preview_pull_requests(
                f"{prefix}-on-pull-request",
                repository_arn=repository,
                branch=settings.branch,
                project_arn=previews.project.arn,
            )
        elif previews is not None:
            self._pipelines.pull_request_pipeline(
                f"{PIPELINE}-pull-requests", previews, settings.branch
            )
        for target in self._args.stages:
            events.scheduled_build(
                f"{prefix}-{target.stack}-drift-schedule",
                schedule=settings.drift_schedule,
                project_arn=self.projects[stage_project(target.stack, "drift")].project.arn,
            )
        drift = [stage_project(t.stack, "drift") for t in self._args.stages]
        wire_alerts(events, prefix, alert_rules(self.pipeline.arn, drift), self.alerts.arn)
