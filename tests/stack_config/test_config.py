"""Every user stack validates; the fixture stacks are complete examples; every invalid config
reports the exact key path."""

import copy
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from offline.capture import PROJECT_ROOT, read_stack_values
from stack_config import StackConfigError, parse_stack_config
from stack_config.lake import Lifecycle
from stack_config.release_loader import parse_release_config, resolve_stages
from stack_config.schedule import check_schedule
from tests.stacks import fixture_stacks, fixture_values, user_stacks

Mutation = Callable[[dict[str, Any]], None]


@pytest.mark.stack_files
@pytest.mark.parametrize("stack", user_stacks())
def test_every_user_stack_is_valid(stack: str) -> None:
    config = parse_stack_config(stack, read_stack_values(stack))
    assert {zone.name for zone in config.platform.lake.zones} >= {"raw", "curated"}


@pytest.mark.stack_files
@pytest.mark.parametrize("stack", user_stacks(release=True))
def test_every_user_delivery_stack_is_valid_with_its_stages(stack: str) -> None:
    config = parse_release_config(stack, read_stack_values(stack))
    assert [s.stage.stack for s in resolve_stages(stack, config, PROJECT_ROOT)] == [
        stage.stack for stage in config.release.stages
    ]


@pytest.mark.parametrize("stack", fixture_stacks())
def test_the_fixture_stacks_are_complete_examples(stack: str) -> None:
    config = parse_stack_config(stack, fixture_values(stack))
    assert config.platform.environment == stack
    assert {zone.name for zone in config.platform.lake.zones} >= {"raw", "curated"}
    assert len(config.platform.pipelines) >= 2
    assert {p.trigger.kind for p in config.platform.pipelines} == {"object-created", "schedule"}


def test_prod_is_protected_and_dev_is_disposable() -> None:
    prod = parse_stack_config("prod", fixture_values("prod")).platform
    dev = parse_stack_config("dev", fixture_values("dev")).platform
    assert (prod.protection.protect, prod.protection.retain_on_delete) == (True, True)
    assert prod.protection.force_destroy_buckets is False
    assert prod.kms.deletion_window_days == 30
    assert dev.protection.force_destroy_buckets is True
    assert dev.warehouse is not None and dev.warehouse.kind == "serverless"
    assert prod.warehouse is not None and prod.warehouse.kind == "provisioned"
    assert dev.network is not None and dev.network.kind == "managed"
    assert dev.delivery is not None and dev.delivery.verification.timeout_minutes == 20
    assert prod.delivery is not None and prod.delivery.verification.timeout_minutes == 45


def _platform(values: dict[str, Any]) -> dict[str, Any]:
    platform: dict[str, Any] = values["data-platform:platform"]
    return platform


def _set(path: str, value: Any) -> Mutation:
    def mutate(values: dict[str, Any]) -> None:
        target: Any = _platform(values)
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(values: dict[str, Any]) -> None:
        target: Any = _platform(values)
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return mutate


def _set_region(value: Any) -> Mutation:
    def mutate(values: dict[str, Any]) -> None:
        values["aws:region"] = value

    return mutate


def _lifecycle(*transitions: tuple[str, int]) -> dict[str, Any]:
    return {
        "transitions": [{"storage_class": c, "after_days": d} for c, d in transitions],
        "noncurrent_expiration_days": 7,
    }


