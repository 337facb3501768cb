"""The AWS SDK calls a Python file makes, and the IAM actions each needs.

Calls are listed by awslabs' IAM Policy Autopilot (`iam-policy-autopilot extract-sdk-calls`,
offline, telemetry off), each file's result cached by its content. Two kinds of use it does not
list are added from the file's syntax tree: S3's managed transfer methods (`s3.copy`, which
boto3 adds to the client) and an operation passed by reference (`_aws(client.update_comment)`)
of a service the file already calls. IAM actions are the Service Authorization Reference's
(policy_sentry), `<prefix>:<Operation>` unless an operation's documentation names others
(`OPERATION_ACTIONS`).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import botocore.session  # type: ignore[import-untyped]
from botocore import xform_name
from policy_sentry.querying.actions import get_action_data

TOOL = "iam-policy-autopilot"
TOOL_VERSION = "0.3.0"
# boto3's S3 managed transfers (boto3 docs, "File transfer configuration"): copy runs HeadObject,
# then CopyObject, or above the multipart threshold (8 MB) CreateMultipartUpload, UploadPartCopy,
# CompleteMultipartUpload and, when a part fails, AbortMultipartUpload.
TRANSFER_METHODS = frozenset(
    {"copy", "upload_file", "upload_fileobj", "download_file", "download_fileobj"}
)
# The SDK's service name -> the IAM prefix where they differ.
IAM_PREFIX = {"stepfunctions": "states", "sfn": "states", "redshiftdata": "redshift-data"}
# Operations authorized by other actions (Amazon S3 API Reference, each operation's
# "Permissions"; transfers as above).
OPERATION_ACTIONS: dict[str, tuple[str, ...]] = {
    "s3:HeadObject": ("s3:GetObject",),
    "s3:HeadBucket": ("s3:ListBucket",),
    "s3:ListObjects": ("s3:ListBucket",),
    "s3:ListObjectsV2": ("s3:ListBucket",),
    "s3:ListObjectVersions": ("s3:ListBucketVersions",),
    "s3:DeleteObjects": ("s3:DeleteObject",),
    # CopyObject: "s3:GetObject" on the source and "s3:PutObject" on the destination.
    "s3:CopyObject": ("s3:GetObject", "s3:PutObject"),
    "s3:Copy": ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"),
    "s3:UploadFile": ("s3:PutObject", "s3:AbortMultipartUpload"),
    "s3:UploadFileobj": ("s3:PutObject", "s3:AbortMultipartUpload"),
    "s3:DownloadFile": ("s3:GetObject",),
    "s3:DownloadFileobj": ("s3:GetObject",),
}


class UnknownOperationError(LookupError):
    """An SDK operation that maps to no IAM action the reference knows."""


@dataclass(frozen=True)
class SdkCall:
    """One use of an SDK operation: service (SDK name), method (snake case), where."""

    service: str
    method: str
    location: str


def iam_actions(service: str, method: str) -> tuple[str, ...]:
    """The IAM actions an SDK operation needs."""
    prefix = IAM_PREFIX.get(service, service)
    operation = "".join(part.capitalize() for part in method.split("_"))
    name = f"{prefix}:{operation}"
    if name in OPERATION_ACTIONS:
        return OPERATION_ACTIONS[name]
    if _known(prefix, operation):
        return (name,)
    raise UnknownOperationError(
        f"{service}.{method}: no IAM action {name} in the Service Authorization Reference; "
        "name its actions in offline/access/sdk_calls.py OPERATION_ACTIONS"
    )


@cache
def _known(prefix: str, operation: str) -> bool:
    return bool(get_action_data(prefix, operation))


@cache
def resourceless(action: str) -> bool:
    """Whether an action takes no resource (its only resource type is `*`)."""
    prefix, name = action.split(":", 1)
    entries = [e for found in get_action_data(prefix, name).values() for e in found]
    return bool(entries) and all(e["resource_arn_format"] == "*" for e in entries)


def tool() -> str:
    """The extractor's executable: beside this interpreter (the project's venv), else PATH."""
    beside = Path(sys.executable).parent / TOOL
    found = str(beside) if beside.exists() else shutil.which(TOOL)
    if found is None:
        raise FileNotFoundError(f"{TOOL} is not installed (the test group of pyproject.toml)")
    return found


def _run_tool(paths: Sequence[Path]) -> list[dict[str, object]]:
    env = {**os.environ, "DISABLE_IAM_POLICY_AUTOPILOT_TELEMETRY": "true"}
    done = subprocess.run(
        [tool(), "extract-sdk-calls", "--full-output", *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    found: list[dict[str, object]] = json.loads(done.stdout or "[]")
    return found


def _cached(root: Path, path: Path, cache_dir: Path | None) -> list[dict[str, object]] | None:
    if cache_dir is None:
        return None
    entry = cache_dir / f"{_digest(root / path)}.json"
    return list(json.loads(entry.read_text())) if entry.is_file() else None


def _digest(path: Path) -> str:
    return hashlib.sha256(f"{TOOL_VERSION}\0".encode() + path.read_bytes()).hexdigest()


def extracted(root: Path, files: Iterable[Path], cache_dir: Path | None = None) -> list[SdkCall]:
    """Every SDK call in `files` (paths relative to `root`), by the tool and the tree scan."""
    files = sorted(set(files))
    results = {f: _cached(root, f, cache_dir) for f in files}
    missing = [f for f, r in results.items() if r is None]
    if missing:
        # One run over all of them: the tool processes files concurrently.
        found = _run_tool([root / f for f in missing])
        for path in missing:
            results[path] = [c for c in found if _location(c).startswith(str(root / path) + ":")]
            if cache_dir is not None:
                cache_dir.mkdir(parents=True, exist_ok=True)
                (cache_dir / f"{_digest(root / path)}.json").write_text(json.dumps(results[path]))
    calls: list[SdkCall] = []
    for path in files:
        for call in results[path] or []:
            services = call.get("PossibleServices") or []
            assert isinstance(services, list)
            line = _location(call).rsplit(":", 1)[-1].split(".", 1)[0]
            calls += [SdkCall(str(s), str(call["Name"]), f"{path}:{line}") for s in services]
        calls += _from_tree(root / path, path, {c.service for c in calls})
    return calls


def _location(call: dict[str, object]) -> str:
    metadata = call.get("Metadata")
    return str(metadata.get("Location", "")) if isinstance(metadata, dict) else ""


def _from_tree(path: Path, name: Path, services: set[str]) -> list[SdkCall]:
    """Transfers and operations passed by reference, which the tool does not list."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literal = {
        n.args[0].value
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "client"
        and n.args
        and isinstance(n.args[0], ast.Constant)
        and isinstance(n.args[0].value, str)
    }
    operations = {s: _operations(s) for s in (services | literal)}
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found: list[SdkCall] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        where = f"{name}:{node.lineno}"
        receiver = ast.unparse(node.value)
        if node.attr in TRANSFER_METHODS and receiver.split(".")[-1] == "s3":
            found.append(SdkCall("s3", node.attr, where))
        elif id(node) not in called:
            found += [
                SdkCall(s, node.attr, where) for s, ops in operations.items() if node.attr in ops
            ]
    return found


@cache
def _operations(service: str) -> frozenset[str]:
    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # an unknown service name: no operations to look for
        return frozenset()
    return frozenset(xform_name(op) for op in model.operation_names)
