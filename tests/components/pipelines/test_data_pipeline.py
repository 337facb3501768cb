"""A pipeline from config: crawler, Glue job, state machine and its trigger, least-privileged."""

import fnmatch
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from components.pipelines.args import PipelineArgs
from components.pipelines.data_pipeline import DataPipeline, LakeLocations
from components.shared.aws_context import AwsEnv
from offline.mocks import Registration
from stack_config.pipelines import PipelineSettings
from tests.components.helpers import by_name, policy_statements

Runner = Callable[[Callable[[], object]], tuple[Registration, ...]]
KEY = "arn:aws:kms:eu-west-1:123456789012:key/test"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"

ORDERS: dict[str, Any] = {
    "name": "orders",
    "source_prefix": "orders/",
    "format": "csv",
    "trigger": {"kind": "object-created"},
    "target_table": "orders",
    "required_columns": ["order_id", "amount", "updated_at"],
    "key_columns": ["order_id"],
    "order_column": "updated_at",
    "column_types": {"order_id": "int", "updated_at": "timestamp"},
    "partition_source_column": "updated_at",
    "ingest": {"max_object_mb": 10, "reserved_concurrency": 3},
}
JOB_RECORDS = (
    "--rejects_path",
    "--rejects_database",
    "--rejects_table",
    "--quarantine_path",
    "--manifest_prefix",
    "--held_prefix",
    "--run_report_prefix",
    "--ledger_prefix",
    "--pipeline",
)
SCHEDULED = {
    **ORDERS,
    "name": "daily",
    "trigger": {"kind": "schedule", "expression": "rate(1 day)"},
}


def _pipeline(
    run: Runner, settings: dict[str, Any], region: str = "eu-west-1", **extra: Any
) -> dict[str, Registration]:
    """The pipeline's resources; `extra` goes to DataPipeline (a load, an alert function)."""

    def program() -> None:
        out = pulumi.Output.from_input
        DataPipeline(
            settings["name"],
            PipelineArgs(
                pipeline=PipelineSettings.model_validate(settings),
                name_prefix="dp-test",
                log_retention_days=30,
                account_key_alias="alias/account",
                tags={"Environment": "test"},
            ),
            env=AwsEnv(region=region, account_id=out("123456789012")),
            kms_key_arn=KEY,
            lake=LakeLocations(
                raw_bucket=out("raw-bucket"),
                curated_bucket=out("curated-bucket"),
                artifacts_bucket=out("artifacts-bucket"),
                raw_database=out("dp_test_raw"),
                curated_database=out("dp_test_curated"),
                security_configuration=out("dp-test-glue"),
            ),
            topic_arn=TOPIC,
            **extra,
        )

    return by_name(run(program))


@pytest.fixture
def orders(run_mocked: Runner) -> dict[str, Registration]:
    return _pipeline(run_mocked, ORDERS)


def _resources_of(statements: list[dict[str, Any]], action: str) -> list[str]:
    return [r for s in statements if action in s["Action"] for r in s["Resource"]]


def test_event_pipeline_has_crawler_job_state_machine_and_ingestion(
    orders: dict[str, Registration],
) -> None:
    pipeline = orders["orders"]
    assert pipeline.type == "dataplatform:pipeline:DataPipeline"
    children = {r.name: r.type for r in orders.values() if r.parent == pipeline.urn}
    assert children == {
        "orders-crawler": "dataplatform:glue:GlueCrawler",
        "orders-etl": "dataplatform:glue:GlueJob",
        "orders-orchestration": "dataplatform:orchestration:PipelineStateMachine",
        "orders-ingest": "dataplatform:ingestion:IngestionFunction",
    }


def test_job_uses_security_configuration_bookmarks_logging_and_metrics(
    orders: dict[str, Registration],
) -> None:
    job = orders["orders-etl-job"].inputs
    assert job["securityConfiguration"] == "dp-test-glue"
    assert job["glueVersion"] == "5.0"
    assert job["command"]["scriptLocation"] == "s3://artifacts-bucket/glue/orders/etl_job.py"
    arguments = job["defaultArguments"]
    # The job's ledger replaces bookmarks (it records files it could not curate too).
    assert arguments["--job-bookmark-option"] == "job-bookmark-disable"
    # Glue 5.0 logs to <prefix>/error and <prefix>/output (no continuous-logging arguments).
    assert arguments["--custom-logGroup-prefix"] == "/aws-glue/jobs/dp-test-orders"
    assert "--continuous-log-logGroup" not in arguments
    assert arguments["--enable-metrics"] == "true"
    assert arguments["--source_path"] == "s3://raw-bucket/orders/"
    assert arguments["--target_path"] == "s3://curated-bucket/orders/"
    assert arguments["--column_types"] == "order_id:int,updated_at:timestamp"
    assert arguments["--partition_source_column"] == "updated_at"


