"""Machine audio description end to end: a sandbox entry with shots and on-screen text → the described
track and the clear audio as two audio flavors, READY.

Outcomes are read the way the customer gets them: the flavors through the official KalturaClient
with the customer's admin KS, the files downloaded from their URLs, probed with ffprobe and the
described track transcribed back by Whisper (tiny.en). The engines are the real offline ones.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from flows.audio_description import audio_description_flow
from tests.flows.conftest import VENDOR, customer_client, vendor_sandbox, vendor_task

AD_ITEM = {
    "id": 108,
    "feature": "AUDIO_DESCRIPTION",
    "service_type": "MACHINE",
    "turn_around_time": "FORTY_EIGHT_HOURS",
    "source_language": "English",
    "flavor_params_id": 1504,
    "clear_audio_flavor_params_id": 1604,
}
TOUR = {
    "id": "0_adtest01",
    "name": "Campus tour",
    "speech": [
        {"text": "Welcome to the campus tour."},
        {"silence": 5.0},
        {"text": "The library never closes."},
        {"silence": 5.0},
    ],
    "shots": [
        {"seconds": 7.0, "colour": "navy", "text": "Campus Tour"},
        {"seconds": 9.0, "colour": "gold", "ink": "black", "text": "Library open all night"},
    ],
}


def scenario() -> dict[str, Any]:
    return {
        "vendor": VENDOR,
        "catalog_items": [AD_ITEM],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "customer-secret",
                "reach_profiles": [{"id": 301, "content_deletion_policy": "DO_NOTHING"}],
                "entries": [
                    TOUR,
                    {**TOUR, "id": "0_adtest02"},
                    {
                        "id": "0_adaudio1",
                        "name": "Podcast",
                        "media_type": "audio",
                        "flavors": ["audio"],
                        "speech": [{"text": "A podcast has no picture."}, {"silence": 4.0}],
                    },
                    {
                        "id": "0_adnopaus",
                        "name": "Talk without a pause",
                        "speech": [{"text": "We talk and talk and never stop for a breath at all."}],
                    },
                ],
                "tasks": [
                    {"id": 9301, "entry": "0_adtest01", "catalog_item": 108, "reach_profile": 301},
                    {"id": 9302, "entry": "0_adaudio1", "catalog_item": 108, "reach_profile": 301},
                    {"id": 9303, "entry": "0_adnopaus", "catalog_item": 108, "reach_profile": 301},
                    {"id": 9304, "entry": "0_adtest02", "catalog_item": 108, "reach_profile": 301},
                ],
            }
        ],
    }


@pytest.fixture(scope="module")
def sandbox(media_cache: Path) -> Any:
    with vendor_sandbox(scenario(), media_cache) as box_and_block:
        yield box_and_block


def ffprobe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout))


def download(client: Any, flavor_id: str, dest: Path) -> Path:
    dest.write_bytes(httpx.get(client.flavorAsset.getUrl(flavor_id), timeout=60).content)
    return dest


def to_wav16k(src: Path, dest: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), "-vn", "-ac", "1", "-ar", "16000", str(dest)],
        check=True,
    )
    return dest


def speech_of(wav: Path) -> list[tuple[float, float]]:
    """Where the original speaks (Silero VAD, padded about 0.4 s each side: a strict judge)."""
    from reachflow.asr.base import iter_wav_blocks
    from reachflow.asr.faster import speech_regions

    regions: list[tuple[float, float]] = []
    for offset, samples in iter_wav_blocks(wav, 60.0):
        regions.extend(speech_regions(samples, offset))
    return regions


def overlap(a: tuple[float, float], regions: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(a[1], end) - max(a[0], start)) for start, end in regions)


def test_the_picture_is_described_in_the_pauses_and_delivered_as_an_audio_flavor(
    sandbox: Any, tmp_path: Path, session_dir: Path
) -> None:
    from reachflow.asr.faster import FasterWhisperEngine

    box, block = sandbox
    result = audio_description_flow(task_id=9301, partner_id=2001, account_block=block)
    task = vendor_task(box, 9301)
    assert task.status.getValue() == 2, task.errDescription  # READY
    client = customer_client(box, 2001)
    flavors = {int(f.flavorParamsId): f for f in client.flavorAsset.getByEntryId("0_adtest01")}
    described, clear = flavors[1504], flavors[1604]
    assert task.outputObjectId == described.id == result["output_object_id"]
    assert described.language.getValue() == "English" and described.label == "English - Audio description"
    assert described.isDefault.getValue() == 0 and clear.isDefault.getValue() == 1
    assert clear.language.getValue() == "English"
    assert "audio_description" in (described.tags or "")

    entry_seconds = client.baseEntry.get("0_adtest01").msDuration / 1000
    described_file = download(client, described.id, tmp_path / "described.mp4")
    clear_file = download(client, clear.id, tmp_path / "clear.mp4")
    for path in (described_file, clear_file):
        facts = ffprobe(path)
        [audio] = [s for s in facts["streams"] if s["codec_type"] == "audio"]
        assert "mp4" in facts["format"]["format_name"] and not any(s["codec_type"] == "video" for s in facts["streams"])
        assert audio["codec_name"] == "aac" and audio["profile"] == "LC"
        # This sound track is mostly pauses (ffmpeg's AAC alone measured 79 kbps described, 35 kbps
        # clear); fill elements pad it to the nominal rate (reachflow.audio.cbr).
        assert abs(int(audio["bit_rate"]) - 128_000) <= 10 and int(audio["sample_rate"]) == 48_000
        assert float(facts["format"]["duration"]) == pytest.approx(entry_seconds, abs=0.1)

    # Each description sits in a pause: at most 0.2 s over the original's speech.
    original = speech_of(to_wav16k(clear_file, tmp_path / "clear.wav"))
    spoken = result["descriptions"]
    assert len(spoken) == 2
    for description in spoken:
        assert overlap((description["start"], description["end"]), original) <= 0.2, description

    # The on-screen text of each shot is spoken, inside its description's time.
    engine = FasterWhisperEngine("tiny.en", cpu_threads=2, models_dir=session_dir / "reachflow" / "models")
    heard = engine.transcribe(to_wav16k(described_file, tmp_path / "described.wav"), language="en").words
    for expected, description in zip((["campus", "tour"], ["library", "night"]), spoken, strict=True):
        for word in expected:
            times = [w.start for w in heard if w.text.strip(" .,:").lower() == word]
            assert any(description["start"] - 0.5 <= t <= description["end"] + 0.5 for t in times), (word, heard)
    assert "new scene" in spoken[1]["text"].lower()

    # The clear audio is the original sound: it correlates with the entry's own audio flavor.
    [source] = [f for f in client.flavorAsset.getByEntryId("0_adtest01") if f.flavorParamsId == 359]
    entry_audio = to_wav16k(download(client, source.id, tmp_path / "entry.m4a"), tmp_path / "entry.wav")
    a = np.frombuffer(entry_audio.read_bytes()[44:], "<i2").astype(float)
    b = np.frombuffer((tmp_path / "clear.wav").read_bytes()[44:], "<i2").astype(float)
    n = min(len(a), len(b))
    assert np.corrcoef(a[:n], b[:n])[0, 1] > 0.9


def test_a_run_that_fails_after_delivery_is_redone_without_a_second_flavor_or_a_second_mix(sandbox: Any) -> None:
    box, block = sandbox
    # The task is already PROCESSING (a run took it) and Kaltura refuses every updateJob: the run
    # delivers both flavors, cannot set READY, and fails with the task left PROCESSING.
    box.store.get("tasks", 9304)["status"] = 3
    box.faults.add("http_error", service="reach_entryvendortask", action="updateJob", status=503)
    state = audio_description_flow(task_id=9304, partner_id=2001, account_block=block, return_state=True)
    assert not state.is_completed() and vendor_task(box, 9304).status.getValue() == 3
    box.faults.clear()
    client = customer_client(box, 2001)
    before = {f.id for f in client.flavorAsset.getByEntryId("0_adtest02")}
    rerun = audio_description_flow(task_id=9304, partner_id=2001, account_block=block, return_state=True)
    assert rerun.is_completed() and vendor_task(box, 9304).status.getValue() == 2
    assert {f.id for f in client.flavorAsset.getByEntryId("0_adtest02")} == before
    assert task_run_states(rerun.state_details.flow_run_id, ("look-and-listen", "speak-and-mix")) == [
        "Cached",
        "Cached",
    ]


def task_run_states(flow_run_id: Any, names: tuple[str, ...]) -> list[str]:
    """The states of a flow run's task runs with these names (written a moment after the run ends)."""
    import asyncio
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read() -> list[str]:
        async with get_client() as prefect:
            runs = await prefect.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            return [r.state.name for r in sorted(runs, key=lambda r: r.name) if r.name.startswith(names) and r.state]

    states: list[str] = []
    for _ in range(60):
        states = asyncio.run(read())
        if len(states) >= len(names):
            break
        time.sleep(0.5)
    return states


@pytest.mark.parametrize(
    ("task_id", "reason"),
    [
        (9302, "the media has no video track: audio description describes the picture"),
        (
            9303,
            "no pause of at least 2 s between speech to place a description in; extended audio description pauses the video instead",
        ),
    ],
)
def test_media_description_cannot_serve_ends_in_error_with_the_reason(sandbox: Any, task_id: int, reason: str) -> None:
    box, block = sandbox
    state = audio_description_flow(task_id=task_id, partner_id=2001, account_block=block, return_state=True)
    task = vendor_task(box, task_id)
    assert task.status.getValue() == 6 and task.errDescription == reason
    assert state.name == "Rejected"
