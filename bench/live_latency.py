"""Live captions: latency from a word spoken in the stream to its final caption, and how many
simultaneous streams this machine holds.

For each stream count N, N vendor processes each run what the ``reach-live-captions`` flow runs
for one event (``tasks.live``: the ffmpeg RTMP listener, the sliding-window recogniser, the caption
websocket); this process pushes N real-time RTMP streams (``ffmpeg -re``) of an espeak-ng talk and
reads the captions as Kaltura would (a websocket client with the token). A word's latency is the
arrival time of the first final that contains it minus the moment it was spoken: the push's start
plus the word's end time in the stream (the recogniser's word timestamp). The finals of each stream
are also compared with the spoken text (word error rate, as the live end-to-end test counts it).

    .venv/bin/python bench/live_latency.py                 # 1 and 2 streams, 30 s of speech each
    .venv/bin/python bench/live_latency.py --streams 1 2 3 --seconds 45

Prints p50/p95/max per stream count, the WER of the finals (mean over the streams) and the
machine's 1-minute load average before and after (the target is p95 ≤ 3 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

TALK = (
    "Good morning and welcome to the weekly briefing. Today we review the new safety rules for every ward. "
    "Please wash your hands for twenty seconds before and after every patient visit. "
    "The clinic will check the wards every week and report the results on Friday. "
    "Our next topic is the budget for the coming year, which grows by four percent. "
    "Most of the new money goes to training and to the night shift. "
    "Thank you for listening, and send your questions to the nursing office."
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def synthesize(seconds: float, folder: Path) -> tuple[Path, str]:
    """An espeak-ng talk of at least ``seconds`` seconds (the talk repeated), as a WAV file, and its text."""
    text = TALK
    wav = folder / "talk.wav"
    while True:
        subprocess.run(["espeak-ng", "-w", str(wav), text], check=True)
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(wav)],
            capture_output=True,
            text=True,
            check=True,
        )
        if float(probe.stdout.strip()) >= seconds:
            return wav, text
        text += " " + TALK


async def vendor_side(rtmp_port: int, ws_port: int, key: str, token: str, seconds: float) -> None:
    """One stream's vendor side, as the live flow runs it (until one stream has been captioned)."""
    from reachflow.live.messages import end_of_stream_message
    from reachflow.live.recognizer import StreamingRecognizer, WhisperDecoder
    from tasks.live import CaptionFeed, CaptionServer, RtmpIngest, caption_stream

    decoder = await asyncio.to_thread(WhisperDecoder, [])
    recognizer = StreamingRecognizer(decoder)
    server = CaptionServer(ws_port, token, bind="127.0.0.1")
    ingest = RtmpIngest(rtmp_port, key, bind="127.0.0.1")
    feed = CaptionFeed(server)
    await server.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    stream = await ingest.stream(loop.time() + seconds + 120)
    if stream is not None:
        feed.stream_epoch = time.time()
        await caption_stream(stream, recognizer, feed)
    await server.end_of_stream(
        end_of_stream_message(end=recognizer.stream_seconds, stream_epoch=feed.stream_epoch, speaker_id=feed.speaker),
        linger=0,
    )
    await ingest.stop()
    await server.close()


async def kaltura_side(wav: Path, rtmp_port: int, ws_port: int, key: str, token: str) -> tuple[list[float], str]:
    """Push the talk in real time and read the captions: one latency per final word, and the finals' text."""
    from websockets.asyncio.client import connect

    latencies: list[float] = []
    finals: list[str] = []
    async with connect(f"ws://127.0.0.1:{ws_port}/captions/bench?token={token}") as ws:
        for _ in range(30):  # the vendor's listener may not be up yet: push again, as Kaltura's relay does
            pushed_at = time.time()
            push = subprocess.Popen(
                [
                    *("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "quiet", "-re", "-i", str(wav)),
                    "-c:a",
                    "aac",
                    "-b:a",
                    "96k",
                    "-f",
                    "flv",
                    f"rtmp://127.0.0.1:{rtmp_port}/live/{key}",
                ],
            )
            await asyncio.sleep(1.0)
            if push.poll() is None:  # still streaming: connected
                break
        async for text in ws:
            arrived = time.time()
            response = json.loads(text)["response"]
            if response["is_end_of_stream"]:
                break
            if not response["is_final"]:
                continue
            finals.append(response["alternatives"][0]["transcript"])
            for item in response["alternatives"][0]["items"]:
                if item["kind"] == "text":
                    latencies.append(arrived - (pushed_at + float(item["end"])))
        await asyncio.to_thread(push.wait)
    return latencies, " ".join(finals)


async def run(count: int, wav: Path, seconds: float) -> tuple[list[float], list[str], float]:
    sides = []
    for _ in range(count):
        rtmp_port, ws_port = _free_port(), _free_port()
        key, token = secrets.token_urlsafe(16), secrets.token_urlsafe(32)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--vendor",
            json.dumps([rtmp_port, ws_port, key, token, seconds]),
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
        )
        assert proc.stdout is not None
        await proc.stdout.readline()  # "ready"
        sides.append((proc, rtmp_port, ws_port, key, token))
    load_before = os.getloadavg()[0]
    results = await asyncio.gather(*(kaltura_side(wav, r, w, k, t) for _, r, w, k, t in sides))
    for proc, *_ in sides:
        await proc.wait()
    return [x for r, _ in results for x in r], [text for _, text in results], load_before


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--vendor", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.vendor:
        rtmp_port, ws_port, key, token, seconds = json.loads(args.vendor)
        asyncio.run(vendor_side(rtmp_port, ws_port, key, token, seconds))
        return
    import jiwer

    from reachflow.asr.synthetic import normalize_for_wer

    with tempfile.TemporaryDirectory() as folder:
        wav, spoken = synthesize(args.seconds, Path(folder))
        print(
            f"{'streams':>7} {'words':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'WER':>6} {'load before/after':>18}"
        )
        for count in args.streams:
            latencies, texts, load = asyncio.run(run(count, wav, args.seconds))
            load_after = os.getloadavg()[0]
            if not latencies:
                print(f"{count:>7} {0:>6}  no captions")
                continue
            wer = statistics.mean(
                float(jiwer.wer(normalize_for_wer(spoken), normalize_for_wer(text))) for text in texts
            )
            print(
                f"{count:>7} {len(latencies):>6} {statistics.median(latencies):>7.2f} "
                f"{percentile(latencies, 0.95):>7.2f} {max(latencies):>7.2f} {wer:>6.3f} "
                f"{load:>8.1f} / {load_after:<8.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
