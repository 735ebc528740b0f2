"""Live captions, the vendor's moving parts: Kaltura's schedule event, the RTMP ingest, the caption
websocket, and the per-task allocation (ports, stream key, caption token).

* :class:`LiveTaskApi`: ``scheduleEvent.get`` and ``scheduleEvent.updateLiveFeature`` on the
  task's accessKey (REACH_VENDOR_ROLE has SCHEDULE_EVENT_FEATURE_MANAGE).
* :class:`Allocation`: one task's ingest port + stream key and websocket port + caption token.
  The secrets (key, token) live in a Prefect ``Secret`` block ``live-caption-<taskId>``; the ports
  in a Prefect variable of the same name (not secret), so a later run on the ingest host finds
  them and a new allocation avoids ports already given to another task.
* :class:`RtmpIngest`: an ``ffmpeg -listen 1`` RTMP listener per stream, decoding to 16 kHz mono
  PCM on its stdout. ffmpeg only *warns* when a publisher uses another stream name
  ("Unexpected stream X, expecting Y") and takes the media anyway, so the ingest watches ffmpeg's
  messages and drops such a publisher (kills that listener and listens again).
* :class:`CaptionServer`: the websocket Kaltura connects to. The token is accepted as the query
  parameter ``token`` (``captionUrl?token=…``) or as the first message (the bare token, or JSON
  ``{"token": "…"}``) within 5 s; it is compared in constant time; a wrong or missing token is
  closed with code 4401 "invalid caption token". Every final is kept: a client that connects
  (again) first receives the finals from the last one delivered on, then the live feed; the stream
  ends with an ``is_end_of_stream`` message and close code 1000.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reachflow.errors import PermanentError, ReachError, register_secret
from reachflow.live.messages import caption_message
from reachflow.live.recognizer import Hypothesis, StreamingRecognizer
from tasks.kaltura import TaskApi

__all__ = [
    "CLOSE_INVALID_TOKEN",
    "Allocation",
    "CaptionFeed",
    "CaptionServer",
    "LiveTaskApi",
    "RtmpIngest",
    "caption_stream",
    "feature_name",
    "port_is_open",
    "release_aborted_live_tasks",
]

log = logging.getLogger("reachflow.live")

CLOSE_INVALID_TOKEN = 4401
TOKEN_WAIT_SECONDS = 5.0
ALLOCATION_PREFIX = "live-caption-"
PORT_CLAIM_PREFIX = "live-port-"  # one Prefect variable per port in use, its value the task id


def feature_name(task_id: int) -> str:
    """The live feature Kaltura added to the event for this task (reach-spec §7.2)."""
    return f"LiveCaptionFeature-reach-{task_id}"


# ---------------------------------------------------------------------------------------------
# Kaltura


class LiveTaskApi(TaskApi):
    """Schedule-event calls made with the task's accessKey."""

    def get_schedule_event(self, event_id: int) -> dict[str, Any] | None:
        """``scheduleEvent.get``: ``{"id", "startDate", "endDate", "features"}``, or None when missing."""

        def get(client: Any) -> Any:
            return client.schedule.scheduleEvent.get(int(event_id))

        try:
            event = self._run(f"read schedule event {event_id}", get)
        except ReachError as exc:
            if exc.code == "INVALID_OBJECT_ID":
                return None
            raise
        features = [getattr(f, "systemName", None) for f in (getattr(event, "liveFeatures", None) or [])]
        return {
            "id": int(event.id),
            "startDate": event.startDate,
            "endDate": event.endDate,
            "features": [f for f in features if f],
        }

    def update_live_feature(self, event_id: int, allocation: Allocation) -> None:
        """``scheduleEvent.updateLiveFeature`` with a ``KalturaLiveCaptionFeature``: where Kaltura
        relays the stream and where it connects for captions."""
        from KalturaClient.Plugins.Schedule import KalturaLiveCaptionFeature

        def update(client: Any) -> Any:
            feature = KalturaLiveCaptionFeature(
                mediaUrl=allocation.media_url,
                mediaKey=allocation.media_key,
                captionUrl=allocation.caption_url,
                captionToken=allocation.caption_token,
            )
            return client.schedule.scheduleEvent.updateLiveFeature(
                int(event_id), feature_name(allocation.task_id), feature
            )

        self._run(f"update live feature of event {event_id}", update)