INVALID = {
    "bad zone name": (_set("lake.zones.1.name", "Curated!"), "platform.lake.zones[1].name"),
    "unknown environment": (_set("environment", "qa"), "platform.environment"),
    "unknown key in zone": (_set("lake.zones.0.colour", "red"), "platform.lake.zones[0].colour"),
    "unknown top-level key": (_set("lakes", {}), "platform.lakes"),
    "missing owner": (_delete("tags.owner"), "platform.tags.owner"),
    "missing lake": (_delete("lake"), "platform.lake"),
    "duplicate zones": (_set("lake.zones.1.name", "raw"), "platform.lake"),
    "missing curated zone": (_set("lake.zones.1.name", "gold"), "platform.lake"),
    "bad classification": (
        _set("lake.zones.0.classification", "secret"),
        "platform.lake.zones[0].classification",
    ),
    "transition too early for IA": (
        _set(
            "lake.zones.0.lifecycle.transitions",
            [{"after_days": 5, "storage_class": "STANDARD_IA"}],
        ),
        "platform.lake.zones[0].lifecycle.transitions[0]",
    ),
    "unknown storage class": (
        _set("lake.zones.0.lifecycle.transitions", [{"after_days": 40, "storage_class": "TAPE"}]),
        "platform.lake.zones[0].lifecycle.transitions[0].storage_class",
    ),
    "expiry before transition": (
        _set(
            "lake.zones.0.lifecycle",
            {
                "transitions": [{"after_days": 60, "storage_class": "GLACIER"}],
                "expiration_days": 30,
                "noncurrent_expiration_days": 7,
            },
        ),
        "platform.lake.zones[0].lifecycle",
    ),
    "transition back up the waterfall": (
        _set("lake.zones.1.lifecycle", _lifecycle(("GLACIER", 30), ("STANDARD_IA", 60))),
        "platform.lake.zones[1].lifecycle",
    ),
    "transition out of IA within 30 days": (
        _set("lake.zones.1.lifecycle", _lifecycle(("STANDARD_IA", 30), ("GLACIER_IR", 45))),
        "platform.lake.zones[1].lifecycle",
    ),
    "negative retention": (
        _set("lake.access_logs.lifecycle.expiration_days", -1),
        "platform.lake.access_logs.lifecycle.expiration_days",
    ),
    "deletion window too short": (
        _set("kms.deletion_window_days", 3),
        "platform.kms.deletion_window_days",
    ),
    "protect not a bool": (_set("protection.protect", "sometimes"), "platform.protection.protect"),
    "extra tag overrides Owner": (_set("tags.extra", {"Owner": "me"}), "platform"),
    "aws-reserved tag key": (_set("tags.extra", {"aws:team": "x"}), "platform.tags.extra.aws:team"),
    "bad region": (_set_region("mars-1"), "aws:region"),
    "duplicate pipeline names": (_set("pipelines.1.name", "orders"), "platform.pipelines"),
    "nested source prefixes": (
        _set("pipelines.1.source_prefix", "orders/clicks/"),
        "platform.pipelines",
    ),
    "key column not required": (
        _set("pipelines.0.key_columns", ["order_ref"]),
        "platform.pipelines[0]",
    ),
    **{
        f"bad schedule {expression}": (
            _set("pipelines.1.trigger", {"kind": "schedule", "expression": expression}),
            "platform.pipelines[1].trigger.expression",
        )
        for expression in (
            "every day",
            "rate(1 hours)",
            "rate(6 hour)",
            "rate(0 minutes)",
            "cron(nonsense)",
            "cron(0 3 * * * *)",
            "cron(0 3 ? * ? *)",
        )
    },
    "glue version other than 5.0": (
        _set("pipelines.0.glue", {"version": "4.0"}),
        "platform.pipelines[0].glue.version",
    ),
    "unknown trigger kind": (
        _set("pipelines.0.trigger", {"kind": "webhook"}),
        "platform.pipelines[0].trigger",
    ),
    "script outside runtime/": (
        _set("pipelines.0.glue", {"script": "__main__.py"}),
        "platform.pipelines[0].glue.script",
    ),
    "missing script": (
        _set("pipelines.0.glue", {"script": "runtime/glue/nope.py"}),
        "platform.pipelines[0].glue.script",
    ),
    "too few workers": (
        _set("pipelines.0.glue", {"workers": 1}),
        "platform.pipelines[0].glue.workers",
    ),
    "unknown source format": (_set("pipelines.0.format", "xml"), "platform.pipelines[0].format"),
    "prefix without slash": (
        _set("pipelines.0.source_prefix", "orders"),
        "platform.pipelines[0].source_prefix",
    ),
    "source under quarantine": (
        _set("pipelines.0.source_prefix", "quarantine/orders/"),
        "platform.pipelines[0]",
    ),
    "untyped partition column": (
        _set("pipelines.0.column_types", {}),
        "platform.pipelines[0]",
    ),
    "bad column name": (
        _set("pipelines.0.required_columns", ["Order ID"]),
        "platform.pipelines[0].required_columns[0]",
    ),
    "column both required and optional": (
        _set("pipelines.0.optional_columns", ["amount"]),
        "platform.pipelines[0]",
    ),
    "typed column not declared": (
        _set("pipelines.1.column_types", {"event_time": "timestamp", "referrer": "string"}),
        "platform.pipelines[1]",
    ),
    "reserved column name": (
        _set("pipelines.1.optional_columns", ["ingest_date"]),
        "platform.pipelines[1]",
    ),
    "repeated reader role": (
        _set("warehouse.reader_roles", ["analysts", "analysts"]),
        "platform.warehouse",
    ),
    "state backend not s3": (
        _set("delivery.state_backend_url", "https://state"),
        "platform.delivery.state_backend_url",
    ),
    "secrets provider not awskms": (
        _set("delivery.secrets_provider", "passphrase"),
        "platform.delivery.secrets_provider",
    ),
    "account other than the state bucket's": (
        _set("delivery.account_id", "210987654321"),
        "platform.delivery",
    ),
    "account id not quoted digits": (
        _set("delivery.delivery_account_id", "2109876"),
        "platform.delivery.delivery_account_id",
    ),
    "pipeline settings of the release": (
        _set("delivery.require_approval", True),
        "platform.delivery.require_approval",
    ),
    "verification too long": (
        _set("delivery.verification", {"timeout_minutes": 600}),
        "platform.delivery.verification.timeout_minutes",
    ),
    "canary without rows": (
        _set("delivery.verification", {"canary": {"rows": 0}}),
        "platform.delivery.verification.canary.rows",
    ),
    "canary date not a date": (
        _set("delivery.verification", {"canary": {"partition_date": "yesterday"}}),
        "platform.delivery.verification.canary.partition_date",
    ),
    "warehouse without network": (_delete("network"), "platform"),
    "no alert subscriber": (
        _set("operations.subscriptions", []),
        "platform.operations.subscriptions",
    ),
    "unknown key in trigger": (
        _set("pipelines.1.trigger", {"kind": "schedule", "expression": "rate(1 day)", "tz": "UTC"}),
        "platform.pipelines[1].trigger.tz",
    ),
}


