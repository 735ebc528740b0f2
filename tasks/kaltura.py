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
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import requests

from blocks.kaltura import KalturaVendorAccount
from reachflow.enums import AttachmentType, EntryVendorTaskStatus
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
    EntryInfo,
    EntryVendorTask,
    FlavorInfo,
    Job,
    PlaybackContext,
    ReachProfile,
)

__all__ = ["TaskApi", "VendorApi", "map_kaltura_error", "retry_condition"]

T = TypeVar("T")
PAGE_SIZE = 500
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
                return AccessKeyExpired(f"{prefix}Kaltura session expired")
            return PermanentError(f"{prefix}Kaltura rejected the session (INVALID_KS)")
        if code == "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE":
            return TaskAlreadyFinal(f"{prefix}the task is already in a final state")
        if code in TRANSIENT_CODES:
            return TransientError(f"{prefix}Kaltura internal error ({code})")
        description = PERMANENT_DESCRIPTIONS.get(code, message)
        return PermanentError(f"{prefix}{description} ({code})")
    if isinstance(exc, KalturaClientException):
        # -4 connection failed, -5 read failed, -9 read timeout, -10 gzip, -2/-8: not a Kaltura
        # envelope (a proxy's 5xx page): all worth another attempt.
        return TransientError(f"{prefix}Kaltura unreachable or answered badly (client error {exc.code})")
    if isinstance(exc, (requests.RequestException, OSError, TimeoutError)):
        return TransientError(f"{prefix}network error talking to Kaltura ({type(exc).__name__})")
    if isinstance(exc, (AttributeError, ValueError)) and "NoneType" in str(exc):
        # KalturaClient crashes this way on a body that is not XML at all (an HTML error page).
        return TransientError(f"{prefix}Kaltura answered with something that is not an API response")
    return PermanentError(f"{prefix}unexpected failure calling Kaltura ({type(exc).__name__})")


def _call(fn: Callable[[], T], context: str) -> T:
    try:
        return fn()
    except ReachError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is classified, none escapes raw
        raise map_kaltura_error(exc, context=context) from None


CALL_RETRY_DELAYS = (0.5, 2.0)


def _with_retries(fn: Callable[[], T], idempotent: bool) -> T:
    """Retry a call that is safe to repeat a couple of times on transient faults, with backoff.

    Writes that create something (``add``) are not repeated here: whether the lost attempt took
    effect is unknown, so the caller's find-before-add (task-level retry) decides instead.
    """
    from reachflow.settings import get_settings

    scale = get_settings().retry_delay_scale
    attempts = len(CALL_RETRY_DELAYS) + 1 if idempotent else 1
    for attempt in range(attempts):
        try:
            return fn()
        except AccessKeyExpired:
            raise
        except TransientError:
            if attempt + 1 >= attempts:
                raise
            time.sleep(CALL_RETRY_DELAYS[attempt] * scale)
    raise AssertionError("unreachable")


