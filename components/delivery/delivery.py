"""The machinery that ships the platform: CodeBuild projects (test, preview, deploy, drift) and
this environment's CodePipeline V2 (source, test, optional approval, deploy with rollback).

The pipeline deploys the very program that declares it, so a change to it ships through it.
"""

import pulumi
import pulumi_aws as aws

from components.delivery.access import BuildAccess, managed_policy_arns, project_access
from components.delivery.build_project import BuildProject, BuildProjectArgs
from components.delivery.events import EventWiring
from components.delivery.pipeline import PipelineFactory
from components.delivery.source import CodeSource, codecommit_source, codeconnections_source
from components.shared.aws_context import AwsEnv
from components.shared.secure_bucket import BucketRole, SecureBucket, SecureBucketArgs
from components.shared.topic import NotificationTopic
from stack_config.base import StrictModel
from stack_config.delivery import CodeCommitSource, DeliverySettings
from stack_config.lake import Lifecycle
from stack_config.protection import ProtectionSettings

ARTIFACT_LIFECYCLE = Lifecycle(expiration_days=90, noncurrent_expiration_days=30)
# The deploy role may not change its own role (access.SELF_MODIFICATIONS); such a change fails the
# Deploy stage and must be applied by an administrator.
SELF_CHANGE_ADVICE = (
    "If the deploy log shows AccessDenied with an explicit deny on the deploy role itself, the "
    "change touches the deploy role's own permissions, which the pipeline cannot ship: an "
    "administrator applies it (docs/delivery.md, Changing the deploy role's own permissions)"
)


class DeliveryArgs(StrictModel):
    """The delivery settings plus what every stack component shares."""

    delivery: DeliverySettings
    stack: str
    region: str
    name_prefix: str
    log_retention_days: int
    protection: ProtectionSettings
    account_key_alias: str
    tags: dict[str, str]