# ---------------------------------------------------------------------------------------------
# Allocation


@dataclass(frozen=True)
class Allocation:
    """One task's ingest and caption socket (the key and token are secrets: never logged)."""

    task_id: int
    host: str
    rtmp_port: int
    ws_port: int
    media_key: str
    caption_token: str

    @property
    def media_url(self) -> str:
        return f"rtmp://{self.host}:{self.rtmp_port}/live"

    @property
    def caption_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port}/captions/{self.task_id}"

    @property
    def name(self) -> str:
        return f"{ALLOCATION_PREFIX}{self.task_id}"

    def public(self) -> dict[str, Any]:
        """What may be shown (logs, artifacts): no key, no token."""
        return {"task": self.task_id, "media_url": self.media_url, "caption_url": self.caption_url}

    @staticmethod
    def new(task_id: int, host: str, rtmp_port: int, ws_port: int) -> Allocation:
        """Fresh secrets: a stream key and a caption token of 256 bits each."""
        allocation = Allocation(task_id, host, rtmp_port, ws_port, secrets.token_urlsafe(32), secrets.token_urlsafe(32))
        allocation.register()
        return allocation

    def register(self) -> None:
        register_secret(self.media_key)
        register_secret(self.caption_token)

    async def save(self) -> None:
        """Secrets to the Secret block, ports to the variable."""
        from prefect.blocks.system import Secret
        from prefect.variables import Variable
        from pydantic import SecretStr

        await Secret(
            value=SecretStr(json.dumps({"media_key": self.media_key, "caption_token": self.caption_token}))
        ).asave(self.name, overwrite=True)
        await Variable.aset(
            self.name,
            {"host": self.host, "rtmp_port": self.rtmp_port, "ws_port": self.ws_port},
            overwrite=True,
        )

    @staticmethod
    async def load(task_id: int) -> Allocation | None:
        """The allocation saved for a task, or None (never provisioned, or released)."""
        from prefect.blocks.system import Secret
        from prefect.variables import Variable

        name = f"{ALLOCATION_PREFIX}{task_id}"
        ports = await Variable.aget(name, default=None)  # type: ignore[func-returns-value]
        if not isinstance(ports, dict):
            return None
        try:
            block = await Secret.aload(name)
        except ValueError:
            return None
        raw = block.get()
        values = json.loads(raw if isinstance(raw, str) else json.dumps(raw))
        allocation = Allocation(
            task_id,
            str(ports["host"]),
            int(ports["rtmp_port"]),
            int(ports["ws_port"]),
            str(values["media_key"]),
            str(values["caption_token"]),
        )
        allocation.register()
        return allocation

    @staticmethod
    async def release(task_id: int) -> bool:
        """Forget a task's ports and secrets; True when there was something to release."""
        from prefect.blocks.system import Secret
        from prefect.variables import Variable

        name = f"{ALLOCATION_PREFIX}{task_id}"
        released = False
        with contextlib.suppress(ValueError):
            await Secret.adelete(name)
            released = True
        ports = await Variable.aget(name, default=None)  # type: ignore[func-returns-value]
        if ports is not None:
            await Variable.aunset(name)
            released = True
        if isinstance(ports, dict):
            await _drop_claims(task_id, [int(ports[k]) for k in ("rtmp_port", "ws_port") if k in ports])
        return released

    @staticmethod
    async def claim_ports(task_id: int, candidates: range, count: int = 2) -> list[int]:
        """Claim ``count`` free ports of ``candidates`` for a task, safely against concurrent claims.

        Each port is claimed by creating the Prefect variable ``live-port-<port>`` (value: the task
        id); the server refuses a second variable of the same name, so two provisioning runs at once
        never get the same port. A port already claimed for this same task (a retried run) is
        taken back.

        Raises:
            PermanentError: fewer than ``count`` ports are free.
        """
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import VariableCreate
        from prefect.exceptions import ObjectAlreadyExists

        used = await Allocation.ports_in_use(exclude_task=task_id)
        chosen: list[int] = []
        async with get_client() as client:
            for port in candidates:
                if port in used or not _bindable(port):
                    continue
                name = f"{PORT_CLAIM_PREFIX}{port}"
                try:
                    await client.create_variable(VariableCreate(name=name, value=task_id))
                except ObjectAlreadyExists:
                    existing = await client.read_variable_by_name(name)
                    if existing is None or existing.value != task_id:
                        continue
                chosen.append(port)
                if len(chosen) == count:
                    return chosen
        await _drop_claims(task_id, chosen)
        raise PermanentError(
            f"no free live-caption port in {candidates.start}-{candidates.stop - 1} (all taken by other live tasks)"
        )

    @staticmethod
    async def ports_in_use(exclude_task: int | None = None) -> set[int]:
        """Ports given to tasks that still hold an allocation or a port claim (but ``exclude_task``)."""
        used: set[int] = set()
        for variable in await _variables_like(ALLOCATION_PREFIX):
            value, name = variable.get("value"), str(variable.get("name", ""))
            if name.startswith(ALLOCATION_PREFIX) and isinstance(value, dict):
                if name != f"{ALLOCATION_PREFIX}{exclude_task}":
                    used.update(int(value[k]) for k in ("rtmp_port", "ws_port") if k in value)
        for variable in await _variables_like(PORT_CLAIM_PREFIX):
            name = str(variable.get("name", ""))
            if name.startswith(PORT_CLAIM_PREFIX) and variable.get("value") != exclude_task:
                with contextlib.suppress(ValueError):
                    used.add(int(name.removeprefix(PORT_CLAIM_PREFIX)))
        return used


