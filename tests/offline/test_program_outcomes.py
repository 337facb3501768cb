"""A program passes only when the Pulumi SDK finishes it: an early exit, a hang, a kill or a crash
fails the check with the program-failed status, says where, and the findings on what the program
declared before that are still reported."""

import json
from pathlib import Path

import pytest

from offline import status
from offline.harness import capture, load_answers, load_program
from tests.offline.reports import sarif
from tests.offline.test_check_cli import check_cli

TAGLESS = Path(__file__).resolve().parents[1] / "fixtures" / "tagless-policy-config.json"
HEAD = "import os\nimport signal\nimport sys\n\nimport pulumi_aws as aws\n\naws.s3.Bucket('open')\n"
TAIL_LINE = 8  # the line of the program's tail, after HEAD
OPEN_BUCKET_FINDING = "aws:s3/bucket:Bucket 'open': has no BucketServerSideEncryptionConfiguration"


def program(root: Path, tail: str, config: str = "  aws:region: eu-west-1\n") -> Path:
    """A program declaring an unencrypted, public bucket, then running `tail`."""
    root.mkdir()
    (root / "Pulumi.yaml").write_text(f"name: {root.name}\nruntime: python\n")
    (root / "Pulumi.test.yaml").write_text(f"config:\n{config}")
    (root / "__main__.py").write_text(HEAD + tail)
    return root


def _check(root: Path, *extra: str) -> tuple[int, str, str]:
    result = check_cli(
        "--program", str(root), "--stack", "test", "--policy-config", str(TAGLESS), *extra
    )
    return result.returncode, result.stdout, result.stderr


def test_sys_exit_0_after_a_violation_cannot_pass(tmp_path: Path) -> None:
    report = tmp_path / "findings.json"
    code, out, err = _check(program(tmp_path / "bypass", "sys.exit(0)\n"), "--report", str(report))

    assert code == status.PROGRAM_FAILED, out + err
    assert "called sys.exit(0) before it finished" in err
    assert f"(at __main__.py:{TAIL_LINE})" in err
    assert OPEN_BUCKET_FINDING in out
    written = json.loads(report.read_text())
    assert (written["status"], written["exitCode"]) == ("program-failed", status.PROGRAM_FAILED)
    assert (written["failure"]["kind"], written["failure"]["location"]) == (
        "exited",
        f"__main__.py:{TAIL_LINE}",
    )
    encryption = next(f for f in written["findings"] if f["ruleId"] == "ENC-001")
    assert encryption["resource"] == {
        "urn": "urn:pulumi:test::bypass::aws:s3/bucket:Bucket::open",
        "type": "aws:s3/bucket:Bucket",
        "name": "open",
    }
    assert encryption["location"] == {"file": "__main__.py", "line": TAIL_LINE - 1}


# Seconds a never-ending program is given (`--timeout`).
DEADLINE = 20


@pytest.mark.parametrize(
    ("tail", "line", "declared"),
    [
        pytest.param("while True:\n    pass\n", TAIL_LINE, False, id="module-code"),
        # An apply runs once its resource is registered: that resource is judged.
        pytest.param(
            "import time\n"
            "named = aws.s3.Bucket('named', bucket='named-bucket')\n"
            "named.bucket.apply(lambda _: time.sleep(3600))\n",
            TAIL_LINE + 2,
            True,
            id="apply",
        ),
    ],
)
def test_a_program_that_never_ends_is_stopped_at_its_deadline(
    tmp_path: Path, tail: str, line: int, declared: bool
) -> None:
    # The deadline counts from the child's start, imports included: on a loaded machine these
    # take several seconds, and the test needs the program to reach its loop before the deadline.
    code, out, err = _check(program(tmp_path / "spin", tail), "--timeout", str(DEADLINE))

    assert code == status.PROGRAM_FAILED, out + err
    assert f"did not finish within {DEADLINE} s and was stopped" in err
    assert f"(at __main__.py:{line})" in err
    assert ("aws:s3/bucket:Bucket 'named': has no BucketServerSideEncryption" in out) is declared


def test_a_crash_keeps_the_findings_on_what_was_declared_before_it(tmp_path: Path) -> None:
    report = tmp_path / "findings.sarif"
    code, out, err = _check(
        program(tmp_path / "crash", "settings = {}\nsettings['vpc_id']\n"), "--report", str(report)
    )

    assert code == status.PROGRAM_FAILED, out + err
    assert "the program raised KeyError: 'vpc_id'" in err
    assert f"(at __main__.py:{TAIL_LINE + 1})" in err
    assert "Traceback (most recent call last)" in err
    assert OPEN_BUCKET_FINDING in out
    assert "ENC-001 s3-bucket-sse-kms [mandatory]" in out
    (run,) = sarif(report)["runs"]
    assert "ENC-001" in {r["ruleId"] for r in run["results"]}
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    failure = invocation["toolExecutionNotifications"][0]
    assert failure["message"]["text"] == "the program raised KeyError: 'vpc_id'"
    assert failure["locations"][0]["physicalLocation"]["region"] == {"startLine": TAIL_LINE + 1}


@pytest.mark.parametrize(
    ("tail", "kind", "summary"),
    [
        pytest.param(
            "os._exit(0)\n",
            "ended-early",
            "process ended (exit status 0) before the Pulumi SDK finished it",
            id="os-exit",
        ),
        pytest.param(
            "os.kill(os.getpid(), signal.SIGKILL)\n",
            "killed",
            "was killed by SIGKILL",
            id="killed",
        ),
        pytest.param(
            "import pulumi_nonexistent_package\n",
            "raised",
            "No module named 'pulumi_nonexistent_package'; install it into the environment",
            id="missing-import",
        ),
        pytest.param(
            "aws.ssm.get_parameter(name='/app/db-host')\n",
            "raised",
            "no answer for data source aws:ssm/getParameter:getParameter",
            id="unanswered-data-source",
        ),
        pytest.param(
            "import pulumi\npulumi.log.error('the VPC id is not configured')\n",
            "logged-error",
            "logged 1 error(s)",
            id="logged-error",
        ),
    ],
)
def test_every_other_way_to_end_early_is_a_failure(
    tmp_path: Path, tail: str, kind: str, summary: str
) -> None:
    preview = capture(load_program(program(tmp_path / "early", tail), "test"), timeout=60)

    assert preview.failure is not None
    assert (preview.failure.kind, summary in preview.failure.summary) == (kind, True)


def test_a_data_source_answered_from_the_answers_file_completes(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "invokes:\n"
        "  - token: aws:ssm/getParameter:getParameter\n"
        "    args: {name: /app/db-host}\n"
        "    result: {name: /app/db-host, value: db.internal, type: String}\n"
    )
    tail = (
        "host = aws.ssm.get_parameter(name='/app/db-host').value\n"
        "aws.sns.Topic('copy', display_name=host + ':5432')\n"
    )
    loaded = load_program(program(tmp_path / "answered", tail), "test")

    preview = capture(loaded, answers=load_answers(answers))

    assert preview.failure is None
    copy = next(r for r in preview.registrations if r.name == "copy")
    assert copy.inputs["displayName"] == "db.internal:5432"
    assert [(i.token, i.answered_by) for i in preview.record.invokes] == [
        ("aws:ssm/getParameter:getParameter", str(answers))
    ]
