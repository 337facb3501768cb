"""Both warehouse variants are encrypted, private, TLS-only and audit-logged, load through a
read-only COPY role, and give the state machine exactly the Data API rights it needs."""

import fnmatch
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from components.shared.iam import Statement
from components.shared.tagging import is_taggable
from components.warehouse.warehouse import Warehouse, WarehouseArgs
from offline.arns import generated_uuid
from offline.capture import Capture
from offline.mocks import Registration
from stack_config.protection import ProtectionSettings
from stack_config.warehouse import ProvisionedWarehouse, ServerlessWarehouse, WarehouseSettings
from tests.components.helpers import by_name, children_of, policy_statements

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/test"
BUCKET_ARN = "arn:aws:s3:::dp-curated"
CIDR = "10.20.0.0/16"
SUBNETS = ["subnet-a", "subnet-b", "subnet-c"]
AUDIT_LOGS = ["connectionlog", "userlog", "useractivitylog"]

SERVERLESS = ServerlessWarehouse(
    kind="serverless",
    classification="confidential",
    load_schema="curated",
    base_capacity_rpu=8,
    max_capacity_rpu=32,
)
PROVISIONED = ProvisionedWarehouse(
    kind="provisioned",
    classification="confidential",
    load_schema="curated",
    node_type="ra3.xlplus",
    number_of_nodes=2,
    automated_snapshot_retention_days=35,
)


def _run(
    run: Runner,
    settings: WarehouseSettings,
    *,
    protect: bool = False,
    outputs: dict[str, Any] | None = None,
) -> dict[str, Registration]:
    def program() -> None:
        args = WarehouseArgs(
            warehouse=settings,
            name_prefix="dp-test",
            region="eu-west-1",
            tags={"Environment": "test"},
            log_retention_days=30,
            protection=ProtectionSettings(protect=protect, retain_on_delete=protect),
        )
        warehouse = Warehouse(
            "dwh",
            args,
            kms_key_arn=KEY_ARN,
            account_id="123456789012",
            vpc_id="vpc-1",
            vpc_cidr=CIDR,
            private_subnet_ids=SUBNETS,
            curated_bucket_arn=BUCKET_ARN,
        )
        if outputs is not None:
            statements = pulumi.Output.json_dumps(warehouse.load_statements())
            pulumi.Output.all(warehouse.data_api_target, statements).apply(
                lambda values: outputs.update(target=values[0], statements=json.loads(values[1]))
            )

    return by_name(run(program))


def test_serverless_children_and_names(run_mocked: Runner) -> None:
    resources = _run(run_mocked, SERVERLESS)
    assert resources["dwh"].type == "dataplatform:warehouse:Warehouse"
    assert children_of(list(resources.values()), resources["dwh"]) == {
        "dwh-copy-role",
        "dwh-copy-role-policy",
        "dwh-sg",
        "dwh-sg-redshift",
        "dwh-sg-https-s3",
        "dwh-sg-https-vpc",
        "dwh-namespace",
        "dwh-workgroup",
        *(f"dwh-{log}" for log in AUDIT_LOGS),
    }


def test_serverless_audit_logs_land_in_declared_encrypted_groups(run_mocked: Runner) -> None:
    resources = _run(run_mocked, SERVERLESS)
    namespace = resources["dwh-namespace"]
    for log in AUDIT_LOGS:
        group = resources[f"dwh-{log}"]
        # The group Serverless exports to: /aws/redshift/<namespace>/<log type>.
        assert group.inputs["name"] == f"/aws/redshift/{namespace.inputs['namespaceName']}/{log}"
        assert group.inputs["kmsKeyId"] == KEY_ARN and group.inputs["retentionInDays"] > 0
        assert group.urn in namespace.dependencies


