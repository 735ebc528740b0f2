"""The Kaltura edge: every API call ReachFlow makes, typed, with Kaltura failures mapped to the
error tree (``reachflow.errors``).

* :class:`VendorApi` works on the **vendor KS** (appToken session, or admin secret with
  ``disableentitlement``), renewed before it expires and re-issued once when Kaltura says it expired:
  getJobs, list, updateJob, extendAccessKey.
* :class:`TaskApi` works on one task's **accessKey** (the customer KS Kaltura minted for the task),
  with its own client so the clientTag and response profile of one task never leak into another:
  the job with ``reach_vendor``, media, uploads, assets, entry tags. An expired accessKey is
  extended (vendor KS) and the call retried once.
* clientTag, as the vendor guide asks: ``<default>_vendorName-vendorPartnerId`` on vendor calls,
  plus ``-taskId`` on task calls.

**One retry policy.** This module is the only place a Kaltura call is repeated
(:data:`RETRY_POLICY`): transient faults only (5xx, timeouts, dropped connections, Kaltura's
internal errors), at most ``attempts`` tries in all and no new try after ``budget_seconds``. The
Prefect tasks around these calls add no retries of their own; a job whose call still fails stays
PROCESSING and its run fails with the reason, for reconcile to restart.

**Lost answers.** A write whose answer was lost (the connection dropped after Kaltura did the
work, a timeout) is never simply repeated: it is *verified* first by reading back what it was
meant to change, and only repeated when Kaltura shows it did not happen. ``add`` looks for the
asset by its tags; ``setContent`` reads the asset back (READY with the same bytes) and otherwise
uploads the content again under a fresh upload token (a token is consumed by the first
``setContent``, so repeating with it fails with UPLOADED_FILE_NOT_FOUND_BY_TOKEN); ``updateJob``
reads the task back (already in the wanted status with the wanted output).
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import requests
from pydantic import SecretStr

from blocks.kaltura import KalturaVendorAccount
from reachflow.enums import AttachmentType, CaptionAssetStatus, EntryVendorTaskStatus
from reachflow.errors import (
    AccessKeyExpired,
    PermanentError,
    ReachError,
    TaskAlreadyFinal,
    TransientError,
    one_line,
    register_secret,
)
from reachflow.models import (
    AttachmentAssetInfo,
    CaptionAssetInfo,
    CatalogItem,
    CuePointInfo,
    EntryInfo,
    EntryVendorTask,
    FlavorInfo,
    Job,
    PlaybackContext,
    ReachProfile,
)
from tasks.http import check_status, is_transport_failure, transport_error

__all__ = ["RETRY_POLICY", "RetryPolicy", "TaskApi", "VendorApi", "call_with_policy", "map_kaltura_error"]

log = logging.getLogger("reachflow.kaltura")

T = TypeVar("T")
PAGE_SIZE = 500
UPLOAD_TOKEN_FULL = 2  # KalturaUploadTokenStatus.FULL_UPLOAD
TRANSIENT_CODES = {"INTERNAL_SERVERL_ERROR", "SERVICE_UNAVAILABLE", "EXCEEDED_ACTIONS_LIMIT"}
# Codes whose meaning for the job is known; anything else Kaltura rejects is permanent too, with
# Kaltura's own (redacted) message as the description.
PERMANENT_DESCRIPTIONS = {
    "ENTRY_ID_NOT_FOUND": "the entry no longer exists or is not accessible",
    "INVALID_ENTRY_ID": "the entry id is not valid",
    "FLAVOR_ASSET_ID_NOT_FOUND": "the media flavor no longer exists",
    "NO_PERMISSION_ON_ENTRY": "the task's access key does not allow this entry",
    "ENTRY_VENDOR_TASK_NOT_FOUND": "the task was not found for this vendor",
    "APP_TOKEN_ID_NOT_FOUND": "the vendor app token was not found",
    "INVALID_APP_TOKEN_HASH": "the vendor app token was rejected (wrong token or hash type)",
    "APP_TOKEN_NOT_ACTIVE": "the vendor app token is not active",
    "APP_TOKEN_EXPIRED": "the vendor app token has expired",
    "START_SESSION_ERROR": "the vendor admin secret was rejected",
    "SERVICE_FORBIDDEN": "Kaltura refused the call for this session",
}


# ---------------------------------------------------------------------------------------------
# Errors


def map_kaltura_error(exc: BaseException, *, context: str = "") -> ReachError:
    """Classify a KalturaClient / HTTP failure: transient (retry) or permanent (job ERROR)."""
    from KalturaClient.exceptions import KalturaClientException, KalturaException

    prefix = f"{context}: " if context else ""
    if isinstance(exc, ReachError):
        return exc
    if isinstance(exc, KalturaException):
        code = str(exc.code)
        message = one_line(str(exc.message))
        if code == "INVALID_KS":
            if "EXPIRED" in message or "LOGOUT" in message:
                return AccessKeyExpired(f"{prefix}Kaltura session expired", code=code)
            return PermanentError(f"{prefix}Kaltura rejected the session (INVALID_KS)", code=code)
        if code == "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE":
            return TaskAlreadyFinal(f"{prefix}the task is already in a final state", code=code)
        if code in TRANSIENT_CODES:
            return TransientError(f"{prefix}Kaltura internal error ({code})", code=code)
        description = PERMANENT_DESCRIPTIONS.get(code, message)
        return PermanentError(f"{prefix}{description} ({code})", code=code)
    if isinstance(exc, KalturaClientException):
        # -4 connection failed, -5 read failed, -9 read timeout, -10 gzip, -2/-8: not a Kaltura
        # envelope (a proxy's 5xx page): all worth another attempt.
        return TransientError(f"{prefix}Kaltura unreachable or answered badly (client error {exc.code})")
    if is_transport_failure(exc):
        return transport_error(exc, f"{prefix}talking to Kaltura")
    if isinstance(exc, (AttributeError, ValueError)) and "NoneType" in str(exc):
        # KalturaClient crashes this way on a body that is not XML at all (an HTML error page).
        return TransientError(f"{prefix}Kaltura answered with something that is not an API response")
    return PermanentError(f"{prefix}unexpected failure calling Kaltura ({type(exc).__name__})")


def _call(fn: Callable[[], T], context: str) -> T:
    try:
        return fn()
    except ReachError:
        raise
    except Exception as exc:
        raise map_kaltura_error(exc, context=context) from None


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long one Kaltura call is tried (the only retry loop for Kaltura calls).

    Attributes:
        attempts: Tries in all, the first included.
        delays: Seconds to wait before the 2nd, 3rd, ... try (the last one repeats), scaled by
            ``REACHFLOW_RETRY_DELAY_SCALE``.
        budget_seconds: No new try starts once this long has passed since the first.
    """

    attempts: int = 4
    delays: tuple[float, ...] = (0.5, 2.0, 8.0)
    budget_seconds: float = 90.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed try."""
        from reachflow.settings import get_settings

        return self.delays[min(failures, len(self.delays)) - 1] * get_settings().retry_delay_scale


RETRY_POLICY = RetryPolicy()
ONCE = RetryPolicy(attempts=1)
# Kaltura's refusals that can mean "an earlier try, whose answer was lost, already did this".
TOKEN_CONSUMED = "UPLOADED_FILE_NOT_FOUND_BY_TOKEN"
STATUS_ALREADY_MOVED = frozenset(
    {"CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE", "ENTRY_VENDOR_TASK_ITEM_COULD_NOT_BE_UPDATED"}
)


def call_with_policy(
    once: Callable[[], T],
    context: str,
    *,
    policy: RetryPolicy = RETRY_POLICY,
    verify: Callable[[], T | None] | None = None,
    lost_codes: frozenset[str] = frozenset(),
    retry_codes: frozenset[str] = frozenset(),
) -> T:
    """Try ``once()`` under ``policy``; a write passes ``verify`` so a lost answer is checked first.

    Args:
        once: One try; raises a :class:`ReachError`.
        context: What is being done (for the log).
        policy: Attempts and time budget.
        verify: For writes: reads back whether the write took effect; returns the result if it
            did, None if not. Called after every ambiguous failure (transient, or a code in
            ``lost_codes``) before the write is repeated or given up.
        lost_codes: Kaltura codes that can mean an earlier try did the work.
        retry_codes: Codes repeated like transient faults when ``verify`` finds nothing (the try
            itself prepares afresh, e.g. a new upload token).

    An expired session (:class:`AccessKeyExpired`) is raised at once: the caller renews it.
    """
    started = time.monotonic()
    for attempt in range(1, policy.attempts + 1):
        try:
            return once()
        except AccessKeyExpired:
            raise
        except ReachError as exc:
            transient = isinstance(exc, TransientError)
            if not transient and exc.code not in lost_codes:
                raise
            if verify is not None:
                done = verify()
                if done is not None:
                    log.info("%s: the answer was lost (%s) but Kaltura shows it done", context, exc.message)
                    return done
            if not transient and exc.code not in retry_codes:
                raise
            delay = policy.delay(attempt)
            if attempt >= policy.attempts or time.monotonic() - started + delay > policy.budget_seconds:
                if transient:
                    raise
                raise TransientError(exc.message, code=exc.code) from None
            log.info("%s: %s; try %s of %s in %.1f s", context, exc.message, attempt + 1, policy.attempts, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# Sessions


class _VendorSession:
    """The vendor KS of one account, shared by the threads of a process and renewed in time."""

    _lock = threading.Lock()
    _cache: ClassVar[dict[tuple[str, int, str], tuple[str, float]]] = {}

    def __init__(self, account: KalturaVendorAccount) -> None:
        self.account = account
        # One session per account *and* credentials: a block saved with another app token (or a
        # rotated one) never reuses a KS that its own credentials did not earn.
        proof = "|".join(
            str(v.get_secret_value() if isinstance(v, SecretStr) else v or "")
            for v in (account.app_token_id, account.app_token, account.app_token_hash_type, account.admin_secret)
        )
        self.key = (account.service_url, account.vendor_partner_id, hashlib.sha256(proof.encode()).hexdigest())

    def ks(self, force: bool = False) -> str:
        with self._lock:
            cached = self._cache.get(self.key)
            if cached and not force and cached[1] - time.time() > self.account.ks_renew_margin_seconds:
                return cached[0]
            ks, expires = self._start()
            self._cache[self.key] = (ks, expires)
            return ks

    def _start(self) -> tuple[str, float]:
        """Sign in under the retry policy (a session started twice is harmless)."""

        def once() -> tuple[str, float]:
            try:
                return self._start_once()
            except AccessKeyExpired as exc:  # the widget session died under us: just sign in again
                raise TransientError(exc.message) from None

        return call_with_policy(once, "vendor sign-in")

    def _start_once(self) -> tuple[str, float]:
        account = self.account
        client = account.new_client()
        client.setClientTag(f"{client.getClientTag()}_{account.vendor_name}-{account.vendor_partner_id}")
        expiry = account.ks_expiry_seconds
        from KalturaClient.Plugins.Core import KalturaSessionType

        if account.app_token_id and account.app_token:
            widget = _call(
                lambda: client.session.startWidgetSession(f"_{account.vendor_partner_id}", expiry), "vendor sign-in"
            )
            client.setKs(widget.ks)
            token = account.app_token.get_secret_value()
            digest = hashlib.new(account.app_token_hash_type.lower(), (widget.ks + token).encode()).hexdigest()
            info = _call(
                lambda: client.appToken.startSession(
                    account.app_token_id, digest, "", KalturaSessionType.ADMIN, expiry
                ),
                "vendor sign-in",
            )
            expires = float(info.expiry) if info.expiry not in (None, NotImplemented) else time.time() + expiry
            return str(info.ks), expires
        assert account.admin_secret is not None
        secret = account.admin_secret.get_secret_value()
        ks = _call(
            lambda: client.session.start(
                secret, "", KalturaSessionType.ADMIN, account.vendor_partner_id, expiry, "disableentitlement"
            ),
            "vendor sign-in",
        )
        return str(ks.decode() if isinstance(ks, bytes) else ks), time.time() + expiry


def _base_tag(client: Any) -> str:
    return str(client.getClientTag()).split("_")[0]


@dataclass(frozen=True)
class _Verified:
    """A write found already done by reading back (it carries the typed object read)."""

    task: EntryVendorTask


class VendorApi:
    """Calls made with the vendor KS."""

    def __init__(self, account: KalturaVendorAccount) -> None:
        self.account = account
        self._session = _VendorSession(account)

    def _client(self) -> Any:
        client = self.account.new_client()
        client.setClientTag(f"{_base_tag(client)}_{self.account.vendor_name}-{self.account.vendor_partner_id}")
        return client

    def _run(
        self,
        context: str,
        fn: Callable[[Any], T],
        *,
        verify: Callable[[], T | None] | None = None,
        lost_codes: frozenset[str] = frozenset(),
    ) -> T:
        """Run ``fn(client)`` on the vendor KS under the retry policy; an expired KS is renewed once
        and the call repeated (the expired KS was refused, so nothing was done)."""
        client = self._client()

        def attempts() -> T:
            return call_with_policy(
                lambda: _call(lambda: fn(client), context), context, verify=verify, lost_codes=lost_codes
            )

        client.setKs(self._session.ks())
        try:
            return attempts()
        except AccessKeyExpired:
            client.setKs(self._session.ks(force=True))
            try:
                return attempts()
            except AccessKeyExpired as exc:
                raise TransientError(exc.message) from None

    def _list_all(self, context: str, make_filter: Callable[[], Any], action: str) -> list[EntryVendorTask]:
        from KalturaClient.Plugins.Core import KalturaFilterPager

        tasks: list[EntryVendorTask] = []
        seen: set[int] = set()
        page = 1
        while True:
            pager = KalturaFilterPager(pageSize=PAGE_SIZE, pageIndex=page)

            def fetch(client: Any, pager: Any = pager) -> Any:
                return getattr(client.reach.entryVendorTask, action)(make_filter(), pager)

            result = self._run(context, fetch)
            objects = result.objects or []
            for obj in objects:
                task = EntryVendorTask.from_kaltura(obj)
                if task.id not in seen:
                    seen.add(task.id)
                    tasks.append(task)
            total = int(result.totalCount or 0)
            if len(objects) < PAGE_SIZE or page * PAGE_SIZE >= total:
                return tasks
            page += 1

    def get_pending_jobs(self) -> list[EntryVendorTask]:
        """Every PENDING task for this vendor (all pages, oldest first)."""
        from KalturaClient.Plugins.Reach import (
            KalturaEntryVendorTaskFilter,
            KalturaEntryVendorTaskOrderBy,
            KalturaEntryVendorTaskStatus,
        )

        def make() -> Any:
            f = KalturaEntryVendorTaskFilter()
            f.statusEqual = KalturaEntryVendorTaskStatus.PENDING
            f.vendorPartnerIdEqual = self.account.vendor_partner_id
            f.orderBy = KalturaEntryVendorTaskOrderBy.CREATED_AT_ASC
            return f

        return self._list_all("getJobs", make, "getJobs")

    def list_tasks(self, statuses: Iterable[int]) -> list[EntryVendorTask]:
        """This vendor's tasks in any of ``statuses`` (entryVendorTask.list, all pages)."""
        from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter, KalturaEntryVendorTaskOrderBy

        wanted = ",".join(str(int(s)) for s in statuses)

        def make() -> Any:
            f = KalturaEntryVendorTaskFilter()
            f.statusIn = wanted
            f.orderBy = KalturaEntryVendorTaskOrderBy.CREATED_AT_ASC
            return f

        return self._list_all("list tasks", make, "list")

    def get_task(self, task_id: int) -> EntryVendorTask | None:
        """One task as the vendor sees it (with its accessKey), or None."""
        from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

        def make() -> Any:
            f = KalturaEntryVendorTaskFilter()
            f.idEqual = int(task_id)
            return f

        found = self._list_all("read task", make, "list")
        return found[0] if found else None

    def update_job(
        self,
        task_id: int,
        *,
        status: EntryVendorTaskStatus | int | None = None,
        err_description: str | None = None,
        accuracy: int | None = None,
        output_object_id: str | None = None,
        external_task_id: str | None = None,
    ) -> EntryVendorTask:
        """entryVendorTask.updateJob with a fresh object holding only the fields to change."""
        from KalturaClient.Plugins.Reach import KalturaEntryVendorTask

        def update(client: Any) -> Any:
            change = KalturaEntryVendorTask()
            if status is not None:
                change.status = int(status)
            if err_description is not None:
                change.errDescription = one_line(err_description)
            if accuracy is not None:
                change.accuracy = int(accuracy)
            if output_object_id is not None:
                change.outputObjectId = output_object_id
            if external_task_id is not None:
                change.externalTaskId = external_task_id
            return client.reach.entryVendorTask.updateJob(int(task_id), change)

        def verify() -> Any:
            """The task already shows what this update was to set (an earlier try's answer was lost)."""
            current = self.get_task(task_id)
            if current is None or (status is not None and int(current.status) != int(status)):
                return None
            if output_object_id is not None and (current.output_object_id or "") != output_object_id:
                return None
            return _Verified(current)

        done = self._run(f"update task {task_id}", update, verify=verify, lost_codes=STATUS_ALREADY_MOVED)
        return done.task if isinstance(done, _Verified) else EntryVendorTask.from_kaltura(done)

    def extend_access_key(self, task_id: int) -> EntryVendorTask:
        return EntryVendorTask.from_kaltura(
            self._run(
                f"extend access key of task {task_id}", lambda c: c.reach.entryVendorTask.extendAccessKey(int(task_id))
            )
        )

    def get_catalog_item(self, catalog_item_id: int) -> CatalogItem:
        """One of this vendor's catalog items (vendorCatalogItem.get with the vendor KS)."""
        return CatalogItem.from_kaltura(
            self._run(
                f"read catalog item {catalog_item_id}",
                lambda c: c.reach.vendorCatalogItem.get(int(catalog_item_id)),
            )
        )

    def task_api(self, task: EntryVendorTask, on_access_key_expired: Callable[[], str] | None = None) -> TaskApi:
        def extend() -> str:
            return self.extend_access_key(task.id).access_key.get_secret_value()

        return TaskApi(self.account, task, on_access_key_expired or extend)


