"""The one HTTP failure classifier, shared by the media fetch (``tasks/media.py``) and the Kaltura
edge (``tasks/kaltura.py``).

* a status: :func:`reachflow.errors.http_status_error` (408/425/429/5xx transient, other 4xx permanent);
* a transport failure (connection refused or dropped, timeout, broken chunked body, TLS), from
  ``httpx`` or ``requests``: always transient, and named by its type only, so no URL (which may
  carry a KS) reaches a message.
"""

from __future__ import annotations

import httpx
import requests

from reachflow.errors import ReachError, TransientError, http_status_error

__all__ = ["check_status", "is_transport_failure", "transport_error"]


def check_status(status: int, what: str) -> None:
    """Raise the tree's error for an HTTP ``status`` (nothing for a success)."""
    error = http_status_error(status, what)
    if error is not None:
        raise error


def is_transport_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is a network-level failure (no usable HTTP answer arrived)."""
    return isinstance(exc, (httpx.TransportError, requests.RequestException, OSError, TimeoutError))


def transport_error(exc: BaseException, what: str) -> ReachError:
    """A transport failure as a :class:`TransientError` naming ``what`` and the failure's type."""
    return TransientError(f"{what} failed: {type(exc).__name__}")