def test_job_arguments_name_the_jobs_records_and_expectations(run_mocked: Runner) -> None:
    settings = {
        **ORDERS,
        "expectations": {
            "rows": [{"kind": "not-null", "column": "amount"}],
            "batch": {"max_reject_ratio": 0.1},
        },
    }
    arguments = _pipeline(run_mocked, settings)["orders-etl-job"].inputs["defaultArguments"]
    pipeline = PipelineSettings.model_validate(settings)
    assert {name: arguments[name] for name in arguments if name in JOB_RECORDS} == {
        "--rejects_path": f"s3://raw-bucket/{pipeline.rejects_prefix}",
        "--rejects_database": "dp_test_raw",
        "--rejects_table": f"{pipeline.target_table}_rejects",
        "--quarantine_path": f"s3://raw-bucket/{pipeline.quarantine_prefix}",
        "--manifest_prefix": f"s3://curated-bucket/{pipeline.manifest_prefix}",
        "--held_prefix": f"s3://curated-bucket/{pipeline.held_prefix}",
        "--run_report_prefix": f"s3://curated-bucket/{pipeline.run_report_prefix}",
        "--ledger_prefix": f"s3://curated-bucket/{pipeline.ledger_prefix}",
        "--pipeline": pipeline.name,
    }
    assert json.loads(arguments["--expectations"]) == pipeline.expectations.model_dump(mode="json")


def test_the_rejects_table_is_declared_over_the_rejects_prefix(
    orders: dict[str, Registration],
) -> None:
    table = orders["orders-etl-rejects-table"]
    assert table.parent == orders["orders-etl"].urn
    assert table.inputs["name"] == "orders_rejects"
    assert table.inputs["databaseName"] == "dp_test_raw"
    descriptor = table.inputs["storageDescriptor"]
    assert descriptor["location"] == "s3://raw-bucket/rejects/orders/"
    assert [c["name"] for c in descriptor["columns"]] == [
        "run_id",
        "source_file",
        "record_number",
        "column_name",
        "original_text",
        "rule",
        "reason",
    ]
    assert table.inputs["partitionKeys"] == [{"name": "ingest_date", "type": "string"}]
    statements = policy_statements(orders["orders-etl-role-policy"])
    assert "arn:aws:glue:eu-west-1:123456789012:table/dp_test_raw/orders_rejects" in (
        _resources_of(statements, "glue:BatchCreatePartition")
    )
    assert "arn:aws:glue:eu-west-1:123456789012:table/dp_test_raw/orders_rejects" not in (
        _resources_of(statements, "glue:UpdateTable")
    )


def test_script_is_shipped_from_the_repo_encrypted(orders: dict[str, Registration]) -> None:
    script = orders["orders-etl-script"]
    assert script.inputs["key"] == "glue/orders/etl_job.py"
    assert isinstance(script.inputs["source"], pulumi.FileAsset)
    assert str(script.inputs["source"].path) == "runtime/glue/etl_job.py"
    assert script.inputs["serverSideEncryption"] == "aws:kms"
    assert script.urn in orders["orders-etl-job"].dependencies