async def _variables_like(prefix: str) -> list[dict[str, Any]]:
    """Every Prefect variable whose name starts with ``prefix`` (the server pages by 200 at most)."""
    from prefect.client.orchestration import get_client

    found: list[dict[str, Any]] = []
    async with get_client() as client:
        while True:
            response = await client._client.post(
                "/variables/filter",
                json={"limit": 200, "offset": len(found), "variables": {"name": {"like_": prefix}}},
            )
            page = response.json()
            found.extend(page)
            if len(page) < 200:
                return found


async def _drop_claims(task_id: int, ports: list[int]) -> None:
    """Remove this task's claims on ``ports`` (a claim held by another task is left alone)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    async with get_client() as client:
        for port in ports:
            name = f"{PORT_CLAIM_PREFIX}{port}"
            existing = await client.read_variable_by_name(name)
            if existing is not None and existing.value == task_id:
                with contextlib.suppress(ObjectNotFound):
                    await client.delete_variable_by_name(name)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts connections on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


# ---------------------------------------------------------------------------------------------
# RTMP ingest

_WRONG_STREAM = re.compile(r"Unexpected stream|App field don't match")


class RtmpIngest:
    """An ``ffmpeg -listen 1`` RTMP listener on ``port`` for stream ``live/<key>`` → 16 kHz PCM."""

    def __init__(self, port: int, key: str, bind: str = "0.0.0.0", ffmpeg: str = "ffmpeg") -> None:
        self.port = port
        self._key = key
        self._bind = bind
        self._ffmpeg = ffmpeg
        self._proc: asyncio.subprocess.Process | None = None
        self.rejected_publishers = 0

    async def _listen(self) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            self._ffmpeg,
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "warning",
            # FLV from a relay announces its codecs: probe half a second, not ffmpeg's default 5 s
            "-analyzeduration",
            "500000",
            "-probesize",
            "32768",
            "-listen",
            "1",
            "-i",
            f"rtmp://{self._bind}:{self.port}/live/{self._key}",
            "-vn",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-f",
            "s16le",
            "-flush_packets",
            "1",
            "pipe:1",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    async def stream(self, until: float) -> AsyncIterator[bytes] | None:
        """Listen until a publisher with the right key sends audio, or until ``until`` (loop time).

        Returns:
            An iterator over the stream's PCM (it ends when the publisher disconnects), or None
            when no stream arrived in time.
        """
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            proc = self._proc = await self._listen()
            assert proc.stdout is not None and proc.stderr is not None
            wrong = asyncio.Event()
            watcher = asyncio.create_task(self._watch(proc, wrong))
            try:
                first = await asyncio.wait_for(proc.stdout.read(3200), timeout=max(0.1, until - loop.time()))
            except TimeoutError:
                await self.stop()
                return None
            await asyncio.sleep(0.05)  # ffmpeg writes its warning before any audio: let the watcher see it
            if wrong.is_set() or not first:
                if wrong.is_set():
                    self.rejected_publishers += 1
                    log.warning("RTMP publisher on port %s used a wrong stream key: dropped", self.port)
                await self.stop()
                watcher.cancel()
                continue
            return self._chunks(proc, first, watcher)
        return None

    async def _watch(self, proc: asyncio.subprocess.Process, wrong: asyncio.Event) -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            if _WRONG_STREAM.search(line.decode(errors="replace")):
                wrong.set()
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()

    async def _chunks(
        self, proc: asyncio.subprocess.Process, first: bytes, watcher: asyncio.Task[None]
    ) -> AsyncIterator[bytes]:
        assert proc.stdout is not None
        try:
            yield first
            while True:
                data = await proc.stdout.read(3200)
                if not data:
                    break
                yield data
        finally:
            watcher.cancel()
            await self.stop()

    async def stop(self) -> None:
        """Stop listening (the port is closed when this returns)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), timeout=3)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()


