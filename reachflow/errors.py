"""ReachFlow's error tree: what is retried and what ends a job.

::

    ReachError
    ├── TransientError            retried with backoff (5xx, timeouts, dropped connections,
    │   │                         an expired vendor KS that a renewal fixes)
    │   └── AccessKeyExpired      the task's accessKey expired: extend it, then retry
    └── PermanentError            the job cannot be done: it ends in Kaltura status ERROR,
        │                         with ``err_description`` as the task's errDescription
        ├── MediaError            no usable flavor, undecodable or silent media
        ├── LanguageMismatch      the spoken language is not the ordered one
        ├── UnsupportedJob        a feature / service type / language pair we do not serve
        │   └── NoTranslationEngine   no machine translation engine for the language pair
        ├── DeadlineExceeded      the job's deadline passed and the policy is to give up
        └── TaskAlreadyFinal      Kaltura says the task is already READY/ERROR/ABORTED/REJECTED

Every message is one line, specific, and free of secrets (no KS, no secret, no token): it is
written to Kaltura and shown to the customer. Use :func:`one_line` to build one from free text.
"""

from __future__ import annotations

import re

__all__ = [
    "AccessKeyExpired",
    "DeadlineExceeded",
    "LanguageMismatch",
    "MediaError",
    "NoTranslationEngine",
    "PermanentError",
    "ReachError",
    "TaskAlreadyFinal",
    "TransientError",
    "UnsupportedJob",
    "one_line",
    "redact",
    "register_secret",
]

MAX_ERR_DESCRIPTION = 250

# A KS (v1 or v2), long hex/base64 tokens: never let them reach a message.
_SECRET_PATTERNS = [
    re.compile(r"djJ8[A-Za-z0-9_\-+/=]{8,}"),  # KS v2 ("v2|" base64)
    re.compile(r"\b[A-Za-z0-9+/_\-]{40,}={0,2}"),  # long base64/hex blobs (KS v1, tokens, secrets)
    re.compile(r"(?<![A-Za-z0-9_])[0-9a-fA-F]{32,}(?![A-Za-z0-9_])"),  # admin secrets, app tokens (hex)
    re.compile(r"(?i)(\b(?:ks|secret|token|accesskey|captiontoken)(?:[\"']?\s*=\s*|[\"']?:[\"']?|/))[^\s,;&\"'/]+"),
]
# Secrets known by value (registered where they enter the process: the account block, a task's
# accessKey, a live caption token). Shorter values are not registered: they would redact ordinary text.
_KNOWN_SECRETS: set[str] = set()
_MIN_KNOWN_SECRET = 12


def register_secret(value: str | None) -> None:
    """Redact ``value`` wherever it appears from now on (in this process)."""
    if value and len(value) >= _MIN_KNOWN_SECRET:
        _KNOWN_SECRETS.add(value)


def redact(text: str) -> str:
    """Remove anything that looks like a KS, token or secret from ``text``.

    Known secrets (see :func:`register_secret`) go first, by value, longest first; then the shapes
    secrets have (KS v1/v2, long base64 or hex runs, ``token=...``-style assignments).
    """
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
        else:
            text = pattern.sub("[redacted]", text)
    return text


def one_line(text: str, limit: int = MAX_ERR_DESCRIPTION) -> str:
    """A single redacted line of at most ``limit`` characters."""
    flat = " ".join(redact(str(text)).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


class ReachError(Exception):
    """Base of every error ReachFlow raises on purpose."""

    def __init__(self, message: str) -> None:
        self.message = one_line(message)
        super().__init__(self.message)


class TransientError(ReachError):
    """A fault that a later attempt may not meet: retry with backoff."""


class AccessKeyExpired(TransientError):
    """The task's accessKey (customer KS) expired; extendAccessKey and retry."""


class PermanentError(ReachError):
    """The job cannot be done; ``err_description`` goes to Kaltura with status ERROR."""

    @property
    def err_description(self) -> str:
        return self.message


class MediaError(PermanentError):
    """No usable flavor, or media that cannot be decoded, or media with no sound."""


class LanguageMismatch(PermanentError):
    """The spoken language is not the ordered source language."""


class UnsupportedJob(PermanentError):
    """A feature, service type or language pair ReachFlow does not serve."""


class NoTranslationEngine(UnsupportedJob):
    """No machine translation engine serves the pair: "no machine translation engine for English→French".

    Args:
        source: The source language's Kaltura name ("English").
        target: The target language's Kaltura name ("French").
    """

    def __init__(self, source: str, target: str) -> None:
        self.source = source
        self.target = target
        super().__init__(f"no machine translation engine for {source}→{target}")

    def __reduce__(self) -> tuple[type[NoTranslationEngine], tuple[str, str]]:
        return (type(self), (self.source, self.target))


class DeadlineExceeded(PermanentError):
    """The job's deadline passed (and the deadline policy is to give up)."""


class TaskAlreadyFinal(PermanentError):
    """The task is already in a final state on Kaltura; there is nothing left to do."""
