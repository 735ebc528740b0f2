"""ReachFlow's error tree: what is retried and what ends a job.

::

    ReachError
    ├── TransientError            retried with backoff (5xx, timeouts, dropped connections,
    │   │                         an expired vendor KS that a renewal fixes)
    │   └── AccessKeyExpired      the task's accessKey expired: extend it, then retry
    └── PermanentError            the job cannot be done: it ends in Kaltura status ERROR,
        │                         with ``err_description`` as the task's errDescription
        ├── JobRejected           the customer's order or media cannot be served; the flow run
        │   │                     ends in the completed state "Rejected" (nobody at the vendor
        │   │                     has to act), not Failed
        │   ├── MediaError        no usable flavor, no audio, undecodable, silent, no speech
        │   ├── LanguageMismatch  the spoken language is not the ordered one
        │   ├── UnsupportedJob    a feature / service type / language pair we do not serve
        │   │   ├── NoTranslationEngine  no machine translation engine for the language pair
        │   │   └── NoVoice       no speech-synthesis voice speaks the language (dubbing, description)
        │   └── NoSourceCaption   a translation's source caption is missing or unreadable
        ├── ModelUnavailable      a speech model is not installed on this worker (ours to fix)
        ├── DeadlineExceeded      the job's deadline passed and the policy is to give up
        ├── ReviewAbandoned       a person's submissions kept failing validation
        └── TaskAlreadyFinal      Kaltura says the task is already READY/ERROR/ABORTED/REJECTED

Where each class comes from:

* Kaltura calls: ``tasks/kaltura.py::map_kaltura_error`` (``code`` keeps Kaltura's error code).
* HTTP downloads (media, caption files): :func:`http_status_error`, one classifier for the media
  fetch and the Kaltura edge: 408/425/429 and 5xx are transient, any other 4xx is permanent.
* Anything else reaching a job's lifecycle is not one of ours: :func:`classify_unexpected` makes it
  an :class:`UnexpectedFailure` (transient: the task stays PROCESSING, the run fails with the
  reason, and reconcile restarts it a bounded number of times before it ends the task in ERROR
  with that reason).

Every message is one line, specific, and free of secrets (no KS, no secret, no token): it is
written to Kaltura and shown to the customer. Use :func:`one_line` to build one from free text.
"""

from __future__ import annotations

import re

__all__ = [
    "AccessKeyExpired",
    "DeadlineExceeded",
    "JobRejected",
    "LanguageMismatch",
    "MediaError",
    "ModelUnavailable",
    "NoSourceCaption",
    "NoTranslationEngine",
    "NoVoice",
    "PermanentError",
    "ReachError",
    "ReviewAbandoned",
    "TaskAlreadyFinal",
    "TransientError",
    "UnexpectedFailure",
    "UnsupportedJob",
    "classify_unexpected",
    "http_status_error",
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
    """Base of every error ReachFlow raises on purpose.

    ``code`` is the upstream error code when there is one (Kaltura's, e.g. ``ENTRY_ID_NOT_FOUND``).
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.message = one_line(message)
        self.code = code
        super().__init__(self.message)


class TransientError(ReachError):
    """A fault that a later attempt may not meet: retry with backoff."""


class AccessKeyExpired(TransientError):
    """The task's accessKey (customer KS) expired; extendAccessKey and retry."""


class UnexpectedFailure(TransientError):
    """An exception that is none of ours (a bug, a library surprise): the run fails with its reason
    and reconcile restarts the job a bounded number of times."""


class PermanentError(ReachError):
    """The job cannot be done; ``err_description`` goes to Kaltura with status ERROR."""

    @property
    def err_description(self) -> str:
        """The task's errDescription (one line, redacted)."""
        return self.message


class JobRejected(PermanentError):
    """The customer's order or media cannot be served: a correct ERROR, not a vendor failure."""


class MediaError(JobRejected):
    """No usable flavor, or media that cannot be decoded, or media with no sound or no speech."""


class LanguageMismatch(JobRejected):
    """The spoken language is not the ordered source language."""


class UnsupportedJob(JobRejected):
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


class NoVoice(UnsupportedJob):
    """No offline voice speaks the language: "no speech voice for Klingon (tlh)".

    Args:
        language: The language's name or code as ordered ("Klingon").
        code: Its ISO code when known ("tlh").
    """

    def __init__(self, language: str, code: str | None = None) -> None:
        self.language = language
        self.language_code = code
        suffix = f" ({code})" if code and code != language else ""
        super().__init__(f"no speech voice for {language}{suffix}")

    def __reduce__(self) -> tuple[type[NoVoice], tuple[str, str | None]]:
        return (type(self), (self.language, self.language_code))


class ModelUnavailable(PermanentError):
    """A speech model (or the package that ships it) is not installed on this worker.

    ``message`` is the redacted one-liner that may reach Kaltura (long paths can look like
    tokens to the redactor); ``detail`` keeps the full text, paths included, for operators' logs.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.detail = message


class DeadlineExceeded(PermanentError):
    """The job's deadline passed (and the deadline policy is to give up)."""


class ReviewAbandoned(PermanentError):
    """A person's submissions for a human job were refused too many times."""


class TaskAlreadyFinal(PermanentError):
    """The task is already in a final state on Kaltura; there is nothing left to do."""


# HTTP statuses worth another attempt: timeouts, too early/too many requests, and every 5xx.
_TRANSIENT_STATUSES = {408, 425, 429}


def http_status_error(status: int, what: str) -> ReachError | None:
    """The error an HTTP ``status`` means for ``what`` (e.g. "media download"), or None for success.

    The one HTTP classifier of ReachFlow (media fetch and the Kaltura edge): 408, 425, 429 and
    5xx are transient; any other status from 400 up is permanent; below 400 is not an error.

    Example:
        >>> type(http_status_error(503, "media download")).__name__
        'TransientError'
    """
    if status < 400:
        return None
    if status >= 500 or status in _TRANSIENT_STATUSES:
        return TransientError(f"{what} failed with HTTP {status}")
    return PermanentError(f"{what} refused with HTTP {status}")


def classify_unexpected(exc: BaseException, where: str = "") -> ReachError:
    """Any exception as a member of the tree: ours pass through, others become UnexpectedFailure."""
    if isinstance(exc, ReachError):
        return exc
    prefix = f"{where}: " if where else ""
    detail = one_line(str(exc), limit=120)
    return UnexpectedFailure(f"{prefix}unexpected {type(exc).__name__}" + (f" ({detail})" if detail else ""))


class NoSourceCaption(JobRejected):
    """A translation from captions has no source caption to read (or it cannot be read)."""