# ---------------------------------------------------------------------------------------------
# Caption websocket


class CaptionServer:
    """The caption websocket for one task (see the module docstring for the protocol)."""

    def __init__(self, port: int, token: str, bind: str = "0.0.0.0") -> None:
        self.port = port
        self._token = token.encode()
        self._bind = bind
        self._server: Any = None
        self._clients: set[Any] = set()
        self._finals: list[str] = []
        self._partial: str | None = None
        self._delivered = 0  # index of the last final delivered to some client
        self._ended: str | None = None
        self.connections = 0
        self.rejected = 0

    async def start(self) -> None:
        from websockets.asyncio.server import serve

        self._server = await serve(self._handle, self._bind, self.port, ping_interval=20)

    async def close(self) -> None:
        """Close every connection and stop listening."""
        for ws in list(self._clients):
            with contextlib.suppress(Exception):
                await ws.close(1001, "caption service stopped")
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _authorised(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), self._token)

    async def _token_of(self, ws: Any) -> str | None:
        query = parse_qs(urlsplit(ws.request.path).query)
        if query.get("token"):
            return str(query["token"][0])
        try:
            first = await asyncio.wait_for(ws.recv(), timeout=TOKEN_WAIT_SECONDS)
        except (TimeoutError, Exception):
            return None
        text = first.decode(errors="replace") if isinstance(first, bytes) else str(first)
        with contextlib.suppress(ValueError, AttributeError):
            data = json.loads(text)
            if isinstance(data, dict):
                return str(data.get("token") or data.get("captionToken") or "")
        return text.strip()

    async def _handle(self, ws: Any) -> None:
        if not self._authorised(await self._token_of(ws)):
            self.rejected += 1
            log.warning("Caption websocket on port %s: connection with a wrong caption token refused", self.port)
            await ws.close(CLOSE_INVALID_TOKEN, "invalid caption token")
            return
        self.connections += 1
        backlog = self._finals[self._delivered :]
        try:
            for message in backlog:
                await ws.send(message)
            if self._ended is not None:
                await ws.send(self._ended)
                await ws.close(1000, "end of stream")
                return
            if self._partial is not None:
                await ws.send(self._partial)
            self._clients.add(ws)
            if backlog:
                self._delivered = len(self._finals) - 1
            async for _ in ws:  # Kaltura sends nothing we need; keep the connection open
                pass
        except Exception as exc:  # a dropped client: it may reconnect
            log.info("Caption websocket client left: %s", type(exc).__name__)
        finally:
            self._clients.discard(ws)

    async def _broadcast(self, text: str) -> bool:
        delivered = False
        for ws in list(self._clients):
            try:
                await ws.send(text)
                delivered = True
            except Exception:
                self._clients.discard(ws)
        return delivered

    async def publish(self, message: dict[str, Any]) -> None:
        """Send a caption message to every connected client (finals are kept for reconnects)."""
        text = json.dumps(message)
        if message["response"].get("is_final"):
            self._finals.append(text)
            self._partial = None
            if await self._broadcast(text):
                self._delivered = len(self._finals) - 1
        else:
            self._partial = text
            await self._broadcast(text)

    async def end_of_stream(self, message: dict[str, Any], linger: float = 5.0) -> None:
        """Send the end-of-stream message, then close; a client that reconnects within ``linger``
        seconds still gets the finals it missed and the end of stream."""
        self._ended = json.dumps(message)
        await self._broadcast(self._ended)
        for ws in list(self._clients):
            with contextlib.suppress(Exception):
                await ws.close(1000, "end of stream")
        if not self.connections and linger > 0:
            await asyncio.sleep(linger)