def test_job_role_touches_only_its_prefixes_key_and_glue_job_logs(
    orders: dict[str, Registration],
) -> None:
    statements = policy_statements(orders["orders-etl-role-policy"])
    assert _resources_of(statements, "s3:PutObject") == [
        "arn:aws:s3:::raw-bucket/quarantine/orders/*",  # copies of files it cannot curate
        "arn:aws:s3:::raw-bucket/rejects/orders/*",  # the rows it rejects
        "arn:aws:s3:::curated-bucket/orders/*",
        "arn:aws:s3:::curated-bucket/_ledger/orders/*",  # the files it processed
        "arn:aws:s3:::curated-bucket/_manifests/orders/*",  # each run's COPY manifest
        "arn:aws:s3:::curated-bucket/_held/orders/*",  # ... or its held batch's
        "arn:aws:s3:::curated-bucket/_runs/orders/*",  # each run's report
        "arn:aws:s3:::artifacts-bucket/glue-temp/orders/*",
    ]
    # It never deletes a source or a quarantined file.
    deletable = _resources_of(statements, "s3:DeleteObject")
    assert not [
        r
        for r in deletable
        if r.startswith(("arn:aws:s3:::raw-bucket/orders", "arn:aws:s3:::raw-bucket/quarantine"))
    ]
    assert _resources_of(statements, "s3:GetObject")[:3] == [
        "arn:aws:s3:::raw-bucket/orders/*",
        # Spark HEADs the directory's own key before it lists it: a 404, not a 403.
        "arn:aws:s3:::raw-bucket/orders",
        "arn:aws:s3:::curated-bucket/orders",
    ]
    # The platform key, and the account key of the Data Catalog (by alias, see below).
    assert _resources_of(statements, "kms:Decrypt") == [
        KEY,
        "arn:aws:kms:eu-west-1:123456789012:key/*",
    ]
    wildcard = [s for s in statements if "*" in s["Resource"]]
    assert wildcard == [
        {
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"],
            "Resource": ["*"],
            "Condition": {
                "StringEquals": {"cloudwatch:namespace": ["Glue", "DataPlatform/Pipelines"]}
            },
        }
    ]
    assert _resources_of(statements, "glue:GetJobRuns") == [
        "arn:aws:glue:eu-west-1:123456789012:job/dp-test-orders"
    ]
    trust = json.loads(orders["orders-etl-role"].inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "glue.amazonaws.com"}
    # No condition on a key Glue is not documented to send (aws:SourceAccount).
    assert "Condition" not in trust


def test_job_role_can_write_to_the_log_groups_glue_creates_under_a_security_configuration(
    orders: dict[str, Registration],
) -> None:
    statements = policy_statements(orders["orders-etl-role-policy"])
    logs = [s for s in statements if any(a.startswith("logs:") for a in s["Action"])]
    assert logs == [
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:AssociateKmsKey",
            ],
            "Resource": ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/jobs*"],
        }
    ]
    (pattern,) = logs[0]["Resource"]
    prefix = "arn:aws:logs:eu-west-1:123456789012:log-group:"
    written = [
        "/aws-glue/jobs/dp-test-orders/error:log-stream:jr_1",  # Glue 5.0, the custom prefix
        "/aws-glue/jobs/dp-test-orders/output:log-stream:jr_1",
        "/aws-glue/jobs/error:log-stream:jr_1",  # the default prefix
        "/aws-glue/jobs-orders-etl-role-dp-test-glue/output:log-stream:jr_1",
        "/aws-glue/jobs-orders-etl-role-dp-test-glue/error:log-stream:jr_1",
    ]
    assert [fnmatch.fnmatchcase(prefix + g, pattern) for g in written] == [True] * len(written)
    assert not fnmatch.fnmatchcase(prefix + "/aws/lambda/dp-test-orders-ingest", pattern)
    prefix = orders["orders-etl-job"].inputs["defaultArguments"]["--custom-logGroup-prefix"]
    assert orders["orders-etl-logs"].inputs["name"] == f"{prefix}/error"
    assert orders["orders-etl-output-logs"].inputs["name"] == f"{prefix}/output"
    for group in ("orders-etl-logs", "orders-etl-output-logs"):
        assert orders[group].inputs["kmsKeyId"] == KEY


@pytest.mark.parametrize("role", ["orders-etl-role-policy", "orders-crawler-role-policy"])
def test_catalog_readers_may_use_the_account_key(
    orders: dict[str, Registration], role: str
) -> None:
    statements = policy_statements(orders[role])
    by_alias = [s for s in statements if "Condition" in s and "kms:Decrypt" in s["Action"]]
    assert by_alias == [
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
            "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/*"],
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/account"}},
        }
    ]


def test_crawler_crawls_the_raw_prefix_under_the_security_configuration(
    orders: dict[str, Registration],
) -> None:
    crawler = orders["orders-crawler-crawler"].inputs
    assert crawler["s3Targets"] == [{"path": "s3://raw-bucket/orders/"}]
    assert crawler["databaseName"] == "dp_test_raw"
    assert crawler["securityConfiguration"] == "dp-test-glue"


