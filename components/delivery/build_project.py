"""A CodeBuild project that is safe by construction: its own role, the customer key for
artifacts, a KMS-encrypted log group, never privileged, and a buildspec from the repo.

The role has the project's name: roles in other accounts trust it by that name.
"""

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.shared.aws_context import AwsEnv
from components.shared.iam import Statement, allow, service_role
from components.shared.log_group import encrypted_log_group
from stack_config.base import StrictModel

IMAGE = "aws/codebuild/standard:7.0"


class BuildProjectArgs(StrictModel):
    """What the project runs and how big it is."""

    project_name: str
    description: str
    buildspec: str
    compute_type: str
    timeout_minutes: int
    log_retention_days: int
    environment: dict[str, str]
    tags: dict[str, str]


class BuildProject(pulumi.ComponentResource):
    """Log group, least-privilege role and the CodeBuild project."""

    project: aws.codebuild.Project
    role: aws.iam.Role

    def __init__(
        self,
        name: str,
        args: BuildProjectArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        source: aws.codebuild.ProjectSourceArgs,
        statements: Sequence[Statement],
        secret_environment: Mapping[str, pulumi.Input[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:delivery:BuildProject", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        log_group = encrypted_log_group(
            f"{name}-logs",
            log_group_name=f"/aws/codebuild/{args.project_name}",
            retention_days=args.log_retention_days,
            kms_key_arn=kms_key_arn,
            tags=args.tags,
            opts=child,
        )
        project_arn = env.arn("codebuild", f"project/{args.project_name}")
        self.role = service_role(
            f"{name}-role",
            service="codebuild.amazonaws.com",
            source_account=env.account_id,
            statements=[
                allow(
                    ["logs:CreateLogStream", "logs:PutLogEvents"],
                    [log_group.arn.apply(lambda arn: f"{arn}:*")],
                ),
                allow(
                    [
                        "codebuild:CreateReportGroup",
                        "codebuild:CreateReport",
                        "codebuild:UpdateReport",
                        "codebuild:BatchPutTestCases",
                    ],
                    [env.arn("codebuild", f"report-group/{args.project_name}-*")],
                ),
                allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], [kms_key_arn]),
                *statements,
            ],
            tags=args.tags,
            opts=child,
            name=args.project_name,
        )
        variables = [
            aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(name=k, value=v)
            for k, v in sorted(args.environment.items())
        ] + [
            aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(
                name=k, value=v, type="SECRETS_MANAGER"
            )
            for k, v in sorted((secret_environment or {}).items())
        ]
        self.project = aws.codebuild.Project(
            f"{name}-project",
            name=args.project_name,
            description=args.description,
            service_role=self.role.arn,
            encryption_key=kms_key_arn,
            build_timeout=args.timeout_minutes,
            source=source,
            artifacts=aws.codebuild.ProjectArtifactsArgs(
                type="CODEPIPELINE" if source.type == "CODEPIPELINE" else "NO_ARTIFACTS"
            ),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                type="LINUX_CONTAINER",
                image=IMAGE,
                compute_type=args.compute_type,
                privileged_mode=False,
                environment_variables=variables,
            ),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    status="ENABLED", group_name=log_group.name
                ),
            ),
            tags=args.tags,
            opts=child,
        )
        self.register_outputs({"name": self.project.name, "arn": project_arn})