class TaskApi:
    """Calls made with one task's accessKey (the customer's entry)."""

    def __init__(
        self,
        account: KalturaVendorAccount,
        task: EntryVendorTask,
        on_access_key_expired: Callable[[], str] | None = None,
    ) -> None:
        self.account = account
        self.task = task
        self._access_key = task.access_key.get_secret_value()
        register_secret(self._access_key)
        self._on_expired = on_access_key_expired
        self._client_obj: Any = None

    def _client(self) -> Any:
        if self._client_obj is None:
            client = self.account.new_client()
            client.setClientTag(
                f"{_base_tag(client)}_{self.account.vendor_name}-{self.account.vendor_partner_id}-{self.task.id}"
            )
            self._client_obj = client
        self._client_obj.setKs(self._access_key)
        return self._client_obj

    def _run(
        self,
        context: str,
        fn: Callable[[Any], T],
        *,
        policy: RetryPolicy = RETRY_POLICY,
        verify: Callable[[], T | None] | None = None,
        lost_codes: frozenset[str] = frozenset(),
        retry_codes: frozenset[str] = frozenset(),
    ) -> T:
        """Run ``fn(client)`` on the accessKey under the retry policy; an expired key is extended
        once (vendor KS) and the call repeated (the expired key was refused: nothing was done)."""

        def attempts() -> T:
            return call_with_policy(
                lambda: _call(lambda: fn(self._client()), context),
                context,
                policy=policy,
                verify=verify,
                lost_codes=lost_codes,
                retry_codes=retry_codes,
            )

        try:
            return attempts()
        except AccessKeyExpired:
            if self._on_expired is None:
                raise
            self._access_key = self._on_expired()
            register_secret(self._access_key)
            return attempts()

    # Jobs and media ---------------------------------------------------------------------------

    def get_job(self) -> Job:
        """The task with its catalog item and REACH profile (``reach_vendor`` response profile)."""
        from KalturaClient.Plugins.Core import KalturaResponseProfileHolder

        def get(client: Any) -> Any:
            client.setResponseProfile(KalturaResponseProfileHolder(systemName="reach_vendor"))
            try:
                return client.reach.entryVendorTask.get(self.task.id)
            finally:
                # The Python client keeps a response profile for every later call: drop it.
                client.requestConfiguration.pop("responseProfile", None)

        obj = self._run(f"read job {self.task.id}", get)
        related = getattr(obj, "relatedObjects", None) or {}
        items = getattr(related.get("reach_vendor_catalog_item"), "objects", None) or []
        profiles = getattr(related.get("reach_vendor_profile"), "objects", None) or []
        if not items:
            raise PermanentError("the task's catalog item could not be read")
        fields = self.task.model_dump()
        fresh = EntryVendorTask.from_kaltura(obj)
        # reach_vendor leaves out serviceType/feature, deadlines...: keep what getJobs/list told us.
        merged = {**fields, **{k: v for k, v in fresh.model_dump().items() if v not in (None, 0, "", {})}}
        merged["access_key"] = self.task.access_key if not fresh.access_key.get_secret_value() else fresh.access_key
        task = EntryVendorTask(**merged)
        profile = ReachProfile.from_kaltura(profiles[0]) if profiles else ReachProfile()
        return Job(task=task, catalog_item=CatalogItem.from_kaltura(items[0]), profile=profile)

    def get_entry(self, entry_id: str) -> EntryInfo:
        return EntryInfo.from_kaltura(self._run("read entry", lambda c: c.baseEntry.get(entry_id)))

    def playback_context(self, entry_id: str, streamer_type: str = "http") -> PlaybackContext:
        from KalturaClient.Plugins.Core import KalturaPlaybackContextOptions

        def get(client: Any) -> Any:
            options = KalturaPlaybackContextOptions()
            options.streamerType = streamer_type
            return client.baseEntry.getPlaybackContext(entry_id, options)

        context = PlaybackContext.from_kaltura(self._run("read playback context", get))
        # Delivery URLs of protected entries need the KS (the vendor guide: append it).
        sources = [s.model_copy(update={"url": _with_ks(s.url, self._access_key)}) for s in context.sources]
        return context.model_copy(update={"sources": sources})

    def list_flavors(self, entry_id: str) -> list[FlavorInfo]:
        from KalturaClient.Plugins.Core import KalturaFilterPager, KalturaFlavorAssetFilter

        def get(client: Any) -> Any:
            f = KalturaFlavorAssetFilter()
            f.entryIdEqual = entry_id
            return client.flavorAsset.list(f, KalturaFilterPager(pageSize=500))

        return [FlavorInfo.from_kaltura(o) for o in (self._run("list flavors", get).objects or [])]

    def flavor_url(self, flavor_id: str) -> str:
        return str(self._run("read flavor URL", lambda c: c.flavorAsset.getUrl(flavor_id)))

    # Uploads ------------------------------------------------------------------------------------

    def upload(self, data: bytes | Path, file_name: str, chunk_size: int = 1_048_576) -> str:
        """Chunked, resumable uploadToken upload; returns the token id once FULL_UPLOAD."""
        from KalturaClient.Plugins.Core import KalturaUploadToken

        payload = Path(data).read_bytes() if isinstance(data, Path) else bytes(data)
        # A lost answer only leaves an unused token behind: safe to repeat.
        token = self._run(
            "create upload token",
            lambda c: c.uploadToken.add(KalturaUploadToken(fileName=file_name, fileSize=len(payload))),
        )
        token_id = str(token.id)
        offset = 0
        failures = 0
        started = time.monotonic()
        while True:
            chunk = payload[offset : offset + chunk_size]
            final = offset + len(chunk) >= len(payload)
            body = io.BytesIO(chunk)
            body.name = file_name  # a named file part, as Kaltura expects for fileData

            def send(client: Any, body: io.BytesIO = body, offset: int = offset, final: bool = final) -> Any:
                body.seek(0)
                return client.uploadToken.upload(token_id, body, offset > 0, final, offset if offset > 0 else -1)

            try:
                # One try per chunk: a failed chunk is not resent blindly but resumed from what
                # Kaltura actually received, under the same policy (attempts and time).
                self._run("upload", send, policy=ONCE)
            except TransientError:
                failures += 1
                delay = RETRY_POLICY.delay(failures)
                if (
                    failures >= RETRY_POLICY.attempts
                    or time.monotonic() - started + delay > RETRY_POLICY.budget_seconds
                ):
                    raise
                time.sleep(delay)
                current = self._run("read upload token", lambda c: c.uploadToken.get(token_id))
                offset = int(float(current.uploadedFileSize or 0))
                if offset >= len(payload) and _enum_value(current.status) == UPLOAD_TOKEN_FULL:
                    return token_id  # the last chunk arrived; only its answer was lost
                continue
            offset += len(chunk)
            if final:
                return token_id

    # Caption and transcript assets ------------------------------------------------------------------

    def find_caption_assets(self, entry_id: str, tag: str) -> list[CaptionAssetInfo]:
        from KalturaClient.Plugins.Caption import KalturaCaptionAssetFilter
        from KalturaClient.Plugins.Core import KalturaFilterPager

        def get(client: Any) -> Any:
            f = KalturaCaptionAssetFilter()
            f.entryIdEqual = entry_id
            f.tagsMultiLikeAnd = tag
            return client.caption.captionAsset.list(f, KalturaFilterPager(pageSize=500))

        return [CaptionAssetInfo.from_kaltura(o) for o in (self._run("list caption assets", get).objects or [])]

    def add_caption_asset(
        self,
        entry_id: str,
        *,
        language: str,
        label: str,
        format: str,
        accuracy: int,
        is_default: bool,
        display_on_player: bool,
        tags: str,
        file_ext: str,
    ) -> CaptionAssetInfo:
        from KalturaClient.Plugins.Caption import KalturaCaptionAsset
        from KalturaClient.Plugins.Core import KalturaNullableBoolean

        def add(client: Any) -> Any:
            asset = KalturaCaptionAsset()
            asset.language = language
            asset.label = label
            asset.format = str(format)
            asset.accuracy = int(accuracy)
            asset.isDefault = KalturaNullableBoolean.TRUE_VALUE if is_default else KalturaNullableBoolean.FALSE_VALUE
            asset.displayOnPlayer = display_on_player
            asset.tags = tags
            asset.fileExt = file_ext
            return client.caption.captionAsset.add(entry_id, asset)

        def verify() -> Any:
            # ``tags`` names the task and the asset's role: an asset carrying them is this add.
            found = [a for a in self.find_caption_assets(entry_id, tags.split(",")[0]) if _has_tags(a.tags, tags)]
            return found[0] if found else None

        done = self._run("add caption asset", add, verify=verify)
        return done if isinstance(done, CaptionAssetInfo) else CaptionAssetInfo.from_kaltura(done)

    def set_caption_file(self, asset_id: str, data: bytes, file_name: str) -> CaptionAssetInfo:
        """Upload ``data`` and make it the caption asset's content (READY), exactly once.

        A lost answer is verified by reading the asset back (READY, same bytes); otherwise the
        content is uploaded again under a fresh token (a token is consumed by its first setContent).
        """
        from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource

        def put(client: Any, token: str) -> Any:
            return client.caption.captionAsset.setContent(asset_id, KalturaUploadedFileTokenResource(token=token))

        def verify() -> CaptionAssetInfo | None:
            asset = CaptionAssetInfo.from_kaltura(
                self._run("read caption asset", lambda c: c.caption.captionAsset.get(asset_id))
            )
            if asset.status != int(CaptionAssetStatus.READY):
                return None
            return asset if self.get_caption_content(asset_id).encode("utf-8") == data else None

        done = self._set_content("set caption content", data, file_name, put, verify)
        return done if isinstance(done, CaptionAssetInfo) else CaptionAssetInfo.from_kaltura(done)

    def set_caption_content(self, asset_id: str, upload_token_id: str) -> CaptionAssetInfo:
        """setContent with an upload token already made (no lost-answer check: prefer set_caption_file)."""
        from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource

        return CaptionAssetInfo.from_kaltura(
            self._run(
                "set caption content",
                lambda c: c.caption.captionAsset.setContent(
                    asset_id, KalturaUploadedFileTokenResource(token=upload_token_id)
                ),
                policy=ONCE,
            )
        )

    def _set_content(
        self,
        context: str,
        data: bytes,
        file_name: str,
        put: Callable[[Any, str], Any],
        verify: Callable[[], Any | None],
    ) -> Any:
        """Upload + setContent under the retry policy; every try uploads under a fresh token."""

        def once(client: Any) -> Any:
            return put(client, self.upload(data, file_name))

        return self._run(
            context,
            once,
            verify=verify,
            lost_codes=frozenset({TOKEN_CONSUMED}),
            retry_codes=frozenset({TOKEN_CONSUMED}),
        )

    def update_caption_asset(
        self,
        asset_id: str,
        *,
        associated_transcript_ids: str | None = None,
        accuracy: int | None = None,
        label: str | None = None,
    ) -> CaptionAssetInfo:
        from KalturaClient.Plugins.Caption import KalturaCaptionAsset

        def update(client: Any) -> Any:
            change = KalturaCaptionAsset()
            if associated_transcript_ids is not None:
                change.associatedTranscriptIds = associated_transcript_ids
            if accuracy is not None:
                change.accuracy = int(accuracy)
            if label is not None:
                change.label = label
            return client.caption.captionAsset.update(asset_id, change)

        return CaptionAssetInfo.from_kaltura(self._run("update caption asset", update))

    def get_caption_content(self, asset_id: str) -> str:
        """The caption file of a READY asset, as text."""
        url = self._run("read caption URL", lambda c: c.caption.captionAsset.getUrl(asset_id))
        return self._download(str(url), "caption download").decode("utf-8", errors="replace")

    def _download(self, url: str, what: str) -> bytes:
        """GET a Kaltura download URL under the retry policy and the one HTTP classifier."""

        def once() -> bytes:
            try:
                response = requests.get(url, timeout=self.account.request_timeout_seconds)
            except requests.RequestException as exc:
                raise transport_error(exc, what) from None
            check_status(response.status_code, what)
            return response.content

        return call_with_policy(once, what)

    def find_attachment_assets(self, entry_id: str, tag: str) -> list[AttachmentAssetInfo]:
        from KalturaClient.Plugins.Attachment import KalturaAttachmentAssetFilter
        from KalturaClient.Plugins.Core import KalturaFilterPager

        def get(client: Any) -> Any:
            f = KalturaAttachmentAssetFilter()
            f.entryIdEqual = entry_id
            f.tagsMultiLikeAnd = tag
            return client.attachment.attachmentAsset.list(f, KalturaFilterPager(pageSize=500))

        return [AttachmentAssetInfo.from_kaltura(o) for o in (self._run("list attachments", get).objects or [])]

    def add_transcript_asset(
        self,
        entry_id: str,
        *,
        format: AttachmentType | str,
        file_ext: str,
        language: str,
        accuracy_0_1: float,
        human_verified: bool,
        tags: str,
        title: str,
        filename: str,
    ) -> AttachmentAssetInfo:
        from KalturaClient.Plugins.Core import KalturaNullableBoolean
        from KalturaClient.Plugins.Transcript import KalturaTranscriptAsset

        def add(client: Any) -> Any:
            asset = KalturaTranscriptAsset()
            asset.format = str(format.value if isinstance(format, AttachmentType) else format)
            asset.fileExt = file_ext
            asset.language = language
            asset.accuracy = float(accuracy_0_1)
            asset.humanVerified = (
                KalturaNullableBoolean.TRUE_VALUE if human_verified else KalturaNullableBoolean.FALSE_VALUE
            )
            asset.tags = tags
            asset.title = title
            asset.filename = filename
            return client.attachment.attachmentAsset.add(entry_id, asset)

        def verify() -> Any:
            found = [a for a in self.find_attachment_assets(entry_id, tags.split(",")[0]) if _has_tags(a.tags, tags)]
            return found[0] if found else None

        done = self._run("add transcript", add, verify=verify)
        return done if isinstance(done, AttachmentAssetInfo) else AttachmentAssetInfo.from_kaltura(done)

    def set_attachment_file(self, asset_id: str, data: bytes, file_name: str) -> AttachmentAssetInfo:
        """Upload ``data`` as the attachment's content (READY), exactly once (see set_caption_file)."""
        from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource

        def put(client: Any, token: str) -> Any:
            return client.attachment.attachmentAsset.setContent(asset_id, KalturaUploadedFileTokenResource(token=token))

        def verify() -> AttachmentAssetInfo | None:
            asset = AttachmentAssetInfo.from_kaltura(
                self._run("read transcript", lambda c: c.attachment.attachmentAsset.get(asset_id))
            )
            if asset.status != int(CaptionAssetStatus.READY):
                return None
            url = self._run("read transcript URL", lambda c: c.attachment.attachmentAsset.getUrl(asset_id))
            return asset if self._download(str(url), "transcript download") == data else None

        done = self._set_content("set transcript content", data, file_name, put, verify)
        return done if isinstance(done, AttachmentAssetInfo) else AttachmentAssetInfo.from_kaltura(done)

    def set_attachment_content(self, asset_id: str, upload_token_id: str) -> AttachmentAssetInfo:
        """setContent with an upload token already made (no lost-answer check: prefer set_attachment_file)."""
        from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource

        return AttachmentAssetInfo.from_kaltura(
            self._run(
                "set transcript content",
                lambda c: c.attachment.attachmentAsset.setContent(
                    asset_id, KalturaUploadedFileTokenResource(token=upload_token_id)
                ),
                policy=ONCE,
            )
        )

    # Finding what a task made, by tag (find-before-add for flavors and cue points) ---------------

    def find_flavor_assets(self, entry_id: str, tag: str) -> list[FlavorInfo]:
        """The entry's flavor assets carrying ``tag``."""
        from KalturaClient.Plugins.Core import KalturaFilterPager, KalturaFlavorAssetFilter

        def get(client: Any) -> Any:
            f = KalturaFlavorAssetFilter()
            f.entryIdEqual = entry_id
            f.tagsMultiLikeAnd = tag
            return client.flavorAsset.list(f, KalturaFilterPager(pageSize=500))

        return [FlavorInfo.from_kaltura(o) for o in (self._run("list flavors by tag", get).objects or [])]

    # Audio flavors (dubbing, audio description) -------------------------------------------------

    def find_flavor_by_params(self, entry_id: str, flavor_params_id: int) -> FlavorInfo | None:
        """The entry's flavor of ``flavor_params_id`` (Kaltura keeps at most one per entry and params)."""
        from KalturaClient.Plugins.Core import KalturaFilterPager, KalturaFlavorAssetFilter

        def get(client: Any) -> Any:
            f = KalturaFlavorAssetFilter()
            f.entryIdEqual = entry_id
            f.flavorParamsIdEqual = int(flavor_params_id)
            return client.flavorAsset.list(f, KalturaFilterPager(pageSize=500))

        found = [FlavorInfo.from_kaltura(o) for o in (self._run("list flavors by params", get).objects or [])]
        return found[0] if found else None

    def add_flavor_asset(
        self,
        entry_id: str,
        *,
        flavor_params_id: int,
        language: str,
        label: str,
        is_default: bool,
        file_ext: str,
        partner_data: str,
    ) -> FlavorInfo:
        """flavorAsset.add, exactly once: a lost answer is found by its flavor params on the entry.

        No tags are sent: Kaltura gives the asset its flavor params' tags (``audio_only``, ...) and
        would replace them with any tags sent, hiding the track from players. ``isOriginal`` is
        read-only in the API (Kaltura sets it for source flavor params only), so it is not sent.
        """
        from KalturaClient.Plugins.Core import KalturaFlavorAsset, KalturaNullableBoolean

        def add(client: Any) -> Any:
            asset = KalturaFlavorAsset()
            asset.flavorParamsId = int(flavor_params_id)
            asset.language = language
            asset.label = label
            asset.isDefault = KalturaNullableBoolean.TRUE_VALUE if is_default else KalturaNullableBoolean.FALSE_VALUE
            asset.fileExt = file_ext
            asset.partnerData = partner_data
            return client.flavorAsset.add(entry_id, asset)

        def verify() -> Any:
            found = self.find_flavor_by_params(entry_id, flavor_params_id)
            return found if found is not None and found.partner_data == partner_data else None

        done = self._run("add flavor asset", add, verify=verify, lost_codes=frozenset({"FLAVOR_ASSET_ALREADY_EXISTS"}))
        return done if isinstance(done, FlavorInfo) else FlavorInfo.from_kaltura(done)

    def update_flavor_asset(
        self, asset_id: str, *, language: str, label: str, is_default: bool, partner_data: str
    ) -> FlavorInfo:
        """flavorAsset.update of the fields a vendor sets (repeatable: it writes the same values)."""
        from KalturaClient.Plugins.Core import KalturaFlavorAsset, KalturaNullableBoolean

        def update(client: Any) -> Any:
            change = KalturaFlavorAsset()
            change.language = language
            change.label = label
            change.isDefault = KalturaNullableBoolean.TRUE_VALUE if is_default else KalturaNullableBoolean.FALSE_VALUE
            change.partnerData = partner_data
            return client.flavorAsset.update(asset_id, change)

        return FlavorInfo.from_kaltura(self._run("update flavor asset", update))

    def set_flavor_file(self, asset_id: str, data: bytes, file_name: str) -> FlavorInfo:
        """Upload ``data`` (chunked uploadToken) as the flavor's content (READY), exactly once.

        A lost answer is verified by reading the flavor back (READY, same bytes) before the content
        is uploaded again under a fresh token, as for captions.
        """
        from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource

        def put(client: Any, token: str) -> Any:
            return client.flavorAsset.setContent(asset_id, KalturaUploadedFileTokenResource(token=token))

        def verify() -> FlavorInfo | None:
            flavor = FlavorInfo.from_kaltura(self._run("read flavor", lambda c: c.flavorAsset.get(asset_id)))
            if not flavor.status_ready:
                return None
            return flavor if self._download(self.flavor_url(asset_id), "flavor download") == data else None

        done = self._set_content("set flavor content", data, file_name, put, verify)
        return done if isinstance(done, FlavorInfo) else FlavorInfo.from_kaltura(done)

    def find_cue_points(self, entry_id: str, tag: str) -> list[CuePointInfo]:
        """The entry's cue points carrying ``tag``."""
        from KalturaClient.Plugins.Core import KalturaFilterPager
        from KalturaClient.Plugins.CuePoint import KalturaCuePointFilter

        def get(client: Any) -> Any:
            f = KalturaCuePointFilter()
            f.entryIdEqual = entry_id
            f.tagsMultiLikeAnd = tag
            return client.cuePoint.cuePoint.list(f, KalturaFilterPager(pageSize=500))

        return [CuePointInfo.from_kaltura(o) for o in (self._run("list cue points", get).objects or [])]

    # Chapters: thumb cue points (subType CHAPTER) ------------------------------------------------

    def list_thumb_cue_points(self, entry_id: str, tag: str) -> list[CuePointInfo]:
        """The entry's thumb cue points (chapters and slides) carrying every tag of ``tag``, by start time."""
        from KalturaClient.Plugins.Core import KalturaFilterPager
        from KalturaClient.Plugins.CuePoint import KalturaCuePointFilter, KalturaCuePointType

        def get(client: Any) -> Any:
            f = KalturaCuePointFilter()
            f.entryIdEqual = entry_id
            f.cuePointTypeEqual = KalturaCuePointType.THUMB
            f.tagsMultiLikeAnd = tag
            f.orderBy = "+startTime"
            return client.cuePoint.cuePoint.list(f, KalturaFilterPager(pageSize=500))

        found = [CuePointInfo.from_kaltura(o) for o in (self._run("list chapters", get).objects or [])]
        return [c for c in found if _has_tags(c.tags, tag)]

    def add_cue_points_from_bulk(self, xml: bytes) -> list[CuePointInfo]:
        """``cuePoint.addFromBulk`` with a bulk XML file, tried once (the caller reads back what it made).

        Raises:
            ReachError: the call failed (Kaltura may still have made the scenes before the failing one).
        """

        def add(client: Any) -> Any:
            body = io.BytesIO(xml)
            body.name = "chapters.xml"
            return client.cuePoint.cuePoint.addFromBulk(body)

        result = self._run("add chapters in bulk", add, policy=ONCE)
        return [CuePointInfo.from_kaltura(o) for o in (result.objects or [])]

    def add_chapter_cue_point(
        self, entry_id: str, *, start_ms: int, title: str, description: str, tags: str, system_name: str
    ) -> CuePointInfo:
        """One chapter (``KalturaThumbCuePoint``, subType CHAPTER) with ``cuePoint.add``, exactly once.

        A lost answer is verified by the chapter's system name, which Kaltura keeps unique per entry
        (a repeated add is refused with ``CUE_POINT_SYSTEM_NAME_EXISTS``).
        """
        from KalturaClient.Plugins.ThumbCuePoint import KalturaThumbCuePoint, KalturaThumbCuePointSubType

        def add(client: Any) -> Any:
            cue = KalturaThumbCuePoint()
            cue.entryId = entry_id
            cue.startTime = int(start_ms)
            cue.title = title
            cue.description = description
            cue.tags = tags
            cue.systemName = system_name
            cue.subType = KalturaThumbCuePointSubType.CHAPTER
            return client.cuePoint.cuePoint.add(cue)

        def verify() -> CuePointInfo | None:
            mine = self.list_thumb_cue_points(entry_id, tags.split(",")[0])
            return next((c for c in mine if c.system_name == system_name), None)

        done = self._run("add chapter", add, verify=verify, lost_codes=frozenset({"CUE_POINT_SYSTEM_NAME_EXISTS"}))
        return done if isinstance(done, CuePointInfo) else CuePointInfo.from_kaltura(done)

    def update_chapter_cue_point(
        self, cue_point_id: str, *, start_ms: int, title: str, description: str, tags: str
    ) -> CuePointInfo:
        """Make a thumb cue point the chapter asked for (start, title, description, tags, subType CHAPTER)."""
        from KalturaClient.Plugins.ThumbCuePoint import KalturaThumbCuePoint, KalturaThumbCuePointSubType

        def update(client: Any) -> Any:
            change = KalturaThumbCuePoint()
            change.startTime = int(start_ms)
            change.title = title
            change.description = description
            change.tags = tags
            change.subType = KalturaThumbCuePointSubType.CHAPTER
            return client.cuePoint.cuePoint.update(cue_point_id, change)

        return CuePointInfo.from_kaltura(self._run("update chapter", update))

    def delete_cue_point(self, cue_point_id: str) -> None:
        """Delete a cue point; one already gone (``INVALID_CUE_POINT_ID``) counts as deleted."""
        try:
            self._run("delete cue point", lambda c: c.cuePoint.cuePoint.delete(cue_point_id))
        except PermanentError as exc:
            if exc.code != "INVALID_CUE_POINT_ID":
                raise

    # Translation sources and multilingual tags ------------------------------------------------------

    def list_caption_assets(self, entry_id: str) -> list[CaptionAssetInfo]:
        """Every caption asset of the entry (any language, any maker)."""
        from KalturaClient.Plugins.Caption import KalturaCaptionAssetFilter
        from KalturaClient.Plugins.Core import KalturaFilterPager

        def get(client: Any) -> Any:
            f = KalturaCaptionAssetFilter()
            f.entryIdEqual = entry_id
            return client.caption.captionAsset.list(f, KalturaFilterPager(pageSize=500))

        return [CaptionAssetInfo.from_kaltura(o) for o in (self._run("list caption assets", get).objects or [])]

    def get_caption_asset(self, asset_id: str) -> CaptionAssetInfo:
        """One caption asset (e.g. a translation's source named in the task's taskJobData)."""
        return CaptionAssetInfo.from_kaltura(
            self._run("read caption asset", lambda c: c.caption.captionAsset.get(asset_id))
        )

    def get_multilingual_tags(self, entry_id: str) -> list[tuple[str, str]]:
        """The entry's tags in every language, the default language first: ``[("EN", "a,b"), ("ES", "c")]``.

        Kaltura sends them only with the request language ``multi``, as an array under ``tags``,
        which the Python client cannot read (it expects ``multiLingual_tags``): this one call is
        made in JSON (``format=1``). An entry with no translations gives one pair, its default
        language (``""`` when none was ever set) and its plain tags.
        """
        from KalturaClient.exceptions import KalturaClientException, KalturaException

        url = f"{self.account.service_url.rstrip('/')}/api_v3/service/baseentry/action/get"

        def get(client: Any) -> Any:
            body = {"format": 1, "ks": client.getKs(), "entryId": entry_id, "language": "multi"}
            response = requests.post(url, json=body, timeout=self.account.request_timeout_seconds)
            check_status(response.status_code, "read entry")
            try:
                data = response.json()
            except ValueError:
                raise KalturaClientException("the answer is not JSON", -2) from None
            if isinstance(data, dict) and data.get("objectType") == "KalturaAPIException":
                raise KalturaException(str(data.get("message") or ""), str(data.get("code") or ""))
            return data

        data = self._run("read entry tags", get)
        tags = data.get("tags") if isinstance(data, dict) else None
        if isinstance(tags, list):
            return [(str(t.get("language") or ""), str(t.get("value") or "")) for t in tags if isinstance(t, dict)]
        return [(str(data.get("defaultLanguage") or ""), str(tags or ""))]

    def update_multilingual_tags(self, entry_id: str, pairs: list[tuple[str, str]]) -> None:
        """Write the entry's tags in every language (``multiLingual_tags``, request language ``multi``).

        The first pair is the default language and its value the entry's plain tags; a language
        left out is removed by Kaltura, so pass everything :meth:`get_multilingual_tags` read.
        """
        from KalturaClient.Plugins.Core import KalturaBaseEntry, KalturaMultiLingualString

        def update(client: Any) -> Any:
            change = KalturaBaseEntry()
            change.multiLingual_tags = [KalturaMultiLingualString(language=k, value=v) for k, v in pairs]
            client.setLanguage("multi")
            try:
                return client.baseEntry.update(entry_id, change)
            finally:
                # Like a response profile, a request language sticks to every later call: drop it.
                client.requestConfiguration.pop("language", None)

        self._run("update entry multilingual tags", update)

    def update_entry_tags(self, entry_id: str, tags: str) -> EntryInfo:
        from KalturaClient.Plugins.Core import KalturaBaseEntry

        def update(client: Any) -> Any:
            change = KalturaBaseEntry()
            change.tags = tags
            return client.baseEntry.update(entry_id, change)

        return EntryInfo.from_kaltura(self._run("update entry tags", update))


def _enum_value(value: Any) -> int:
    raw = value.getValue() if hasattr(value, "getValue") else value
    return int(raw) if raw not in (None, NotImplemented, "") else -1


def _has_tags(asset_tags: str | None, wanted: str) -> bool:
    have = {t.strip() for t in (asset_tags or "").split(",") if t.strip()}
    return {t.strip() for t in wanted.split(",") if t.strip()} <= have


def _with_ks(url: str, ks: str) -> str:
    if not url or "/ks/" in url or "ks=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}ks={ks}"