def test_lambda_is_traced_reserved_encrypted_with_dlq_and_own_log_group(
    orders: dict[str, Registration],
) -> None:
    function = orders["orders-ingest-function"].inputs
    assert function["reservedConcurrentExecutions"] == 3
    assert function["tracingConfig"] == {"mode": "Active"}
    assert function["kmsKeyArn"] == KEY
    dlq_arn = "arn:aws:sqs:eu-west-1:123456789012:orders-ingest-dlq"
    assert function["deadLetterConfig"]["targetArn"] == dlq_arn
    assert function["loggingConfig"]["logGroup"] == "/aws/lambda/dp-test-orders-ingest"
    assert function["handler"] == "handler.handler"
    env = function["environment"]["variables"]
    assert env["ALLOWED_EXTENSIONS"] == ".csv"
    assert env["MAX_OBJECT_BYTES"] == str(10 * 1024 * 1024)
    assert env["REQUIRED_COLUMNS"] == "order_id,amount,updated_at"
    assert env["QUARANTINE_PREFIX"] == "quarantine/orders/"
    assert orders["orders-ingest-dlq"].inputs["kmsMasterKeyId"] == KEY
    log_group = orders["orders-ingest-logs"].inputs
    assert (log_group["kmsKeyId"], log_group["retentionInDays"]) == (KEY, 30)


def test_lambda_is_triggered_by_object_created_on_the_raw_prefix(
    orders: dict[str, Registration],
) -> None:
    pattern = json.loads(orders["orders-ingest-object-created"].inputs["eventPattern"])
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"] == {
        "bucket": {"name": ["raw-bucket"]},
        "object": {"key": [{"prefix": "orders/"}]},
    }
    permission = orders["orders-ingest-invoke"]
    assert permission.inputs["principal"] == "events.amazonaws.com"
    rule_urn = orders["orders-ingest-object-created"].urn
    assert permission.property_dependencies["sourceArn"] == [rule_urn]


def test_state_machine_is_encrypted_logged_traced_and_valid(
    orders: dict[str, Registration],
) -> None:
    machine = orders["orders-orchestration-state-machine"].inputs
    assert machine["encryptionConfiguration"]["kmsKeyId"] == KEY
    assert machine["encryptionConfiguration"]["type"] == "CUSTOMER_MANAGED_KMS_KEY"
    assert machine["tracingConfiguration"] == {"enabled": True}
    assert machine["loggingConfiguration"]["logDestination"] == (
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/dp-test-orders:*"
    )
    definition = json.loads(machine["definition"])
    assert definition["States"]["StartCrawler"]["Parameters"] == {"Name": "dp-test-orders-raw"}
    assert definition["States"]["RunGlueJob"]["Parameters"]["JobName"] == "dp-test-orders"
    assert definition["States"]["NotifyFailure"]["Parameters"]["TopicArn"] == TOPIC


def test_state_machine_in_aws_cn_uses_only_aws_cn_task_resources(run_mocked: Runner) -> None:
    resources = _pipeline(run_mocked, ORDERS, region="cn-north-1")
    definition = json.loads(resources["orders-orchestration-state-machine"].inputs["definition"])
    tasks = {s["Resource"] for s in definition["States"].values() if s["Type"] == "Task"}
    assert tasks == {
        "arn:aws-cn:states:::aws-sdk:glue:getJobRuns",
        "arn:aws-cn:states:::aws-sdk:glue:startCrawler",
        "arn:aws-cn:states:::aws-sdk:glue:getCrawler",
        "arn:aws-cn:states:::glue:startJobRun.sync",
        "arn:aws-cn:states:::sns:publish",
    }


def test_state_machine_role_is_scoped_to_its_crawler_job_and_topic(
    orders: dict[str, Registration],
) -> None:
    statements = policy_statements(orders["orders-orchestration-role-policy"])
    assert _resources_of(statements, "glue:StartJobRun") == [
        "arn:aws:glue:eu-west-1:123456789012:job/dp-test-orders"
    ]
    assert _resources_of(statements, "glue:StartCrawler") == [
        "arn:aws:glue:eu-west-1:123456789012:crawler/dp-test-orders-raw"
    ]
    assert _resources_of(statements, "sns:Publish") == [TOPIC]


