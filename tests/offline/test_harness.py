"""`python -m offline.check --program`: any Pulumi Python program, captured and checked offline."""

import json
from pathlib import Path

import pytest

from offline.capture import OFFLINE_SECRET
from offline.harness import ProgramError, capture, check_program, load_program
from offline.invokes import answer_invoke
from offline.testing import ViolationsOf
from tests.offline.test_check_cli import check_cli as _check

PROGRAMS = Path(__file__).resolve().parents[1] / "fixtures" / "programs"
SIG = "4dabf18193072939515e22adb298388d"


def _program(root: Path, stack: str, config: str, main: str) -> Path:
    """A Pulumi Python program in `root` with one stack file (`config` = its YAML body)."""
    root.mkdir()
    (root / "Pulumi.yaml").write_text(f"name: {root.name}\nruntime: python\n")
    (root / f"Pulumi.{stack}.yaml").write_text(f"config:\n{config}")
    (root / "__main__.py").write_text(main)
    return root


def test_a_program_with_mandatory_violations_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "capture.json"
    result = _check(
        "--program", str(PROGRAMS / "bucket-family"), "--stack", "test", "--json", str(out)
    )
    assert result.returncode == 1, result.stderr
    assert "stack 'test' (project bucket-family, region eu-west-1)" in result.stdout
    assert "ENC-001 s3-bucket-sse-kms [mandatory]" in result.stdout
    assert "aws:s3/bucketV2:BucketV2 'open': has no BucketServerSideEncryption" in result.stdout
    assert {r["name"] for r in json.loads(out.read_text())} >= {"open", "closed", "closed-sse"}