# ---------------------------------------------------------------------------------------------
# Recognition to captions


class CaptionFeed:
    """Hypotheses → caption messages on the websocket (``mask``: profanity masking), with counts."""

    def __init__(
        self,
        server: CaptionServer,
        mask: Callable[[str], str] | None = None,
        on_final: Callable[[str], None] | None = None,
    ) -> None:
        self.server = server
        self.on_final = on_final
        self.speaker = str(uuid.uuid4())
        self.mask = mask
        self.stream_epoch = 0.0
        self.finals = 0
        self.partials = 0
        self.words: list[str] = []

    async def send(self, hypotheses: list[Hypothesis]) -> None:
        for hypothesis in hypotheses:
            message = caption_message(
                hypothesis.words,
                is_final=hypothesis.final,
                stream_epoch=self.stream_epoch,
                speaker_id=self.speaker,
                mask=self.mask,
            )
            if hypothesis.final:
                if self.on_final is not None:
                    self.on_final(message["response"]["alternatives"][0]["transcript"])
                self.finals += 1
                self.words.extend(w.text for w in hypothesis.words)
            else:
                self.partials += 1
            await self.server.publish(message)


async def caption_stream(stream: AsyncIterator[bytes], recognizer: StreamingRecognizer, feed: CaptionFeed) -> None:
    """Caption one stream: read PCM as it comes (never blocking the ingest), recognise whatever has
    arrived since the last decode, publish the hypotheses; at the stream's end, the last finals."""
    pending = bytearray()
    arrived = asyncio.Event()
    ended = False

    async def read() -> None:
        nonlocal ended
        async for pcm in stream:
            pending.extend(pcm)
            arrived.set()
        ended = True
        arrived.set()

    reader = asyncio.create_task(read())
    try:
        while True:
            await arrived.wait()
            arrived.clear()
            if pending:
                chunk = bytes(pending)
                pending.clear()
                await feed.send(await asyncio.to_thread(recognizer.feed, chunk))
            if ended and not pending:
                break
        await feed.send(await asyncio.to_thread(recognizer.finish))
    finally:
        reader.cancel()


# ---------------------------------------------------------------------------------------------
# Aborted while SCHEDULED


async def release_aborted_live_tasks(vendor: Any) -> list[int]:
    """Cancel the scheduled live run of every task that is no longer SCHEDULED or PROCESSING
    (the customer aborted it) and release its ports and secrets. Returns those task ids.

    Args:
        vendor: a :class:`tasks.kaltura.VendorApi`.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled

    from reachflow.enums import EntryVendorTaskStatus
    from reachflow.routing import TAG_PREFIX_TASK

    released: list[int] = []
    async with get_client() as client:
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(all_=["live-event"]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
            ),
            limit=200,
        )
        for run in runs:
            task_ids = [int(t[len(TAG_PREFIX_TASK) :]) for t in run.tags if t.startswith(TAG_PREFIX_TASK)]
            if not task_ids:
                continue
            task_ = await asyncio.to_thread(vendor.get_task, task_ids[0])
            live = {EntryVendorTaskStatus.SCHEDULED, EntryVendorTaskStatus.PROCESSING, EntryVendorTaskStatus.PENDING}
            if task_ is not None and task_.status in live:
                continue
            await client.set_flow_run_state(
                run.id, Cancelled(message=f"REACH task {task_ids[0]} was aborted"), force=True
            )
            await Allocation.release(task_ids[0])
            released.append(task_ids[0])
            log.info("Live task %s is no longer scheduled: its run is cancelled and its ports released", task_ids[0])
    return released