def test_scheduled_pipeline_runs_on_its_schedule_without_a_function(run_mocked: Runner) -> None:
    resources = _pipeline(run_mocked, SCHEDULED)
    assert "daily-ingest" not in resources
    assert resources["daily-schedule"].inputs["scheduleExpression"] == "rate(1 day)"
    target = resources["daily-schedule-target"]
    machine_urn = resources["daily-orchestration-state-machine"].urn
    assert machine_urn in target.property_dependencies["arn"]
    statements = policy_statements(resources["daily-schedule-role-policy"])
    assert [s["Action"] for s in statements] == [
        ["states:StartExecution"],
        # Starting an execution of a machine under a customer key encrypts its input, as the
        # caller: the key, for this machine's execution data only.
        ["kms:GenerateDataKey", "kms:Decrypt"],
    ]
    machine = resources["daily-orchestration-state-machine"].outputs["arn"]
    context = statements[1]["Condition"]["StringEquals"]
    assert context["kms:EncryptionContext:aws:states:stateMachineArn"] == [machine]


def test_a_scheduled_pipeline_hears_of_every_file_landing_under_its_prefix(
    run_mocked: Runner,
) -> None:
    resources = _pipeline(run_mocked, SCHEDULED)
    queue = resources["daily-landing-queue"]
    assert queue.inputs["name"] == "dp-test-daily-landed"
    assert queue.inputs["kmsMasterKeyId"] == KEY
    assert queue.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
    rule = resources["daily-landing-object-created"]
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["raw-bucket"]}, "object": {"key": [{"prefix": "orders/"}]}},
    }
    target = resources["daily-landing-target"]
    assert target.inputs["arn"] == queue.outputs["arn"]
    assert target.inputs["rule"] == rule.outputs["name"]
    allow_send, deny_plain = policy_statements(resources["daily-landing-queue-policy"])
    assert allow_send["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow_send["Action"] == "sqs:SendMessage"
    assert allow_send["Condition"] == {"ArnEquals": {"aws:SourceArn": rule.outputs["arn"]}}
    assert deny_plain["Effect"] == "Deny"
    assert deny_plain["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_a_scheduled_state_machine_reads_and_clears_only_its_landing_queue(
    run_mocked: Runner,
) -> None:
    resources = _pipeline(run_mocked, SCHEDULED)
    queue = resources["daily-landing-queue"].outputs
    statements = policy_statements(resources["daily-orchestration-role-policy"])
    sqs = [s for s in statements if any(a.startswith("sqs:") for a in s["Action"])]
    assert sqs == [
        {
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:PurgeQueue", "sqs:SendMessage"],
            "Resource": [queue["arn"]],
        }
    ]
    definition = json.loads(resources["daily-orchestration-state-machine"].inputs["definition"])
    assert definition["StartAt"] == "CheckLanded"
    assert definition["States"]["CheckLanded"]["Parameters"]["QueueUrl"] == queue["url"]


def test_a_file_triggered_pipeline_has_no_landing_queue(orders: dict[str, Registration]) -> None:
    assert not [
        r for r in orders.values() if r.type == "aws:sqs/queue:Queue" and "landing" in r.name
    ]
    statements = policy_statements(orders["orders-orchestration-role-policy"])
    assert not [s for s in statements if any(a.startswith("sqs:") for a in s["Action"])]


def test_a_custom_script_is_shipped_with_the_standard_etl_beside_it(run_mocked: Runner) -> None:
    script = "runtime/glue/examples/orders_without_test_customers.py"
    resources = _pipeline(run_mocked, {**ORDERS, "glue": {"script": script}})
    shipped = resources["orders-etl-script"].inputs
    library = resources["orders-etl-library"].inputs
    assert (shipped["key"], str(shipped["source"].path)) == (
        "glue/orders/orders_without_test_customers.py",
        script,
    )
    assert (library["key"], str(library["source"].path)) == (
        "glue/orders/lib/etl_job.py",
        "runtime/glue/etl_job.py",
    )
    assert library["serverSideEncryption"] == "aws:kms"
    job = resources["orders-etl-job"]
    assert job.inputs["defaultArguments"]["--extra-py-files"] == (
        "s3://artifacts-bucket/glue/orders/lib/etl_job.py"
    )
    assert resources["orders-etl-library"].urn in job.dependencies
    statements = policy_statements(resources["orders-etl-role-policy"])
    assert "arn:aws:s3:::artifacts-bucket/glue/orders/lib/etl_job.py" in _resources_of(
        statements, "s3:GetObject"
    )


def test_the_standard_script_ships_alone(orders: dict[str, Registration]) -> None:
    assert "orders-etl-library" not in orders
    assert "--extra-py-files" not in orders["orders-etl-job"].inputs["defaultArguments"]