def test_serverless_namespace_is_encrypted_with_a_managed_password(run_mocked: Runner) -> None:
    namespace = _run(run_mocked, SERVERLESS)["dwh-namespace"].inputs
    assert namespace["namespaceName"] == "dp-test"
    assert namespace["kmsKeyId"] == KEY_ARN
    assert namespace["manageAdminPassword"] is True
    assert namespace["adminPasswordSecretKmsKeyId"] == KEY_ARN
    assert "adminUserPassword" not in namespace
    assert namespace["logExports"] == AUDIT_LOGS
    assert namespace["iamRoles"] == [namespace["defaultIamRoleArn"]]
    assert namespace["tags"]["DataClassification"] == "confidential"


def test_serverless_workgroup_is_private_routed_and_sized(run_mocked: Runner) -> None:
    workgroup = _run(run_mocked, SERVERLESS)["dwh-workgroup"].inputs
    assert workgroup["publiclyAccessible"] is False
    assert workgroup["enhancedVpcRouting"] is True
    assert (workgroup["baseCapacity"], workgroup["maxCapacity"]) == (8, 32)
    assert workgroup["subnetIds"] == SUBNETS
    assert workgroup["securityGroupIds"] == ["dwh-sg-id"]


def test_serverless_workgroup_declares_every_parameter_aws_reports_and_ignores_later_keys(
    run_mocked: Runner,
) -> None:
    # AWS returns the whole parameter set from GetWorkgroup; a subset makes every preview show
    # an update that fails ("You didn't specify any changes to the configuration parameters",
    # terraform-provider-aws #33692, #49939). Defaults read off a fresh workgroup; two hardened.
    resources = _run(run_mocked, SERVERLESS)
    workgroup = resources["dwh-workgroup"]
    declared = {
        p["parameterKey"]: p["parameterValue"] for p in workgroup.inputs["configParameters"]
    }
    assert declared == {
        "auto_mv": "true",
        "datestyle": "ISO, MDY",
        "enable_case_sensitive_identifier": "false",
        "enable_user_activity_logging": "true",
        "max_query_execution_time": "14400",
        "query_group": "default",
        "require_ssl": "true",
        "search_path": "$user, public",
        "use_fips_ssl": "false",
    }
    # Keys AWS adds later (enable_large_strings_opt_in) cannot be declared with this provider.
    assert workgroup.ignore_changes == ("configParameters",)


@pytest.mark.parametrize("settings", [SERVERLESS, PROVISIONED], ids=["serverless", "provisioned"])
def test_security_group_admits_only_the_vpc_on_5439(
    run_mocked: Runner, settings: WarehouseSettings
) -> None:
    resources = _run(run_mocked, settings)
    ingress = [r for r in resources.values() if r.type.endswith("SecurityGroupIngressRule")]
    assert [(r.inputs["cidrIpv4"], r.inputs["fromPort"], r.inputs["toPort"]) for r in ingress] == [
        (CIDR, 5439, 5439)
    ]
    egress = {
        r.name: r.inputs for r in resources.values() if r.type.endswith("SecurityGroupEgressRule")
    }
    assert {name: rule["toPort"] for name, rule in egress.items()} == {
        "dwh-sg-https-s3": 443,
        "dwh-sg-https-vpc": 443,
    }
    assert egress["dwh-sg-https-s3"]["prefixListId"] == "pl-0123456789abcdef0"
    assert egress["dwh-sg-https-vpc"]["cidrIpv4"] == CIDR


@pytest.mark.parametrize("settings", [SERVERLESS, PROVISIONED], ids=["serverless", "provisioned"])
def test_copy_role_reads_only_the_curated_bucket(
    run_mocked: Runner, settings: WarehouseSettings
) -> None:
    resources = _run(run_mocked, settings)
    assert '"redshift.amazonaws.com"' in resources["dwh-copy-role"].inputs["assumeRolePolicy"]
    statements = policy_statements(resources["dwh-copy-role-policy"])
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        (["s3:ListBucket", "s3:GetBucketLocation"], [BUCKET_ARN]),
        (["s3:GetObject"], [f"{BUCKET_ARN}/*"]),
        (["kms:Decrypt"], [KEY_ARN]),
    ]