@pytest.mark.parametrize("mutate, path", INVALID.values(), ids=INVALID.keys())
def test_invalid_config_names_the_key_path(mutate: Mutation, path: str) -> None:
    values = copy.deepcopy(fixture_values("dev"))
    mutate(values)
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config("dev", values)
    assert path in [problem.path for problem in caught.value.problems]
    assert f"{path}:" in str(caught.value)


def test_error_says_what_is_allowed_and_what_was_given() -> None:
    values = copy.deepcopy(fixture_values("dev"))
    _set("lake.zones.0.colour", "red")(values)
    _set("environment", "qa")(values)
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config("dev", values)
    problems = {p.path: p for p in caught.value.problems}
    assert problems["platform.lake.zones[0].colour"].message == (
        "unknown key; allowed: name, classification, lifecycle"
    )
    assert "'dev', 'test', 'staging' or 'prod'" in problems["platform.environment"].message
    assert problems["platform.environment"].value == "'qa'"


def test_unknown_trigger_key_lists_the_variant_keys() -> None:
    values = copy.deepcopy(fixture_values("dev"))
    _set("pipelines.1.trigger", {"kind": "schedule", "expression": "rate(1 day)", "tz": "x"})(
        values
    )
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config("dev", values)
    (problem,) = caught.value.problems
    assert problem.message == "unknown key; allowed: kind, expression"


def test_unknown_project_key_and_missing_platform_are_reported() -> None:
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config("dev", {"aws:region": "eu-west-1", "data-platform:plattform": {}})
    paths = [p.path for p in caught.value.problems]
    assert paths == ["plattform", "platform"]


NOT_A_SCHEDULE = (
    "must be an EventBridge schedule: 'rate(<value> <unit>)' such as 'rate(1 hour)' or"
    " 'rate(6 hours)', or 'cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)'"
    " such as 'cron(0 3 * * ? *)'"
)


def _lifecycle_problem(*transitions: tuple[str, int]) -> str:
    values = copy.deepcopy(fixture_values("dev"))
    _set("lake.zones.1.lifecycle", _lifecycle(*transitions))(values)
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config("dev", values)
    (problem,) = caught.value.problems
    assert problem.path == "platform.lake.zones[1].lifecycle"
    return problem.message


def test_lifecycle_problem_names_the_transition_that_goes_back_up_the_waterfall() -> None:
    assert _lifecycle_problem(("GLACIER", 30), ("STANDARD_IA", 60)) == (
        "transitions[1] (STANDARD_IA after 60 days) cannot follow GLACIER: S3 moves objects only"
        " down the storage-class waterfall, from GLACIER to DEEP_ARCHIVE"
    )


def test_lifecycle_problem_names_the_transition_that_leaves_ia_too_soon() -> None:
    assert _lifecycle_problem(("STANDARD_IA", 30), ("GLACIER_IR", 45)) == (
        "transitions[1] (GLACIER_IR after 45 days) comes too soon: objects must stay at least 30"
        " days in STANDARD_IA (from day 30), so not before day 60"
    )


@pytest.mark.parametrize(
    "transitions",
    [
        [("STANDARD_IA", 30), ("GLACIER_IR", 60), ("GLACIER", 90), ("DEEP_ARCHIVE", 180)],
        [("INTELLIGENT_TIERING", 1), ("ONEZONE_IA", 30), ("GLACIER", 60)],
        [("GLACIER_IR", 1), ("DEEP_ARCHIVE", 2)],
        [("ONEZONE_IA", 30), ("DEEP_ARCHIVE", 60)],
    ],
    ids=["full waterfall", "tiering then one zone", "archive tiers", "one zone to deep archive"],
)
def test_lifecycle_accepts_transitions_down_the_waterfall(
    transitions: list[tuple[str, int]],
) -> None:
    assert (
        Lifecycle.model_validate(_lifecycle(*transitions)).transitions[-1].after_days
        == (transitions[-1][1])
    )


