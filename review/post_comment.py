"""Posts a Markdown comment on a pull request, or updates the one an earlier run posted.

A hidden marker (one per stack) identifies our comment, so re-runs edit it instead of piling up
comments. CodeCommit goes through boto3, GitHub through its REST API with `urllib`. A body over
the provider's size limit is cut at a line boundary with a note, never rejected.

CLI: `python -m review.post_comment --body-file comment.md [--stack dev]`, configured by the
environment the CodeBuild `preview` project sets (see docs/delivery.md); exit 2 names a missing
argument or variable, exit 1 reports an API failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

from botocore.exceptions import (  # type: ignore[import-untyped]  # no type information
    BotoCoreError,
    ClientError,
)

from review.layout import CODECOMMIT, GITHUB, cut_at_line, size

CODECOMMIT_COMMENT_LIMIT: Final = CODECOMMIT.chars
GITHUB_COMMENT_LIMIT: Final = GITHUB.chars
DEFAULT_GITHUB_API: Final = "https://api.github.com"
GITHUB_PAGE_SIZE: Final = 100
# UpdateComment errors after which posting a new comment is the right recovery.
_REPLACEABLE: Final = frozenset(
    {
        "CommentDeletedException",
        "CommentDoesNotExistException",
        "CommentNotCreatedByCallerException",
    }
)

Action = Literal["created", "updated"]


class CommentError(RuntimeError):
    """The provider refused or failed the request; `code` is the service's error code."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class UsageError(ValueError):
    """A required argument or environment variable is missing or malformed."""


@dataclass(frozen=True)
class Posted:
    """What happened: a new comment or an edit of the marked one."""

    action: Action
    comment_id: str


@dataclass(frozen=True)
class CodeCommitPullRequest:
    """A CodeCommit pull request at one revision (destination and source tip commits)."""

    repository: str
    pull_request_id: str
    before_commit: str
    after_commit: str


@dataclass(frozen=True)
class GitHubPullRequest:
    """A GitHub pull request; `api_url` is the REST root (GitHub Enterprise or a test server).

    Without a number, the open pull request whose head is `commit` is looked up.
    """

    repository: str
    number: int | None
    token: str
    api_url: str = DEFAULT_GITHUB_API
    commit: str | None = None


def marker(key: str) -> str:
    """The hidden HTML comment that identifies our comment for `key` (e.g. the stack)."""
    return f"<!-- data-platform:pr-comment:{key} -->"


def fit(body: str, *, key: str, limit: int) -> str:
    """The marker and body, cut at a line boundary so the UTF-8 size is at most `limit`.

    Bytes are counted, not characters, so a limit in either unit is respected. An open code
    fence is closed before the truncation note.
    """
    head = marker(key) + "\n"
    text = head + body
    if size(text) <= limit:
        return text
    note = (
        "\n_Comment truncated to fit the pull-request comment size limit; the full text is in"
        " the build's artifacts._\n"
    )
    return head + cut_at_line(body, limit - size(head), tail=note)


def post_codecommit(client: Any, pr: CodeCommitPullRequest, body: str, *, key: str) -> Posted:
    """Update our comment on this revision of the pull request, or post a new one.

    CodeCommit anchors a general comment to the (before, after) commit pair, so a new push gets a
    new comment and a re-run on the same revision edits the existing one.
    """
    content = fit(body, key=key, limit=CODECOMMIT_COMMENT_LIMIT)
    existing = _find_codecommit_comment(client, pr, key)
    if existing is not None:
        try:
            _aws(client.update_comment, "UpdateComment", commentId=existing, content=content)
            return Posted("updated", existing)
        except CommentError as exc:
            if exc.code not in _REPLACEABLE:
                raise
    response = _aws(
        client.post_comment_for_pull_request,
        "PostCommentForPullRequest",
        pullRequestId=pr.pull_request_id,
        repositoryName=pr.repository,
        beforeCommitId=pr.before_commit,
        afterCommitId=pr.after_commit,
        content=content,
    )
    return Posted("created", str(response["comment"]["commentId"]))


