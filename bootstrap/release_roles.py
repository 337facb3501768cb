"""The roles a release pipeline's builds assume in this account: deploy and preview, each trusting
only the delivery account's build roles of the stacks this account hosts, with the external id.

They exist before any stack of the account and outside the platform's role path, so no deploy
can change them; the deploy role also carries a policy that denies changing itself.
"""

import pulumi
import pulumi_aws as aws

from bootstrap.settings import ReleaseTrust
from components.delivery.names import (
    PULL_REQUEST_PROJECT,
    TARGET_DEPLOY_ROLE,
    TARGET_PREVIEW_ROLE,
    TARGET_ROLE_PATH,
    stage_project,
)
from components.delivery.target_access import (
    READ_ONLY_POLICY,
    SELF_MODIFICATIONS,
    deploy_statements,
    managed_policy_arns,
    preview_statements,
)
from components.delivery.trust import release_trust
from components.shared.aws_context import AwsEnv
from components.shared.iam import deny, policy_document, trusted_role


class ReleaseRoles(pulumi.ComponentResource):
    """The deploy role and the read-only preview role of the release pipeline."""

    deploy_role: aws.iam.Role
    preview_role: aws.iam.Role

    def __init__(
        self,
        name: str,
        settings: ReleaseTrust,
        *,
        env: AwsEnv,
        state_bucket: pulumi.Input[str],
        key_alias: str,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:bootstrap:ReleaseRoles", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        delivery = settings.delivery_account_id or env.account_id

        def trust(projects: list[str]) -> dict[str, object]:
            return release_trust(
                partition=env.partition,
                delivery_account=delivery,
                projects=projects,
                external_id=settings.external_id,
            )

        self.deploy_role = trusted_role(
            f"{name}-deploy",
            trust=trust([stage_project(s, "deploy") for s in settings.stacks]),
            statements=deploy_statements(env, state_bucket, key_alias),
            tags=tags,
            opts=child,
            name=TARGET_DEPLOY_ROLE,
            path=TARGET_ROLE_PATH,
        )
        aws.iam.RolePolicy(
            f"{name}-deploy-self-protection",
            role=self.deploy_role.id,
            policy=policy_document([deny(SELF_MODIFICATIONS, [self.deploy_role.arn])]),
            opts=child,
        )
        readers = [stage_project(s, job) for s in settings.stacks for job in ("preview", "drift")]
        self.preview_role = trusted_role(
            f"{name}-preview",
            trust=trust([*readers, PULL_REQUEST_PROJECT]),
            statements=preview_statements(env, state_bucket, key_alias),
            managed_policy_arns=managed_policy_arns(env, (READ_ONLY_POLICY,)),
            tags=tags,
            opts=child,
            name=TARGET_PREVIEW_ROLE,
            path=TARGET_ROLE_PATH,
        )
        self.register_outputs(
            {"deploy_role": self.deploy_role.arn, "preview_role": self.preview_role.arn}
        )