@pytest.mark.parametrize(
    ("settings", "principals"),
    [
        # "Granting permissions to Amazon Redshift Serverless" (Redshift Management Guide):
        # the trust relationship must contain both service names, or COPY fails with "Not
        # authorized to get credentials of role".
        pytest.param(
            SERVERLESS,
            ["redshift-serverless.amazonaws.com", "redshift.amazonaws.com"],
            id="serverless",
        ),
        pytest.param(PROVISIONED, "redshift.amazonaws.com", id="provisioned"),
    ],
)
def test_copy_role_trusts_the_service_that_runs_copy(
    run_mocked: Runner, settings: WarehouseSettings, principals: str | list[str]
) -> None:
    trust = json.loads(_run(run_mocked, settings)["dwh-copy-role"].inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": principals}
    assert statement["Action"] == "sts:AssumeRole"


def test_provisioned_children_and_names(run_mocked: Runner) -> None:
    resources = _run(run_mocked, PROVISIONED)
    children = children_of(list(resources.values()), resources["dwh"])
    assert {"dwh-subnets", "dwh-parameters", "dwh-cluster", "dwh-logging"} <= children
    assert {f"dwh-{log}" for log in AUDIT_LOGS} <= children
    assert "dwh-namespace" not in resources


def test_provisioned_cluster_is_encrypted_private_and_keeps_snapshots(run_mocked: Runner) -> None:
    resources = _run(run_mocked, PROVISIONED)
    cluster = resources["dwh-cluster"].inputs
    assert (cluster["encrypted"], cluster["kmsKeyId"]) == ("true", KEY_ARN)
    assert cluster["publiclyAccessible"] is False
    assert cluster["enhancedVpcRouting"] is True
    assert cluster["manageMasterPassword"] is True
    assert cluster["masterPasswordSecretKmsKeyId"] == KEY_ARN
    assert "masterPassword" not in cluster
    assert cluster["automatedSnapshotRetentionPeriod"] == 35
    assert (cluster["skipFinalSnapshot"], cluster["finalSnapshotIdentifier"]) == (
        False,
        "dp-test-final",
    )
    assert (cluster["clusterType"], cluster["numberOfNodes"]) == ("multi-node", 2)
    assert cluster["vpcSecurityGroupIds"] == ["dwh-sg-id"]
    assert cluster["tags"]["DataClassification"] == "confidential"
    assert resources["dwh-subnets"].inputs["subnetIds"] == SUBNETS


def test_provisioned_parameter_group_requires_ssl(run_mocked: Runner) -> None:
    group = _run(run_mocked, PROVISIONED)["dwh-parameters"].inputs
    assert group["family"] == "redshift-2.0"
    assert {p["name"]: p["value"] for p in group["parameters"]} == {
        "require_ssl": "true",
        "enable_user_activity_logging": "true",
    }


def test_provisioned_audit_logs_go_to_encrypted_cloudwatch_groups(run_mocked: Runner) -> None:
    resources = _run(run_mocked, PROVISIONED)
    logging = resources["dwh-logging"]
    assert logging.type == "aws:redshift/logging:Logging"
    assert logging.inputs["logDestinationType"] == "cloudwatch"
    assert logging.inputs["logExports"] == AUDIT_LOGS
    assert logging.property_dependencies["clusterIdentifier"] == [resources["dwh-cluster"].urn]
    for log in AUDIT_LOGS:
        group = resources[f"dwh-{log}"]
        assert group.inputs["name"] == f"/aws/redshift/cluster/dp-test/{log}"
        assert group.inputs["kmsKeyId"] == KEY_ARN
        assert group.urn in logging.dependencies


def test_final_snapshot_can_be_skipped_by_config(run_mocked: Runner) -> None:
    settings = PROVISIONED.model_copy(update={"final_snapshot_on_delete": False})
    cluster = _run(run_mocked, settings)["dwh-cluster"].inputs
    assert cluster["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in cluster


@pytest.mark.parametrize(
    "settings, store", [(SERVERLESS, "dwh-namespace"), (PROVISIONED, "dwh-cluster")]
)
@pytest.mark.parametrize("protect", [True, False])
def test_protection_applies_to_the_data_store(
    run_mocked: Runner, settings: WarehouseSettings, store: str, protect: bool
) -> None:
    resource = _run(run_mocked, settings, protect=protect)[store]
    assert (resource.protect, resource.retain_on_delete) == (protect, protect)


def test_serverless_load_statements_and_target(run_mocked: Runner) -> None:
    outputs: dict[str, Any] = {}
    _run(run_mocked, SERVERLESS, outputs=outputs)
    # A workgroup's ARN ends in the id AWS generates; the mocks derive it from the logical name.
    workgroup_id = generated_uuid("aws:redshiftserverless/workgroup:Workgroup", "dwh-workgroup")
    workgroup = f"arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/{workgroup_id}"
    assert outputs["target"] == {"WorkgroupName": "dp-test", "Database": "analytics"}
    assert outputs["statements"] == [
        {
            "Effect": "Allow",
            "Action": ["redshift-data:ExecuteStatement"],
            "Resource": [workgroup],
        },
        {
            "Effect": "Allow",
            "Action": ["redshift-serverless:GetCredentials"],
            "Resource": [workgroup],
        },
    ]


def test_provisioned_load_statements_and_target(run_mocked: Runner) -> None:
    outputs: dict[str, Any] = {}
    _run(run_mocked, PROVISIONED, outputs=outputs)
    assert outputs["target"] == {"ClusterIdentifier": "dp-test", "Database": "analytics"}
    execute, credentials = outputs["statements"]
    assert execute["Action"] == ["redshift-data:ExecuteStatement"]
    assert execute["Resource"] == ["arn:aws:redshift:eu-west-1:123456789012:cluster:dp-test"]
    assert credentials == {
        "Effect": "Allow",
        "Action": ["redshift:GetClusterCredentialsWithIAM"],
        "Resource": ["arn:aws:redshift:eu-west-1:123456789012:dbname:dp-test/analytics"],
    }


def _allows_describe(statements: list[Statement], caller: str, owner: str) -> bool:
    """IAM's evaluation of DescribeStatement for one caller and statement owner (user ids):
    StringEquals and StringLike, with ${aws:userid} as the caller's."""
    for statement in statements:
        if "redshift-data:DescribeStatement" not in statement["Action"]:
            continue
        for operator, keys in statement.get("Condition", {}).items():
            wanted = str(keys["redshift-data:statement-owner-iam-userid"])
            wanted = wanted.replace("${aws:userid}", caller)
            match = fnmatch.fnmatchcase if operator == "StringLike" else str.__eq__
            if match(owner, wanted):
                return True
    return False


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_load_is_polled_from_any_session_of_its_role_and_no_other_role(
    stack: str, fixture_captures: dict[str, Capture]
) -> None:
    resources = fixture_captures[stack].resources
    pipeline = fixture_captures[stack].config.platform.pipelines[0]
    role = next(r for r in resources if r.name == f"{pipeline.name}-orchestration-role")
    policies = [
        json.loads(r.inputs["policy"])
        for r in resources
        if r.type == "aws:iam/rolePolicy:RolePolicy" and r.inputs["role"] == role.outputs["id"]
    ]
    statements = [s for p in policies for s in p["Statement"]]
    me = role.outputs["uniqueId"]
    # Step Functions may call from a new session of the role for each task.
    assert _allows_describe(statements, f"{me}:execution-poll", f"{me}:execution-start")
    assert not _allows_describe(statements, f"{me}:poll", "AROAOTHERROLE0000000:start")


@pytest.mark.parametrize("settings", [SERVERLESS, PROVISIONED], ids=["serverless", "provisioned"])
def test_every_taggable_resource_is_tagged(run_mocked: Runner, settings: WarehouseSettings) -> None:
    resources = _run(run_mocked, settings)
    untagged = [
        r.name
        for r in resources.values()
        if r.custom
        and is_taggable(r.type)
        and r.inputs.get("tags", {}).get("Environment") != "test"
    ]
    assert untagged == []
