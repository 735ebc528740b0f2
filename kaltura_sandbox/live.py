"""Kaltura's side of live captions: at an event's start, relay the stream and take the captions.

For every ``KalturaLiveStreamScheduleEvent`` whose start has come, and every
``KalturaLiveCaptionFeature`` on it that a vendor filled in (``updateLiveFeature``), the relay:

* pushes the event entry's media in real time to the vendor's ``mediaUrl``/``mediaKey``
  (``ffmpeg -re … -f flv <mediaUrl>/<mediaKey>``, retried while the vendor's ingest is not up yet);
* connects to the vendor's ``captionUrl`` as a websocket client, sends the ``captionToken`` as its
  first message (how Kaltura presents it is not public: reach-spec §7) and records every message;
* once the vendor sends ``is_end_of_stream`` (or closes), turns the final captions into a WebVTT
  caption asset on the live entry (tag ``live``), as Kaltura converts the feed to WebVTT. That is
  how a customer (and a test) reads what arrived: ``captionAsset.list`` on the entry.

A schedule event with ``stream: false`` in the scenario is an event whose customer never starts
streaming. What the relay saw is kept on the event under ``_live`` (never served by the API).
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from kaltura_sandbox.framework import Store

__all__ = ["LiveRelay", "start_live_relay"]

log = logging.getLogger("kaltura_sandbox.live")


class LiveRelay:
    """A background thread that starts one relay per filled-in live caption feature."""

    def __init__(self, store: Store, poll: float = 0.25) -> None:
        self.store = store
        self.poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sandbox-live-relay", daemon=True)
        self._started: set[tuple[int, str]] = set()
        self._procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> LiveRelay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll):
            now = time.time()
            for event in list(self.store.rows("schedule_events")):
                if event.get("objectType") != "KalturaLiveStreamScheduleEvent" or int(event["startDate"]) > now:
                    continue
                if int(event["endDate"]) + 300 < now:
                    continue
                for feature in event.get("liveFeatures") or []:
                    key = (int(event["id"]), str(feature.get("systemName")))
                    if key in self._started or not feature.get("mediaUrl") or not feature.get("captionUrl"):
                        continue
                    self._started.add(key)
                    threading.Thread(
                        target=self._relay, args=(event, dict(feature)), name=f"relay-{key[1]}", daemon=True
                    ).start()

    def _media(self, event: dict[str, Any]) -> Path | None:
        entry_id = event.get("templateEntryId")
        flavors = [f for f in self.store.rows("flavor_assets") if f.get("entryId") == entry_id and f.get("_path")]
        flavors = [f for f in flavors if f.get("isWeb", True)]
        for flavor in flavors:
            path = Path(str(flavor["_path"]))
            if path.exists():
                return path
        return None

    def _relay(self, event: dict[str, Any], feature: dict[str, Any]) -> None:
        record: dict[str, Any] = {"messages": [], "pushed": False, "close_code": None, "caption_asset": None}
        event.setdefault("_live", {})[feature["systemName"]] = record
        captions = threading.Thread(target=self._take_captions, args=(event, feature, record), daemon=True)
        captions.start()
        if event.get("_stream", True):
            self._push(event, feature, record)
        # The vendor's last captions may come well after the stream (recognition lags on a busy
        # machine): wait for its end of stream or its close, ten minutes at most.
        captions.join(timeout=max(600.0, int(event["endDate"]) - time.time() + 600))
        self._caption_asset(event, feature, record)

    def _push(self, event: dict[str, Any], feature: dict[str, Any], record: dict[str, Any]) -> None:
        media = self._media(event)
        if media is None:
            log.warning("Live event %s: its entry has no media to relay", event["id"])
            return
        target = f"{str(feature['mediaUrl']).rstrip('/')}/{feature['mediaKey']}"
        deadline = int(event["endDate"]) + 60
        while time.time() < deadline and not self._stop.is_set():
            started = time.time()
            proc = subprocess.Popen(
                [
                    *("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", str(media)),
                    *("-vn", "-c:a", "aac", "-b:a", "96k", "-f", "flv", target),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            self._procs.append(proc)
            _, err = proc.communicate()
            if proc.returncode == 0 and time.time() - started > 1.0:
                record["pushed"] = True
                record["push_started"] = started
                return
            if b"Connection refused" not in err and proc.returncode != 0:
                log.info("Live relay of event %s: ffmpeg said %s", event["id"], err.decode(errors="replace")[-200:])
            time.sleep(1.0)

    def _take_captions(self, event: dict[str, Any], feature: dict[str, Any], record: dict[str, Any]) -> None:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake
        from websockets.sync.client import connect

        deadline = int(event["endDate"]) + 60
        while time.time() < deadline and not self._stop.is_set():
            try:
                with connect(str(feature["captionUrl"]), open_timeout=5) as ws:
                    ws.send(json.dumps({"token": feature.get("captionToken")}))
                    while True:
                        try:
                            text = ws.recv(timeout=1.0)
                        except TimeoutError:
                            if self._stop.is_set():
                                return
                            continue
                        message = json.loads(text)
                        record["messages"].append({"received": time.time(), "message": message})
                        response = message.get("response", {})
                        if response.get("is_final") and response.get("alternatives"):
                            log.info(
                                "Live captions of event %s: %s", event["id"], response["alternatives"][0]["transcript"]
                            )
                        if message.get("response", {}).get("is_end_of_stream"):
                            return
            except ConnectionClosed as closed:
                record["close_code"] = closed.rcvd.code if closed.rcvd else None
                if record["close_code"] in (1000,) or (record["close_code"] or 0) >= 4000:
                    return
            except (OSError, InvalidHandshake, TimeoutError):
                pass
            time.sleep(0.5)

    def _caption_asset(self, event: dict[str, Any], feature: dict[str, Any], record: dict[str, Any]) -> None:
        from kaltura_sandbox.scenario import _caption_asset

        finals = [
            m["message"]["response"]
            for m in record["messages"]
            if m["message"].get("response", {}).get("is_final")
            and (m["message"]["response"].get("alternatives") or [{}])[0].get("transcript")
        ]
        seen: set[str] = set()
        cues = []
        for response in finals:
            if response["id"] in seen:  # a final resent after a reconnect
                continue
            seen.add(response["id"])
            alternative = response["alternatives"][0]
            cues.append(f"{_vtt(alternative['start'])} --> {_vtt(alternative['end'])}\n{alternative['transcript']}\n")
        entry = self.store.get("entries", event.get("templateEntryId"))
        if entry is None or not cues:
            return
        asset = _caption_asset(
            self.store,
            entry,
            {
                "format": "VTT",
                "content": "WEBVTT\n\n" + "\n".join(cues),
                "tags": "live",
                "label": "English (live)",
                "accuracy": 0,
            },
            int(time.time()),
        )
        record["caption_asset"] = asset["id"]


def _vtt(seconds: float) -> str:
    ms = round(float(seconds) * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def start_live_relay(store: Store) -> LiveRelay:
    """Start the relay for ``store`` (kept in ``store.extra['live_relay']``)."""
    relay = LiveRelay(store).start()
    store.extra["live_relay"] = relay
    return relay
