"""Posting the preview comment: create, update the marked comment, truncate to the provider's
limit, and CLI errors, for CodeCommit (botocore Stubber) and GitHub (a local HTTP server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.stub import Stubber  # type: ignore[import-untyped]

from review.layout import GITHUB
from review.post_comment import (
    CODECOMMIT_COMMENT_LIMIT,
    CodeCommitPullRequest,
    CommentError,
    fit,
    main,
    marker,
    post_codecommit,
    post_from_env,
)

KEY = "preview:dev"
BEFORE, AFTER = "a" * 40, "b" * 40
PR = CodeCommitPullRequest("data-platform", "42", BEFORE, AFTER)
CODECOMMIT_ENV = {
    "SOURCE_PROVIDER": "codecommit",
    "REPOSITORY_NAME": "data-platform",
    "PULL_REQUEST_ID": "42",
    "SOURCE_COMMIT": AFTER,
    "DESTINATION_COMMIT": BEFORE,
    "AWS_REGION": "eu-west-1",
}
LOOKUP = {
    "pullRequestId": "42",
    "repositoryName": "data-platform",
    "beforeCommitId": BEFORE,
    "afterCommitId": AFTER,
}


# --- size limit -------------------------------------------------------------------------------


def test_a_short_body_is_kept_whole_behind_the_marker() -> None:
    assert fit("## Preview\n", key=KEY, limit=1000) == f"{marker(KEY)}\n## Preview\n"


@pytest.mark.parametrize("limit", [CODECOMMIT_COMMENT_LIMIT, GITHUB.chars])
def test_a_long_body_is_cut_at_a_line_within_the_limit_in_utf8_bytes(limit: int) -> None:
    body = "".join(f"| row {i} | → |\n" for i in range(20_000))
    text = fit(body, key=KEY, limit=limit)
    assert len(text.encode("utf-8")) <= limit
    assert text.startswith(marker(KEY) + "\n| row 0 |")
    kept = text.splitlines()[1:-2]
    assert kept and all(line.startswith("| row ") and line.endswith("|") for line in kept)
    assert text.endswith("the full text is in the build's artifacts._\n")


def test_a_cut_inside_a_code_fence_closes_the_fence() -> None:
    body = "intro\n```text\n" + "log line\n" * 5000 + "```\n"
    text = fit(body, key=KEY, limit=2000)
    assert len(text.encode("utf-8")) <= 2000
    assert sum(line.startswith("```") for line in text.splitlines()) == 2


# --- CodeCommit -------------------------------------------------------------------------------


@pytest.fixture
def codecommit() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "codecommit", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _comment(comment_id: str, content: str, **extra: Any) -> dict[str, Any]:
    return {"commentId": comment_id, "content": content, **extra}


def _comments(*comments: dict[str, Any], next_token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"commentsForPullRequestData": [{**LOOKUP, "comments": list(comments)}]}
    return {**page, "nextToken": next_token} if next_token else page


def test_codecommit_posts_a_new_comment_on_the_revision(codecommit: tuple[Any, Stubber]) -> None:
    client, stubber = codecommit
    stubber.add_response("get_comments_for_pull_request", _comments(_comment("c1", "LGTM")), LOOKUP)
    stubber.add_response(
        "post_comment_for_pull_request",
        {"comment": {"commentId": "c2"}},
        {**LOOKUP, "content": f"{marker(KEY)}\n## Preview\n"},
    )
    posted = post_codecommit(client, PR, "## Preview\n", key=KEY)
    assert (posted.action, posted.comment_id) == ("created", "c2")


def test_codecommit_updates_the_marked_comment_found_on_a_later_page(
    codecommit: tuple[Any, Stubber],
) -> None:
    client, stubber = codecommit
    ours = f"{marker(KEY)}\nold"
    stubber.add_response(
        "get_comments_for_pull_request", _comments(_comment("c1", "LGTM"), next_token="t"), LOOKUP
    )
    stubber.add_response(
        "get_comments_for_pull_request",
        _comments(
            _comment("c3", ours),
            _comment("c4", ours, inReplyTo="c3"),
            _comment("c5", f"{marker('preview:prod')}\nprod"),
            _comment("c6", ours, deleted=True),
        ),
        {**LOOKUP, "nextToken": "t"},
    )
    stubber.add_response(
        "update_comment",
        {"comment": {"commentId": "c3"}},
        {"commentId": "c3", "content": f"{marker(KEY)}\nnew"},
    )
    posted = post_codecommit(client, PR, "new", key=KEY)
    assert (posted.action, posted.comment_id) == ("updated", "c3")


def test_codecommit_posts_anew_when_the_marked_comment_is_not_ours(
    codecommit: tuple[Any, Stubber],
) -> None:
    client, stubber = codecommit
    stubber.add_response(
        "get_comments_for_pull_request", _comments(_comment("c1", f"{marker(KEY)}\nx")), LOOKUP
    )
    stubber.add_client_error("update_comment", "CommentNotCreatedByCallerException")
    stubber.add_response("post_comment_for_pull_request", {"comment": {"commentId": "c2"}})
    assert post_codecommit(client, PR, "new", key=KEY).action == "created"


def test_codecommit_content_respects_the_comment_limit(codecommit: tuple[Any, Stubber]) -> None:
    client, stubber = codecommit
    sent: dict[str, str] = {}
    stubber.add_response("get_comments_for_pull_request", _comments(), LOOKUP)
    stubber.add_response("post_comment_for_pull_request", {"comment": {"commentId": "c9"}})
    client.meta.events.register(
        "provide-client-params.codecommit.PostCommentForPullRequest",
        lambda params, **_: sent.update(content=params["content"]),
    )
    post_codecommit(client, PR, "| row |\n" * 5000, key=KEY)
    assert len(sent["content"].encode("utf-8")) <= CODECOMMIT_COMMENT_LIMIT
    assert "truncated" in sent["content"]


def test_codecommit_api_errors_become_comment_errors(codecommit: tuple[Any, Stubber]) -> None:
    client, stubber = codecommit
    stubber.add_client_error(
        "get_comments_for_pull_request", "PullRequestDoesNotExistException", "no such PR"
    )
    with pytest.raises(CommentError, match=r"GetCommentsForPullRequest failed.*no such PR"):
        post_codecommit(client, PR, "x", key=KEY)


def test_the_cli_posts_to_codecommit_from_the_environment(
    codecommit: tuple[Any, Stubber], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, stubber = codecommit
    stubber.add_response("get_comments_for_pull_request", _comments(), LOOKUP)
    stubber.add_response("post_comment_for_pull_request", {"comment": {"commentId": "c2"}})
    monkeypatch.setattr("review.post_comment._codecommit_client", lambda env: client)
    body = tmp_path / "comment.md"
    body.write_text("## Preview\n")
    assert main(["--body-file", str(body), "--stack", "dev"], env=CODECOMMIT_ENV) == 0


# --- GitHub -----------------------------------------------------------------------------------


@dataclass
class FakeGitHub:
    """Issue comments of one pull request, served like the GitHub REST API."""

    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    refuse_edit: bool = False
    pulls: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> dict[str, Any] | None:
            fake.tokens.add(self.headers.get("Authorization", ""))
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            fake.requests.append((self.command, self.path, body))
            return body

        def do_GET(self) -> None:
            self._record()
            if "/commits/" in self.path:
                return self._reply(200, fake.pulls)
            page = int(self.path.rsplit("page=", 1)[1])
            self._reply(200, fake.comments[(page - 1) * 100 : page * 100])

        def do_POST(self) -> None:
            body = self._record() or {}
            if self.path != "/repos/acme/data-platform/issues/7/comments":
                return self._reply(404, {"message": "Not Found"})
            created = {"id": 1000 + len(fake.comments), "body": body["body"]}
            fake.comments.append(created)
            self._reply(201, created)

        def do_PATCH(self) -> None:
            body = self._record() or {}
            if fake.refuse_edit:
                return self._reply(403, {"message": "Must have admin rights"})
            comment_id = int(self.path.rsplit("/", 1)[1])
            comment = next(c for c in fake.comments if c["id"] == comment_id)
            comment["body"] = body["body"]
            self._reply(200, comment)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _github_env(fake: FakeGitHub) -> dict[str, str]:
    return {
        "SOURCE_PROVIDER": "github",
        "GITHUB_REPOSITORY": "acme/data-platform",
        "GITHUB_TOKEN": "t0ken",
        "PULL_REQUEST_ID": "7",
        "GITHUB_API_URL": fake.url,
    }


def test_github_posts_a_new_comment(github: FakeGitHub) -> None:
    posted = post_from_env("## Preview\n", key=KEY, env=_github_env(github))
    assert posted.action == "created"
    assert github.comments == [{"id": 1000, "body": f"{marker(KEY)}\n## Preview\n"}]
    assert github.tokens == {"Bearer t0ken"}


def test_github_updates_the_marked_comment_on_a_later_page(github: FakeGitHub) -> None:
    github.comments = [{"id": i, "body": "chatter"} for i in range(150)]
    github.comments[120]["body"] = f"{marker(KEY)}\nold"
    posted = post_from_env("new", key=KEY, env=_github_env(github))
    assert (posted.action, posted.comment_id) == ("updated", "120")
    assert github.comments[120]["body"] == f"{marker(KEY)}\nnew"
    assert [(m, p) for m, p, _ in github.requests] == [
        ("GET", "/repos/acme/data-platform/issues/7/comments?per_page=100&page=1"),
        ("GET", "/repos/acme/data-platform/issues/7/comments?per_page=100&page=2"),
        ("PATCH", "/repos/acme/data-platform/issues/comments/120"),
    ]


def test_github_posts_anew_when_the_marked_comment_cannot_be_edited(github: FakeGitHub) -> None:
    github.comments = [{"id": 5, "body": f"{marker(KEY)}\nsomeone else's"}]
    github.refuse_edit = True
    assert post_from_env("new", key=KEY, env=_github_env(github)).action == "created"
    assert len(github.comments) == 2


def test_github_body_respects_the_comment_limit(github: FakeGitHub) -> None:
    post_from_env("| row |\n" * 20_000, key=KEY, env=_github_env(github))
    (comment,) = github.comments
    assert len(comment["body"]) <= GITHUB.chars
    assert "truncated" in comment["body"]


def test_github_finds_the_pull_request_from_its_head_commit(github: FakeGitHub) -> None:
    github.pulls = [
        {"number": 3, "state": "closed", "head": {"sha": "c0ffee"}},
        {"number": 6, "state": "open", "head": {"sha": "older"}},
        {"number": 7, "state": "open", "head": {"sha": "c0ffee"}},
    ]
    env = {**_github_env(github), "PULL_REQUEST_ID": "", "SOURCE_COMMIT": "c0ffee"}
    assert post_from_env("x", key=KEY, env=env).action == "created"
    assert github.requests[0][:2] == ("GET", "/repos/acme/data-platform/commits/c0ffee/pulls")
    assert github.requests[-1][:2] == ("POST", "/repos/acme/data-platform/issues/7/comments")


def test_github_without_a_pull_request_for_the_commit_asks_for_the_id(github: FakeGitHub) -> None:
    env = {**_github_env(github), "PULL_REQUEST_ID": "", "SOURCE_COMMIT": "c0ffee"}
    with pytest.raises(CommentError, match=r"commit c0ffee belongs to \(open: none\)"):
        post_from_env("x", key=KEY, env=env)


def test_github_http_errors_name_the_status(github: FakeGitHub) -> None:
    env = {**_github_env(github), "PULL_REQUEST_ID": "8"}
    with pytest.raises(CommentError, match=r"POST .*/issues/8/comments: HTTP 404"):
        post_from_env("x", key=KEY, env=env)


def test_the_cli_posts_to_github(github: FakeGitHub, tmp_path: Path) -> None:
    body = tmp_path / "comment.md"
    body.write_text("## Preview\n")
    assert main(["--body-file", str(body), "--stack", "dev"], env=_github_env(github)) == 0
    assert github.comments[0]["body"].startswith(marker("preview:dev"))


# --- CLI errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SOURCE_PROVIDER is not set"),
        ({"SOURCE_PROVIDER": "gitlab"}, "SOURCE_PROVIDER must be codecommit or github"),
        ({**CODECOMMIT_ENV, "REPOSITORY_NAME": ""}, "REPOSITORY_NAME is not set"),
        ({**CODECOMMIT_ENV, "DESTINATION_COMMIT": " "}, "DESTINATION_COMMIT is not set"),
        (
            {"SOURCE_PROVIDER": "github", "GITHUB_REPOSITORY": "acme/x", "PULL_REQUEST_ID": "7"},
            "GITHUB_TOKEN is not set",
        ),
        (
            {"SOURCE_PROVIDER": "github", "GITHUB_REPOSITORY": "acme", "PULL_REQUEST_ID": "7"},
            "GITHUB_REPOSITORY must be owner/name",
        ),
        (
            {"SOURCE_PROVIDER": "github", "GITHUB_REPOSITORY": "acme/x", "PULL_REQUEST_ID": "x"},
            "PULL_REQUEST_ID must be a pull-request number",
        ),
        (
            {"SOURCE_PROVIDER": "github", "GITHUB_REPOSITORY": "acme/x", "GITHUB_TOKEN": "t"},
            "PULL_REQUEST_ID is not set",
        ),
    ],
    ids=[
        "no-provider",
        "bad-provider",
        "no-repo",
        "no-dest",
        "no-token",
        "bad-repo",
        "bad-pr",
        "no-pr-no-commit",
    ],
)
def test_the_cli_exits_2_naming_the_missing_variable(
    env: dict[str, str], missing: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = tmp_path / "comment.md"
    body.write_text("x")
    assert main(["--body-file", str(body), "--stack", "dev"], env=env) == 2
    assert missing in capsys.readouterr().err


def test_the_cli_exits_2_without_a_stack_or_body_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STACK", raising=False)
    body = tmp_path / "comment.md"
    body.write_text("x")
    assert main(["--body-file", str(body)], env=CODECOMMIT_ENV) == 2
    assert "--stack is required (or set the environment variable STACK)" in capsys.readouterr().err
    missing = tmp_path / "missing.md"
    assert main(["--body-file", str(missing), "--stack", "dev"], env=CODECOMMIT_ENV) == 2
    assert f"--body-file {missing}: no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["--stack", "dev"], env=CODECOMMIT_ENV)
    assert exit_info.value.code == 2
    assert "--body-file" in capsys.readouterr().err


def test_the_cli_exits_1_on_an_api_failure(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = tmp_path / "comment.md"
    body.write_text("x")
    env = {**_github_env(github), "PULL_REQUEST_ID": "8"}
    assert main(["--body-file", str(body), "--stack", "dev"], env=env) == 1
    err = capsys.readouterr().err
    assert "HTTP 404" in err and "t0ken" not in err