class Delivery(pulumi.ComponentResource):
    """Source, artifact bucket, build projects, the environment's pipeline and its events."""

    pipeline: aws.codepipeline.Pipeline
    projects: dict[str, BuildProject]

    def __init__(
        self,
        name: str,
        args: DeliveryArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        access_logs_bucket: pulumi.Input[str],
        alert_topic_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:delivery:Delivery", name, None, opts)
        self._name, self._args, self._env, self._key = name, args, env, kms_key_arn
        self._child = pulumi.ResourceOptions(parent=self)
        self._source = self._build_source()
        self._artifacts = self._build_artifact_bucket(access_logs_bucket)
        self._pipelines = PipelineFactory(
            name,
            env=env,
            name_prefix=args.name_prefix,
            kms_key_arn=kms_key_arn,
            artifacts_bucket=self._artifacts.name,
            source=self._source,
            tags=args.tags,
            opts=self._child,
        )
        self.projects = self._build_projects()
        self.pipeline = self._pipelines.delivery_pipeline(
            args.delivery, self.projects, self._build_approvals(), args.stack
        )
        self._build_events(alert_topic_arn)
        self.register_outputs({"pipeline": self.pipeline.name, "artifacts": self._artifacts.name})

    def _build_source(self) -> CodeSource:
        settings = self._args.delivery
        if isinstance(settings.source, CodeCommitSource):
            return codecommit_source(
                settings.source,
                branch=settings.branch,
                env=self._env,
                account_key_alias=self._args.account_key_alias,
            )
        return codeconnections_source(settings.source, branch=settings.branch)

    def _build_approvals(self) -> NotificationTopic | None:
        """The topic a manual approval notifies, where the environment requires one."""
        if not self._args.delivery.require_approval:
            return None
        return NotificationTopic(
            f"{self._name}-approvals",
            kms_key_arn=self._key,
            account_id=self._env.account_id,
            tags=self._args.tags,
            opts=self._child,
        )

    def _build_artifact_bucket(self, access_logs_bucket: pulumi.Input[str]) -> SecureBucket:
        return SecureBucket(
            f"{self._name}-artifacts",
            SecureBucketArgs(
                role=BucketRole.ARTIFACTS,
                classification="internal",
                lifecycle=ARTIFACT_LIFECYCLE,
                region=self._args.region,
                tags=self._args.tags,
                protection=self._args.protection,
            ),
            kms_key_arn=self._key,
            access_logs_bucket=access_logs_bucket,
            account_id=self._env.account_id,
            opts=self._child,
        )

    def _build_projects(self) -> dict[str, BuildProject]:
        stack, source = self._args.stack, self._source
        access = project_access(
            self._args.delivery,
            self._env,
            source,
            self._artifacts.name,
            self._args.account_key_alias,
        )
        # role: (description, whether the pipeline feeds it its source)
        specs = {
            "test": ("Lint, type check, tests and offline policy check", True),
            "deploy": (f"pulumi up of stack {stack}", True),
            "preview": (f"Pull-request preview against {stack}", source.repository_arn is None),
            "drift": (f"Drift check of stack {stack}", False),
        }
        return {
            role: self._project(role, description, access[role], in_pipeline=in_pipeline)
            for role, (description, in_pipeline) in specs.items()
        }

    def _project(
        self, role: str, description: str, access: BuildAccess, *, in_pipeline: bool
    ) -> BuildProject:
        settings, buildspec = self._args.delivery, f"buildspecs/{role}.yml"
        return BuildProject(
            f"{self._name}-{role}",
            BuildProjectArgs(
                project_name=f"{self._args.name_prefix}-{role}",
                description=description,
                buildspec=buildspec,
                compute_type=settings.compute_type,
                timeout_minutes=settings.build_timeout_minutes,
                log_retention_days=self._args.log_retention_days,
                environment={
                    "STACK": self._args.stack,
                    "PULUMI_BACKEND_URL": settings.state_backend_url,
                    "PULUMI_SECRETS_PROVIDER": settings.secrets_provider,
                    **(access.environment or {}),
                },
                tags=self._args.tags,
            ),
            env=self._env,
            kms_key_arn=self._key,
            source=self._project_source(buildspec, in_pipeline=in_pipeline),
            statements=access.statements,
            managed_policy_arns=managed_policy_arns(self._env, access.managed_policies),
            secret_environment=access.secrets,
            own_role_denials=access.own_role_denials,
            opts=self._child,
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

    def _build_events(self, alert_topic_arn: pulumi.Input[str]) -> None:
        events = EventWiring(self._env, self._args.tags, self._child)
        self._build_starts(events)
        self._build_alerts(events, alert_topic_arn)

    def _build_starts(self, events: EventWiring) -> None:
        """What starts the pipeline, the pull-request preview and the drift check."""
        settings, prefix = self._args.delivery, self._name
        repository = self._source.repository_arn
        if repository is not None:
            events.start_pipeline_on_push(
                f"{prefix}-on-push",
                repository_arn=repository,
                branch=settings.branch,
                pipeline_arn=self.pipeline.arn,
            )
        if settings.pull_request_previews:
            if repository is not None:
                events.preview_pull_requests(
                    f"{prefix}-on-pull-request",
                    repository_arn=repository,
                    branch=settings.branch,
                    project_arn=self.projects["preview"].project.arn,
                )
            else:
                self._pipelines.preview_pipeline(self.projects["preview"], settings.branch)
        events.scheduled_build(
            f"{prefix}-drift-schedule",
            schedule=settings.drift_schedule,
            project_arn=self.projects["drift"].project.arn,
        )

    def _build_alerts(self, events: EventWiring, alert_topic_arn: pulumi.Input[str]) -> None:
        """A failed deployment or detected drift reaches the alert topic."""
        prefix = self._name
        events.alert_on(
            f"{prefix}-pipeline-failed",
            description=f"Delivery pipeline of {self._args.stack} failed",
            pattern={
                "source": ["aws.codepipeline"],
                "detail-type": ["CodePipeline Pipeline Execution State Change"],
                "resources": [self.pipeline.arn],
                "detail": {"state": ["FAILED"]},
            },
            topic_arn=alert_topic_arn,
            advice=SELF_CHANGE_ADVICE,
        )
        events.alert_on(
            f"{prefix}-drift-detected",
            description=f"Drift detected in stack {self._args.stack}",
            pattern={
                "source": ["aws.codebuild"],
                "detail-type": ["CodeBuild Build State Change"],
                "detail": {
                    "build-status": ["FAILED"],
                    "project-name": [self.projects["drift"].project.name],
                },
            },
            topic_arn=alert_topic_arn,
        )
