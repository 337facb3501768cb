"""What a credential looks like, by name and by value; shared by the plaintext-secret rules.

Names: password, passphrase, secret, token, api key, private key, credential(s), access key,
auth, signing key, HMAC, verification. A name ending in a reference or context suffix (_ARN,
KeyId, Name, Region, Ssl, Behavior, Protocol, ...) says where a secret lives or how it is used,
not the secret.
Values: AWS access keys, GitHub, Slack and Stripe tokens, private keys in PEM, credentials in a
URL, Slack webhook URLs. Values that point at a secret store (an ARN, a KMS secrets-provider URI,
`{{resolve:...}}`) are references.
"""

from __future__ import annotations

import re

SECRET_NAME = re.compile(
    r"passw(or)?d|passphrase|(^|[^a-z])pwd|secret|token|api[_-]?key|private[_-]?key|credential"
    r"|access[_-]?key|auth(?!or)|signing|hmac|verif(y|ication)",
    re.I,
)
REFERENCE_NAME = re.compile(
    r"(_|[a-z])(arn|id|ids|name|param|parameter|path|type|mode|length|enabled|version|policy"
    r"|location|uri|url|duration|validity|ttl|expiry|rotation|scopes?|region|host|port"
    r"|algorithm|format|header|issuer|audience|endpoint|ssl|tls|behaviou?r|protocol|method)$",
    re.I,
)
REFERENCE_VALUE = re.compile(
    r"^(arn:|awskms://|azurekeyvault://|gcpkms://|hashivault://|\{\{resolve:|\$\{|\$\.|States\.)"
)
# Each shape with a text it cannot match without (None: none), so most strings skip its scan.
_SHAPES: tuple[tuple[str, re.Pattern[str], str | None], ...] = (
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b"), None),
    (
        "a GitHub token",
        re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})"),
        None,
    ),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "xox"),
    (
        "a Slack webhook URL",
        re.compile(r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/\w+"),
        "hooks.slack.com/",
    ),
    ("a Stripe secret key", re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}"), "k_live_"),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "PRIVATE KEY-----"),
    ("a password in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I), "://"),
)
_SECRET_KEY = re.compile(r"[A-Za-z0-9/+]{40}")
_ENUM = re.compile(r"^[A-Z0-9_.:-]+$")


def credential_name(name: str) -> bool:
    """True for a name that says it holds a credential (not where one is stored)."""
    return bool(SECRET_NAME.search(name)) and not REFERENCE_NAME.search(name)


def shape_of(value: str) -> str | None:
    """What kind of credential `value` contains, judged by its shape alone, or None."""
    return next(
        (
            kind
            for kind, pattern, needle in _SHAPES
            if (needle is None or needle in value) and pattern.search(value)
        ),
        None,
    )


def aws_secret_key(value: str) -> bool:
    """40 characters of mixed case, digits and /+: an AWS secret access key's shape."""
    return bool(_SECRET_KEY.fullmatch(value)) and all(
        re.search(p, value) for p in ("[A-Z]", "[a-z]", "[0-9]")
    )


def literal_credential(value: object) -> bool:
    """A plain string that could be a credential: not a reference, an enum word or a switch."""
    if not isinstance(value, str) or len(value) < 6 or REFERENCE_VALUE.match(value):
        return False
    return not _ENUM.match(value) and value.lower() not in ("true", "false")


# Text that is shown to people (a pull-request comment, a log's tail) is redacted with the same
# shapes and names, so one definition decides both what SEC-010 reports and what is hidden.
REDACTED = "[redacted]"
_PRIVATE_KEY_BLOCK = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"
)
_SECRET_KEY_IN_TEXT = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# A name, its separator, and (looked ahead at, so that a value may itself be the next name) the
# value it introduces.
_NAMED_VALUE = re.compile(
    r"(?P<name>[A-Za-z_][\w.-]*)[\"']?\s*[:=]\s*[\"']?(?=(?P<value>[^\s\"',;&:=]+))"
)


def redact(text: str) -> str:
    """`text` with every credential replaced by `[redacted]`: values of a credential's shape
    (private keys whole), AWS secret access keys, and the literal value after a credential's
    name (`AWS_SECRET_ACCESS_KEY=...`, `"password": "..."`)."""
    text = _PRIVATE_KEY_BLOCK.sub(REDACTED, text)
    for _kind, pattern, needle in _SHAPES:
        if needle is None or needle in text:
            text = pattern.sub(REDACTED, text)
    text = _SECRET_KEY_IN_TEXT.sub(lambda m: REDACTED if aws_secret_key(m[0]) else m[0], text)
    spans = [
        match.span("value")
        for match in _NAMED_VALUE.finditer(text)
        if match["value"] != REDACTED
        and credential_name(match["name"])
        and literal_credential(match["value"])
    ]
    for start, end in reversed(spans):
        text = text[:start] + REDACTED + text[end:]
    return text