def _find_codecommit_comment(client: Any, pr: CodeCommitPullRequest, key: str) -> str | None:
    tag = marker(key)
    found: str | None = None
    for comment in _codecommit_comments(client, pr):
        content = comment.get("content") or ""
        if not comment.get("deleted") and not comment.get("inReplyTo") and tag in content:
            found = str(comment["commentId"])
    return found


def _codecommit_comments(client: Any, pr: CodeCommitPullRequest) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {
        "pullRequestId": pr.pull_request_id,
        "repositoryName": pr.repository,
        "beforeCommitId": pr.before_commit,
        "afterCommitId": pr.after_commit,
    }
    while True:
        page = _aws(client.get_comments_for_pull_request, "GetCommentsForPullRequest", **request)
        for group in page.get("commentsForPullRequestData", []):
            yield from group.get("comments", [])
        if not page.get("nextToken"):
            return
        request["nextToken"] = page["nextToken"]


def _aws(call: Callable[..., Any], operation: str, **params: Any) -> Any:
    try:
        return call(**params)
    except (BotoCoreError, ClientError) as exc:
        code = exc.response["Error"].get("Code") if isinstance(exc, ClientError) else None
        raise CommentError(f"CodeCommit {operation} failed: {exc}", code=code) from exc


def post_github(pr: GitHubPullRequest, body: str, *, key: str) -> Posted:
    """Edit our comment on the pull request's conversation, or post a new one."""
    content = fit(body, key=key, limit=GITHUB_COMMENT_LIMIT)
    if pr.number is None:
        pr = replace(pr, number=find_github_pull_request(pr))
    existing = _find_github_comment(pr, key)
    if existing is not None:
        url = f"{pr.api_url}/repos/{pr.repository}/issues/comments/{existing}"
        try:
            _github(pr, "PATCH", url, {"body": content})
            return Posted("updated", str(existing))
        except CommentError as exc:
            # Not ours to edit (403) or deleted meanwhile (404): post a fresh one instead.
            if exc.code not in {"403", "404"}:
                raise
    url = f"{pr.api_url}/repos/{pr.repository}/issues/{pr.number}/comments"
    created = _github(pr, "POST", url, {"body": content})
    return Posted("created", str(created["id"]))


def find_github_pull_request(pr: GitHubPullRequest) -> int:
    """The number of the open pull request whose head is `pr.commit`.

    A CodePipeline pull-request trigger passes the commit but not the pull-request number.
    """
    url = f"{pr.api_url}/repos/{pr.repository}/commits/{pr.commit}/pulls"
    pulls = [p for p in _github(pr, "GET", url) or [] if p.get("state") == "open"]
    at_head = [p for p in pulls if p.get("head", {}).get("sha") == pr.commit]
    candidates = at_head or pulls
    if len(candidates) != 1:
        numbers = ", ".join(f"#{p.get('number')}" for p in candidates) or "none"
        raise CommentError(
            f"cannot tell which pull request commit {pr.commit} belongs to (open: {numbers});"
            " set PULL_REQUEST_ID"
        )
    return int(candidates[0]["number"])


def _find_github_comment(pr: GitHubPullRequest, key: str) -> int | None:
    tag = marker(key)
    found: int | None = None
    page = 1
    while True:
        url = (
            f"{pr.api_url}/repos/{pr.repository}/issues/{pr.number}/comments"
            f"?per_page={GITHUB_PAGE_SIZE}&page={page}"
        )
        comments = _github(pr, "GET", url)
        if not isinstance(comments, list):
            raise CommentError(f"GitHub GET {url}: expected a list of comments")
        for comment in comments:
            if tag in (comment.get("body") or ""):
                found = int(comment["id"])
        if len(comments) < GITHUB_PAGE_SIZE:
            return found
        page += 1


def _github(pr: GitHubPullRequest, method: str, url: str, payload: object = None) -> Any:
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/vnd.github+json")
    request.add_header("Authorization", f"Bearer {pr.token}")
    request.add_header("X-GitHub-Api-Version", "2022-11-28")
    request.add_header("User-Agent", "data-platform-delivery")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:300]
        message = f"GitHub {method} {url}: HTTP {exc.code}: {detail}"
        raise CommentError(message, code=str(exc.code)) from exc
    except urllib.error.URLError as exc:
        raise CommentError(f"GitHub {method} {url}: {exc.reason}") from exc