def retry_condition(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry only transient faults."""
    try:
        state.result()
    except TransientError:
        return True
    except Exception:  # noqa: BLE001
        return False
    return False


# ---------------------------------------------------------------------------------------------
# Sessions


class _VendorSession:
    """The vendor KS of one account, shared by the threads of a process and renewed in time."""

    _lock = threading.Lock()
    _cache: dict[tuple[str, int, str], tuple[str, float]] = {}

    def __init__(self, account: KalturaVendorAccount) -> None:
        self.account = account
        # One session per account *and* credentials: a block saved with another app token (or a
        # rotated one) never reuses a KS that its own credentials did not earn.
        proof = "|".join(
            str(v.get_secret_value() if hasattr(v, "get_secret_value") else v or "")
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
        account = self.account
        client = account.new_client()
        client.setClientTag(f"{client.getClientTag()}_{account.vendor_name}-{account.vendor_partner_id}")
        expiry = account.ks_expiry_seconds
        from KalturaClient.Plugins.Core import KalturaSessionType

        if account.app_token_id and account.app_token:
            widget = _call(lambda: client.session.startWidgetSession(f"_{account.vendor_partner_id}", expiry),
                           "vendor sign-in")
            client.setKs(widget.ks)
            token = account.app_token.get_secret_value()
            digest = hashlib.new(account.app_token_hash_type.lower(), (widget.ks + token).encode()).hexdigest()
            info = _call(lambda: client.appToken.startSession(
                account.app_token_id, digest, "", KalturaSessionType.ADMIN, expiry), "vendor sign-in")
            expires = float(info.expiry) if info.expiry not in (None, NotImplemented) else time.time() + expiry
            return str(info.ks), expires
        assert account.admin_secret is not None
        secret = account.admin_secret.get_secret_value()
        ks = _call(lambda: client.session.start(secret, "", KalturaSessionType.ADMIN, account.vendor_partner_id,
                                                expiry, "disableentitlement"), "vendor sign-in")
        return str(ks.decode() if isinstance(ks, bytes) else ks), time.time() + expiry


def _base_tag(client: Any) -> str:
    return str(client.getClientTag()).split("_")[0]


class VendorApi:
    """Calls made with the vendor KS."""

    def __init__(self, account: KalturaVendorAccount) -> None:
        self.account = account
        self._session = _VendorSession(account)

    def _client(self) -> Any:
        client = self.account.new_client()
        client.setClientTag(f"{_base_tag(client)}_{self.account.vendor_name}-{self.account.vendor_partner_id}")
        return client

    def _run(self, context: str, fn: Callable[[Any], T], idempotent: bool = True) -> T:
        """Run ``fn(client)`` on the vendor KS; an expired KS is renewed once and the call repeated."""
        client = self._client()
        client.setKs(self._session.ks())
        try:
            return _with_retries(lambda: _call(lambda: fn(client), context), idempotent)
        except AccessKeyExpired:
            client.setKs(self._session.ks(force=True))
            try:
                return _with_retries(lambda: _call(lambda: fn(client), context), idempotent)
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

        return EntryVendorTask.from_kaltura(self._run(f"update task {task_id}", update))

    def extend_access_key(self, task_id: int) -> EntryVendorTask:
        return EntryVendorTask.from_kaltura(
            self._run(f"extend access key of task {task_id}",
                      lambda c: c.reach.entryVendorTask.extendAccessKey(int(task_id)))
        )

    def task_api(self, task: EntryVendorTask, on_access_key_expired: Callable[[], str] | None = None) -> TaskApi:
        def extend() -> str:
            return self.extend_access_key(task.id).access_key.get_secret_value()

        return TaskApi(self.account, task, on_access_key_expired or extend)


class TaskApi:
    """Calls made with one task's accessKey (the customer's entry)."""

    def __init__(self, account: KalturaVendorAccount, task: EntryVendorTask,
                 on_access_key_expired: Callable[[], str] | None = None) -> None:
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

    def _run(self, context: str, fn: Callable[[Any], T], idempotent: bool = True) -> T:
        try:
            return _with_retries(lambda: _call(lambda: fn(self._client()), context), idempotent)
        except AccessKeyExpired:
            if self._on_expired is None:
                raise
            self._access_key = self._on_expired()
            register_secret(self._access_key)
            return _with_retries(lambda: _call(lambda: fn(self._client()), context), idempotent)

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
        token = self._run("create upload token", lambda c: c.uploadToken.add(
            KalturaUploadToken(fileName=file_name, fileSize=len(payload))))
        token_id = str(token.id)
        offset = 0
        attempts = 0
        while True:
            chunk = payload[offset : offset + chunk_size]
            final = offset + len(chunk) >= len(payload)
            body = io.BytesIO(chunk)
            body.name = file_name  # a named file part, as Kaltura expects for fileData

            def send(client: Any, body: io.BytesIO = body, offset: int = offset, final: bool = final) -> Any:
                body.seek(0)
                return client.uploadToken.upload(token_id, body, offset > 0, final, offset if offset > 0 else -1)

            try:
                self._run("upload", send)
            except TransientError:
                attempts += 1
                if attempts > 5:
                    raise
                # Resume from what Kaltura actually received.
                current = self._run("read upload token", lambda c: c.uploadToken.get(token_id))
                offset = int(float(current.uploadedFileSize or 0))
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

    def add_caption_asset(self, entry_id: str, *, language: str, label: str, format: str, accuracy: int,
                          is_default: bool, display_on_player: bool, tags: str, file_ext: str) -> CaptionAssetInfo:
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

        return CaptionAssetInfo.from_kaltura(self._run("add caption asset", add, idempotent=False))

    def set_caption_content(self, asset_id: str, upload_token_id: str) -> CaptionAssetInfo:
        from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource

        return CaptionAssetInfo.from_kaltura(self._run("set caption content", lambda c: c.caption.captionAsset.setContent(
            asset_id, KalturaUploadedFileTokenResource(token=upload_token_id))))

    def update_caption_asset(self, asset_id: str, *, associated_transcript_ids: str | None = None,
                             accuracy: int | None = None, label: str | None = None) -> CaptionAssetInfo:
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
        url = self._run("read caption URL", lambda c: c.caption.captionAsset.getUrl(asset_id))
        response = _call(lambda: requests.get(str(url), timeout=self.account.request_timeout_seconds), "download captions")
        if response.status_code >= 500:
            raise TransientError(f"caption download failed with HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(f"caption download failed with HTTP {response.status_code}")
        return response.content.decode("utf-8", errors="replace")

    def find_attachment_assets(self, entry_id: str, tag: str) -> list[AttachmentAssetInfo]:
        from KalturaClient.Plugins.Attachment import KalturaAttachmentAssetFilter
        from KalturaClient.Plugins.Core import KalturaFilterPager

        def get(client: Any) -> Any:
            f = KalturaAttachmentAssetFilter()
            f.entryIdEqual = entry_id
            f.tagsMultiLikeAnd = tag
            return client.attachment.attachmentAsset.list(f, KalturaFilterPager(pageSize=500))

        return [AttachmentAssetInfo.from_kaltura(o) for o in (self._run("list attachments", get).objects or [])]

    def add_transcript_asset(self, entry_id: str, *, format: AttachmentType | str, file_ext: str, language: str,
                             accuracy_0_1: float, human_verified: bool, tags: str, title: str,
                             filename: str) -> AttachmentAssetInfo:
        from KalturaClient.Plugins.Core import KalturaNullableBoolean
        from KalturaClient.Plugins.Transcript import KalturaTranscriptAsset

        def add(client: Any) -> Any:
            asset = KalturaTranscriptAsset()
            asset.format = str(format.value if isinstance(format, AttachmentType) else format)
            asset.fileExt = file_ext
            asset.language = language
            asset.accuracy = float(accuracy_0_1)
            asset.humanVerified = KalturaNullableBoolean.TRUE_VALUE if human_verified else KalturaNullableBoolean.FALSE_VALUE
            asset.tags = tags
            asset.title = title
            asset.filename = filename
            return client.attachment.attachmentAsset.add(entry_id, asset)

        return AttachmentAssetInfo.from_kaltura(self._run("add transcript", add, idempotent=False))

    def set_attachment_content(self, asset_id: str, upload_token_id: str) -> AttachmentAssetInfo:
        from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource

        return AttachmentAssetInfo.from_kaltura(self._run("set transcript content", lambda c: c.attachment.attachmentAsset.setContent(
            asset_id, KalturaUploadedFileTokenResource(token=upload_token_id))))

    def update_entry_tags(self, entry_id: str, tags: str) -> EntryInfo:
        from KalturaClient.Plugins.Core import KalturaBaseEntry

        def update(client: Any) -> Any:
            change = KalturaBaseEntry()
            change.tags = tags
            return client.baseEntry.update(entry_id, change)

        return EntryInfo.from_kaltura(self._run("update entry tags", update))


def _with_ks(url: str, ks: str) -> str:
    if not url or "/ks/" in url or "ks=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}ks={ks}"
