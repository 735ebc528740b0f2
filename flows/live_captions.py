"""Live captions (LIVE_CAPTION, MACHINE): provision when discovery finds the task, caption at event time.

::

    discovery ─▶ reach-live-provision (minutes before, or days)
                   scheduleEvent.get ─▶ window checks (no event / over / too long ─▶ ERROR)
                   allocate RTMP port + stream key, websocket port + caption token (Secret block)
                   scheduleEvent.updateLiveFeature(KalturaLiveCaptionFeature) ─▶ task SCHEDULED
                   ONE reach-live-captions run, Scheduled for the window start (no worker waits)

    reach-live-captions (at the window start = event start − the item's start buffer)
                   task ABORTED meanwhile ─▶ release everything, run Cancelled
                   caption websocket up, ffmpeg RTMP listener up
                   stream arrives ─▶ PROCESSING; PCM ─▶ sliding-window recognition ─▶ partials and
                   finals on the websocket; the stream ends after the event's end ─▶ end of stream,
                   READY (a stream that drops earlier may come back until the window ends)
                   nothing arrived by the window's end ─▶ ERROR "no stream arrived between … and …"

An aborted SCHEDULED task's run is cancelled and its ports and secrets released by
:func:`tasks.live.release_aborted_live_tasks` (every discovery cycle); the run itself checks too.

The recording's captions are not delivered as a VOD caption asset: Kaltura turns the caption feed
into WebVTT for the live stream and its recording itself (reach-spec §7.4), and a second asset
would duplicate it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from prefect.states import Cancelled, Completed, Scheduled, State

from flows.lifecycle import aload_account
from reachflow.captions.profanity import mask_profanity
from reachflow.enums import EntryVendorTaskStatus
from reachflow.errors import JobRejected, PermanentError, TaskAlreadyFinal, one_line
from reachflow.live.messages import end_of_stream_message
from reachflow.live.recognizer import StreamingRecognizer, WhisperDecoder
from reachflow.live.window import LiveWindow, live_window
from reachflow.models import EntryVendorTask, Job
from reachflow.routing import LIVE_CAPTIONS, LIVE_CAPTIONS_RUN, run_name, run_tags
from reachflow.settings import get_settings
from tasks.kaltura import VendorApi
from tasks.live import Allocation, CaptionFeed, CaptionServer, LiveTaskApi, RtmpIngest, caption_stream

__all__ = ["live_captions_flow", "live_provision_flow"]

FINAL = {
    EntryVendorTaskStatus.READY,
    EntryVendorTaskStatus.ERROR,
    EntryVendorTaskStatus.ABORTED,
    EntryVendorTaskStatus.REJECTED,
}


def _task_api(vendor: VendorApi, task_: EntryVendorTask) -> LiveTaskApi:
    def extend() -> str:
        return vendor.extend_access_key(task_.id).access_key.get_secret_value()

    return LiveTaskApi(vendor.account, task_, extend)


async def _error(vendor: VendorApi, task_id: int, description: str) -> None:
    try:
        await asyncio.to_thread(
            vendor.update_job, task_id, status=EntryVendorTaskStatus.ERROR, err_description=one_line(description)
        )
    except TaskAlreadyFinal:
        pass


async def _window(api: LiveTaskApi, job: Job, task_: EntryVendorTask) -> LiveWindow:
    # The task as listed (vendor KS) carries taskJobData in full; reach_vendor may leave its fields out.
    data = task_.task_job_data if task_.task_job_data.get("scheduledEventId") else job.task.task_job_data
    event_id = data.get("scheduledEventId")
    event = await asyncio.to_thread(api.get_schedule_event, int(event_id)) if event_id else None
    return live_window(data, event, now=datetime.now(UTC), duration_limit=job.catalog_item.duration_limit)


# ---------------------------------------------------------------------------------------------
# Provisioning


@flow(name="reach-live-provision", log_prints=False)
async def live_provision_flow(task_id: int, partner_id: int, account_block: str | None = None) -> dict[str, Any]:
    """Provision a live-caption task: ingest + caption socket, the event's live feature, SCHEDULED,
    and one scheduled ``reach-live-captions`` run for the window start.

    Args:
        task_id: the REACH task (LIVE_CAPTION).
        partner_id: the customer partner (for run names and tags).
        account_block: the KalturaVendorAccount block name (settings default).
    """
    logger = get_run_logger()
    settings = get_settings()
    account = await aload_account(account_block)
    vendor = VendorApi(account)
    task_ = await asyncio.to_thread(vendor.get_task, task_id)
    if task_ is None or task_.status in FINAL:
        return {"task": task_id, "status": task_.status.name if task_ else "not listed"}
    api = _task_api(vendor, task_)
    try:
        job = await asyncio.to_thread(api.get_job)
        window = await _window(api, job, task_)
    except PermanentError as exc:
        await _error(vendor, task_id, exc.err_description)
        logger.info("Task %s -> ERROR: %s", task_id, exc.err_description)
        return {"task": task_id, "status": "ERROR", "errDescription": exc.err_description}

    allocation = await Allocation.load(task_id)
    if allocation is None:
        try:
            rtmp_port, ws_port = await Allocation.claim_ports(task_id, settings.live_port_range())
        except PermanentError as exc:
            await _error(vendor, task_id, exc.err_description)
            return {"task": task_id, "status": "ERROR", "errDescription": exc.err_description}
        allocation = Allocation.new(task_id, settings.live_host, rtmp_port, ws_port)
        await allocation.save()
    try:
        await asyncio.to_thread(api.update_live_feature, window.event_id, allocation)
        run_id = await _schedule_run(task_, window, account_block)
        await asyncio.to_thread(
            vendor.update_job,
            task_id,
            status=EntryVendorTaskStatus.SCHEDULED,
            external_task_id=f"reachflow-live-{task_id}",
        )
    except PermanentError as exc:
        await Allocation.release(task_id)
        await _error(vendor, task_id, exc.err_description)
        return {"task": task_id, "status": "ERROR", "errDescription": exc.err_description}
    starts = max(window.start, datetime.now(UTC))
    logger.info(
        "Task %s SCHEDULED: ingest %s, captions %s, run %s at %s",
        task_id,
        allocation.media_url,
        allocation.caption_url,
        run_id,
        starts.isoformat(),
    )
    return {
        "task": task_id,
        "status": "SCHEDULED",
        "run": str(run_id),
        "starts": starts.isoformat(),
        **allocation.public(),
    }


async def _schedule_run(task_: EntryVendorTask, window: LiveWindow, account_block: str | None) -> Any:
    """One flow run for the event, Scheduled for the window start (idempotent per task)."""
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(LIVE_CAPTIONS_RUN.deployment)
        run = await client.create_flow_run_from_deployment(
            deployment.id,
            parameters={"task_id": task_.id, "partner_id": task_.partner_id, "account_block": account_block},
            name=run_name(LIVE_CAPTIONS_RUN, task_.partner_id, task_.id),
            tags=[*run_tags(task_.partner_id, task_.id, task_.service_feature, task_.service_type), "live-event"],
            idempotency_key=f"reach-live-{task_.id}-{int(window.start.timestamp())}",
            state=Scheduled(scheduled_time=max(window.start, datetime.now(UTC))),
        )
        return run.id


# ---------------------------------------------------------------------------------------------
# At event time


@flow(name="reach-live-captions", log_prints=False)
async def live_captions_flow(task_id: int, partner_id: int, account_block: str | None = None) -> dict[str, Any] | State:
    """Caption one live event: listen from the window's start to its end, caption the stream.

    Args:
        task_id: the REACH task (LIVE_CAPTION), SCHEDULED by :func:`live_provision_flow`.
        partner_id: the customer partner.
        account_block: the KalturaVendorAccount block name (settings default).
    """
    logger = get_run_logger()
    account = await aload_account(account_block)
    vendor = VendorApi(account)
    task_ = await asyncio.to_thread(vendor.get_task, task_id)
    if task_ is None or task_.status in FINAL:
        await Allocation.release(task_id)
        status = task_.status.name if task_ else "not listed"
        logger.info("Task %s is %s: ingest and caption socket released", task_id, status)
        return Cancelled(message=f"Task {task_id} is {status}; nothing to caption.")
    allocation = await Allocation.load(task_id)
    if allocation is None:
        await _error(vendor, task_id, "the live ingest of this task was not provisioned")
        return Completed(message="not provisioned", name="Rejected")
    api = _task_api(vendor, task_)
    try:
        job = await asyncio.to_thread(api.get_job)
        window = await _window(api, job, task_)
    except PermanentError as exc:
        await Allocation.release(task_id)
        await _error(vendor, task_id, exc.err_description)
        return Completed(message=exc.err_description, name="Rejected" if isinstance(exc, JobRejected) else None)

    decoder = await asyncio.to_thread(WhisperDecoder, job.dictionary_terms)
    recognizer = StreamingRecognizer(decoder)
    server = CaptionServer(allocation.ws_port, allocation.caption_token)
    ingest = RtmpIngest(allocation.rtmp_port, allocation.media_key)
    feed = CaptionFeed(
        server,
        mask_profanity if job.profile.enable_profanity_removal else None,
        on_final=lambda text: logger.info("Task %s caption: %s", task_id, text),
    )
    loop = asyncio.get_running_loop()
    streams = 0
    processing = task_.status == EntryVendorTaskStatus.PROCESSING
    await server.start()
    logger.info(
        "Task %s: listening on %s and %s until %s", task_id, allocation.media_url, allocation.caption_url, window.end
    )
    try:
        while datetime.now(UTC) < window.end:
            until = loop.time() + (window.end - datetime.now(UTC)).total_seconds()
            stream = await ingest.stream(until)
            if stream is None:
                break
            streams += 1
            if not processing:
                await asyncio.to_thread(vendor.update_job, task_id, status=EntryVendorTaskStatus.PROCESSING)
                processing = True
                feed.stream_epoch = time.time() - recognizer.stream_seconds
                logger.info("Task %s PROCESSING: the stream arrived", task_id)
            await caption_stream(stream, recognizer, feed)
            if datetime.now(UTC) >= window.event_end - timedelta(seconds=1):
                break
            logger.info("Task %s: the stream stopped before the event's end; listening again", task_id)
        await server.end_of_stream(
            end_of_stream_message(
                end=recognizer.stream_seconds, stream_epoch=feed.stream_epoch, speaker_id=feed.speaker
            ),
            linger=0,
        )
    finally:
        await ingest.stop()
        await server.close()
        await Allocation.release(task_id)

    report = (
        f"# Live captions, task {task_id}\n\n| | |\n|---|---|\n| window | {window.describe()} |\n"
        f"| streams | {streams} |\n| audio | {recognizer.stream_seconds:.1f} s |\n| finals / partials | "
        f"{feed.finals} / {feed.partials} |\n| decodes | {recognizer.decodes} |\n| websocket connections | "
        f"{server.connections} (refused: {server.rejected}) |\n| publishers with a wrong key | {ingest.rejected_publishers} |\n"
    )
    await acreate_markdown_artifact(key=f"live-captions-report-{partner_id}-{task_id}", markdown=report)
    if not streams:
        description = f"no stream arrived {window.describe()}"
        await _error(vendor, task_id, description)
        logger.info("Task %s -> ERROR: %s", task_id, description)
        return Completed(message=description, name="Rejected")
    await asyncio.to_thread(
        vendor.update_job, task_id, status=EntryVendorTaskStatus.READY, external_task_id=f"reachflow-live-{task_id}"
    )
    logger.info("Task %s READY: %s finals, %.1f s of audio", task_id, feed.finals, recognizer.stream_seconds)
    return {
        "task": task_id,
        "status": "READY",
        "finals": feed.finals,
        "partials": feed.partials,
        "audio_seconds": round(recognizer.stream_seconds, 1),
        "text": " ".join(feed.words),
        "run": str(flow_run.get_id() or ""),
        "route": LIVE_CAPTIONS.short_name,
    }