def test_without_policies_a_program_is_captured_and_summarised_only(tmp_path: Path) -> None:
    out = tmp_path / "capture.json"
    result = _check(
        "--program",
        str(PROGRAMS / "bucket-family"),
        "--stack",
        "test",
        "--no-policies",
        "--json",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "aws:s3/bucketV2:BucketV2" in result.stdout
    assert "mandatory" not in result.stdout + result.stderr
    assert {r["name"] for r in json.loads(out.read_text())} >= {"open", "closed", "closed-sse"}


def test_a_compliant_program_exits_0_and_names_the_defaults_it_relied_on() -> None:
    config = PROGRAMS.parent / "tagless-policy-config.json"
    result = _check(
        "--program",
        str(PROGRAMS / "provider-default"),
        "--stack",
        "test",
        "--policy-config",
        str(config),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no policy violations" in result.stdout
    assert (
        "  - aws:redshift/cluster:Cluster 'warehouse': encrypted is omitted; "
        'the provider fills in "true" (Default is `true`.)'
    ) in result.stdout


@pytest.mark.parametrize(
    ("program", "message"),
    [
        pytest.param("missing", "not a Pulumi program (no Pulumi.yaml)", id="no-project-file"),
        pytest.param(".", "needs a name and runtime python", id="not-python"),
    ],
)
def test_a_directory_that_is_not_a_python_program_exits_2(
    tmp_path: Path, program: str, message: str
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: web\nruntime: nodejs\n")
    result = _check("--program", str(tmp_path / program), "--stack", "test")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_secure_config_reaches_the_program_as_a_secret(tmp_path: Path) -> None:
    root = _program(
        tmp_path / "hook",
        "dev",
        "  aws:region: cn-north-1\n  token:\n    secure: AAABAKx0ZW5jcnlwdGVk\n",
        "import pulumi, pulumi_aws as aws\n"
        "token = pulumi.Config().require_secret('token')\n"
        "aws.ssm.Parameter('token', type='SecureString', value=token)\n"
        "aws.sns.Topic('alerts', display_name=token)\n",
    )
    program = load_program(root, "dev")
    assert (program.project, program.region, program.secret_keys) == (
        "hook",
        "cn-north-1",
        ("hook:token",),
    )
    declared = {r.name: r for r in capture(program).registrations}
    parameter, topic = declared["token"], declared["alerts"]
    assert parameter.inputs["value"] == {
        SIG: "1b47061264138c4ac30d75fd1eb44270",
        "value": OFFLINE_SECRET,
    }
    assert topic.inputs["displayName"][SIG] == "1b47061264138c4ac30d75fd1eb44270"


def test_a_broken_stack_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: [\n")
    with pytest.raises(ProgramError, match=r"Pulumi\.dev\.yaml:2:1: not valid YAML"):
        load_program(tmp_path, "dev")


def test_policy_documents_render_as_the_provider_renders_them() -> None:
    statement = {
        "sid": "Read",
        "actions": ["s3:GetObject"],
        "resources": ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
        "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]}],
        "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["true"]}],
    }
    answer = answer_invoke(
        "aws:iam/getPolicyDocument:getPolicyDocument", {"statements": [statement]}, "eu-west-1", "1"
    )
    assert answer is not None
    assert json.loads(answer["json"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                "Principal": {"AWS": "arn:aws:iam::1:root"},
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        ],
    }


@pytest.mark.parametrize(
    ("token", "key", "expected"),
    [
        ("aws:index/getPartition:getPartition", "dnsSuffix", "amazonaws.com.cn"),
        ("aws:index/getCallerIdentity:getCallerIdentity", "arn", "arn:aws-cn:iam::1:user/offline"),
        ("aws:index/getRegion:getRegion", "region", "cn-north-1"),
    ],
)
def test_data_sources_follow_the_partition(token: str, key: str, expected: str) -> None:
    answer = answer_invoke(token, {}, "cn-north-1", "1")
    assert answer is not None and answer[key] == expected


def test_an_unanswered_data_source_is_none() -> None:
    assert answer_invoke("aws:rds/getEngineVersion:getEngineVersion", {}, "eu-west-1", "1") is None


def test_a_config_secret_in_plain_configuration_is_still_reported(
    tmp_path: Path, policy_violations: ViolationsOf
) -> None:
    # The engine sends the value marked secret; pulumi_policy hands rules the plain value, and
    # Glue returns default arguments to anyone who can read the job: the finding stands.
    root = _program(
        tmp_path / "export",
        "test",
        "  aws:region: eu-west-1\n  dbPassword:\n    secure: AAABAKx0ZW5jcnlwdGVk\n",
        "import pulumi, pulumi_aws as aws\n"
        "password = pulumi.Config().require_secret('dbPassword')\n"
        "aws.glue.Job('export', role_arn='arn:aws:iam::1:role/r', security_configuration='s',\n"
        "             command={'script_location': 's3://b/k.py'},\n"
        "             default_arguments={'--db-password': password})\n",
    )
    (job,) = [r for r in capture(load_program(root, "test")).registrations if r.name == "export"]
    # On the wire the secret stays where the program put it, inside the map.
    password = job.inputs["defaultArguments"]["--db-password"]
    assert password == {SIG: "1b47061264138c4ac30d75fd1eb44270", "value": OFFLINE_SECRET}
    found = policy_violations(root, stack="test", policy_config={"required-tags": "disabled"})
    assert [(v.policy_name, v.resource_name) for v in found] == [
        ("no-plaintext-credential-inputs", "export")
    ]


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        pytest.param(
            "prdo",
            "no stack file {root}/Pulumi.prdo.yaml; stacks in {root}: dev, prod (did you mean "
            "'prod'?)",
            id="misspelt",
        ),
        pytest.param(
            "qa", "no stack file {root}/Pulumi.qa.yaml; stacks in {root}: dev, prod", id="missing"
        ),
    ],
)
def test_a_missing_or_misspelt_stack_file_is_a_usage_error(
    tmp_path: Path, stack: str, message: str
) -> None:
    root = _program(tmp_path / "app", "dev", "  aws:region: eu-west-1\n", "")
    (root / "Pulumi.prod.yaml").write_text("config: {}\n")
    with pytest.raises(ProgramError) as raised:
        load_program(root, stack)
    assert str(raised.value) == message.format(root=root)


def test_project_config_defaults_apply_and_what_the_check_cannot_use_is_noted(
    tmp_path: Path,
) -> None:
    root = _program(tmp_path / "app", "dev", "  app:size: large\n  token:\n    secure: AAAB\n", "")
    (root / "Pulumi.yaml").write_text(
        "name: app\nruntime: python\nconfig:\n  app:size: {default: small}\n  app:zones: 2\n"
    )
    program = load_program(root, "dev")
    assert {k: program.config[k] for k in ("app:size", "app:zones")} == {
        "app:size": "large",
        "app:zones": "2",
    }
    assert program.notes == (
        f"config app:token is a secure: value, which the check cannot decrypt: the program sees "
        f"'{OFFLINE_SECRET}' in its place, marked secret",
        "aws:region is set in neither the stack file nor Pulumi.yaml; the check answers as "
        "us-east-1 (a deployment would need it set)",
    )


def test_the_program_sees_only_the_environment_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-programs")
    monkeypatch.setenv("TEAM_SETTING", "passed")
    root = _program(
        tmp_path / "env",
        "test",
        "  aws:region: eu-west-1\n",
        "import os\nimport pulumi_aws as aws\n"
        "aws.sns.Topic('t', tags={k: os.environ.get(k, 'absent')\n"
        "                         for k in ('AWS_SECRET_ACCESS_KEY', 'TEAM_SETTING')})\n",
    )
    preview = capture(load_program(root, "test"), pass_env=["TEAM_SETTING"])
    (topic,) = [r for r in preview.registrations if r.name == "t"]
    assert topic.inputs["tags"] == {"AWS_SECRET_ACCESS_KEY": "absent", "TEAM_SETTING": "passed"}


def test_inputs_the_provider_would_reject_and_none_standing_in_are_noted(tmp_path: Path) -> None:
    root = _program(
        tmp_path / "typo",
        "test",
        "  aws:region: eu-west-1\n",
        "import pulumi, pulumi_aws as aws\n"
        "bucket = aws.s3.Bucket('b', bucket='named')\n"
        "aws.s3.BucketServerSideEncryptionConfiguration('b-sse', bucket=bucket.id,\n"
        "    rules=[{'apply_server_side_encryption_by_defaults': {'sse_algorithm': 'aws:kms'}}])\n"
        "aws.sns.Topic('t', display_name=f\"{pulumi.Config().get('team')}-alerts\")\n",
    )
    result = check_program(load_program(root, "test"), policy_config={"all": "disabled"})
    sse = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    assert (
        f"{sse} 'b-sse': rules[0].apply_server_side_encryption_by_defaults is not an input of "
        "BucketServerSideEncryptionConfigurationRuleArgs (did you mean "
        "'applyServerSideEncryptionByDefault'?)"
    ) in result.notes
    assert (
        "aws:sns/topic:Topic 't': input displayName holds the text 'None' where a value was "
        "expected (a lookup or output without a value?)"
    ) in result.notes