@pytest.mark.parametrize(
    "transitions, offending",
    [
        ([("GLACIER", 30), ("STANDARD_IA", 60)], "transitions[1] (STANDARD_IA after 60 days)"),
        ([("INTELLIGENT_TIERING", 30), ("STANDARD_IA", 60)], "transitions[1] (STANDARD_IA"),
        ([("ONEZONE_IA", 30), ("GLACIER_IR", 90)], "transitions[1] (GLACIER_IR after 90 days)"),
        ([("GLACIER", 30), ("GLACIER", 60)], "transitions[1] (GLACIER after 60 days)"),
        ([("DEEP_ARCHIVE", 1), ("GLACIER", 2)], "transitions[1] (GLACIER after 2 days)"),
        ([("STANDARD_IA", 30), ("GLACIER_IR", 45)], "transitions[1] (GLACIER_IR after 45 days)"),
        (
            [("INTELLIGENT_TIERING", 1), ("ONEZONE_IA", 30), ("GLACIER", 59)],
            "transitions[2] (GLACIER after 59 days)",
        ),
    ],
    ids=[
        "glacier to ia",
        "tiering to ia",
        "one zone to ir",
        "same class",
        "deep archive",
        "ia stay",
        "one zone stay",
    ],
)
def test_lifecycle_rejects_transitions_against_the_waterfall(
    transitions: list[tuple[str, int]], offending: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Lifecycle.model_validate(_lifecycle(*transitions))
    (error,) = caught.value.errors()
    assert error["msg"].startswith(f"Value error, {offending}")


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(1 hour)",
        "rate(1 day)",
        "rate(5 minutes)",
        "rate(6 hours)",
        "rate(30 days)",
        "cron(0 3 * * ? *)",
        "cron(0/15 8-18 ? * MON-FRI *)",
        "cron(0 12 L * ? 2030)",
        "cron(0 10 ? * 6#3 *)",
    ],
)
def test_schedule_accepts_eventbridge_expressions(expression: str) -> None:
    assert check_schedule(expression) == expression


@pytest.mark.parametrize(
    "expression, problem",
    [
        ("rate(1 hours)", "the rate unit must be 'hour' when the value is 1, not 'hours'"),
        ("rate(6 hour)", "the rate unit must be 'hours' when the value is 6, not 'hour'"),
        ("rate(1 days)", "the rate unit must be 'day' when the value is 1, not 'days'"),
        (
            "rate(0 minutes)",
            "the rate value must be a positive integer (no leading zeros), not '0'",
        ),
        (
            "rate(06 hours)",
            "the rate value must be a positive integer (no leading zeros), not '06'",
        ),
        (
            "cron(nonsense)",
            "a cron expression has exactly 6 space-separated fields (minutes hours day-of-month"
            " month day-of-week year), not 1",
        ),
        (
            "cron(0 3 * * ?)",
            "a cron expression has exactly 6 space-separated fields (minutes hours day-of-month"
            " month day-of-week year), not 5",
        ),
        (
            "cron(0 3 * * * *)",
            "exactly one of the cron day-of-month and day-of-week fields must be '?'",
        ),
        (
            "cron(0 3 ? * ? *)",
            "exactly one of the cron day-of-month and day-of-week fields must be '?'",
        ),
        (
            "cron(x 3 * * ? *)",
            "the cron minutes field 'x' is invalid; allowed: 0-59, combined with , - * /",
        ),
        ("rate(1 week)", NOT_A_SCHEDULE),
        ("every day", NOT_A_SCHEDULE),
    ],
)
def test_schedule_rejects_what_eventbridge_rejects_and_says_why(
    expression: str, problem: str
) -> None:
    with pytest.raises(ValueError) as caught:
        check_schedule(expression)
    assert str(caught.value) == problem


def test_curated_columns_are_required_then_optional_with_string_by_default() -> None:
    values = copy.deepcopy(fixture_values("dev"))
    _set("pipelines.1.optional_columns", ["referrer", "load_ms"])(values)
    _set("pipelines.1.column_types", {"event_time": "timestamp", "load_ms": "int"})(values)
    clicks = parse_stack_config("dev", values).platform.pipelines[1]
    assert clicks.curated_columns == (
        ("event_id", "string"),
        ("session_id", "string"),
        ("url", "string"),
        ("event_time", "timestamp"),
        ("referrer", "string"),
        ("load_ms", "int"),
    )
    assert clicks.manifest_prefix == "_manifests/page_views/"


def test_column_errors_say_which_columns_and_why() -> None:
    values = copy.deepcopy(fixture_values("dev"))
    _set("pipelines.0.optional_columns", ["amount", "_x"])(values)
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config("dev", values)
    messages = {p.path: p.message for p in caught.value.problems}
    assert "a snake_case column name" in messages["platform.pipelines[0].optional_columns[1]"]