def _require(env: Mapping[str, str], name: str, why: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise UsageError(f"environment variable {name} is not set ({why})")
    return value


def codecommit_from_env(env: Mapping[str, str]) -> CodeCommitPullRequest:
    """The pull request named by REPOSITORY_NAME, PULL_REQUEST_ID and the two commit ids."""
    why = "needed for SOURCE_PROVIDER=codecommit"
    return CodeCommitPullRequest(
        repository=_require(env, "REPOSITORY_NAME", why),
        pull_request_id=_require(env, "PULL_REQUEST_ID", why),
        before_commit=_require(env, "DESTINATION_COMMIT", why),
        after_commit=_require(env, "SOURCE_COMMIT", why),
    )


def github_from_env(env: Mapping[str, str]) -> GitHubPullRequest:
    """The pull request named by GITHUB_REPOSITORY and PULL_REQUEST_ID, with GITHUB_TOKEN.

    Without PULL_REQUEST_ID, SOURCE_COMMIT (or CodeBuild's CODEBUILD_RESOLVED_SOURCE_VERSION)
    names the pull request's head commit.
    """
    why = "needed for SOURCE_PROVIDER=github"
    repository = _require(env, "GITHUB_REPOSITORY", why)
    owner, _, name = repository.partition("/")
    if not owner or not name or "/" in name:
        raise UsageError(f"GITHUB_REPOSITORY must be owner/name (got {repository!r})")
    number = env.get("PULL_REQUEST_ID", "").strip()
    commit = (
        env.get("SOURCE_COMMIT") or env.get("CODEBUILD_RESOLVED_SOURCE_VERSION") or ""
    ).strip()
    if number and not number.isdigit():
        raise UsageError(f"PULL_REQUEST_ID must be a pull-request number (got {number!r})")
    if not number and not commit:
        raise UsageError(
            "environment variable PULL_REQUEST_ID is not set (needed for SOURCE_PROVIDER=github,"
            " unless SOURCE_COMMIT names the pull request's head commit)"
        )
    api_url = env.get("GITHUB_API_URL", "").strip() or DEFAULT_GITHUB_API
    return GitHubPullRequest(
        repository,
        int(number) if number else None,
        _require(env, "GITHUB_TOKEN", why),
        api_url.rstrip("/"),
        commit or None,
    )


def post_from_env(
    body: str,
    *,
    key: str,
    env: Mapping[str, str],
    codecommit_client: Callable[[], Any] | None = None,
) -> Posted:
    """Post to the provider named by SOURCE_PROVIDER, configured from `env`."""
    provider = env.get("SOURCE_PROVIDER", "").strip()
    if provider == "github":
        return post_github(github_from_env(env), body, key=key)
    if provider == "codecommit":
        pr = codecommit_from_env(env)
        client = (codecommit_client or (lambda: _codecommit_client(env)))()
        return post_codecommit(client, pr, body, key=key)
    if not provider:
        raise UsageError("environment variable SOURCE_PROVIDER is not set (codecommit or github)")
    raise UsageError(f"SOURCE_PROVIDER must be codecommit or github (got {provider!r})")


def _codecommit_client(env: Mapping[str, str]) -> Any:
    import boto3  # type: ignore[import-untyped]  # boto3 ships no type information

    return boto3.client("codecommit", region_name=env.get("AWS_REGION") or None)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m review.post_comment",
        description="Post or update the preview comment on the pull request named by the env.",
    )
    parser.add_argument("--body-file", type=Path, required=True, help="Markdown comment to post")
    parser.add_argument(
        "--stack", default=os.environ.get("STACK"), help="stack the comment is about (env STACK)"
    )
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = _parser().parse_args(argv)
    environment = os.environ if env is None else env
    try:
        if not args.stack:
            raise UsageError("--stack is required (or set the environment variable STACK)")
        body = _read_body(args.body_file)
        posted = post_from_env(body, key=f"preview:{args.stack}", env=environment)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CommentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{posted.action} pull-request comment {posted.comment_id}")
    return 0


def _read_body(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"--body-file {path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--body-file {path}: cannot read it ({exc})") from exc


if __name__ == "__main__":
    raise SystemExit(main())
