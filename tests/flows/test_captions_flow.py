"""Machine captions end to end: sandbox entry → real recognition → caption asset in Kaltura.

Every outcome is checked through the official KalturaClient with the customer's admin KS, the way
a customer would see it. Speech is espeak-ng's default English voice; tiny.en measured 9–12 % WER
on it (bench/asr_bench.py), so the bound below (35 % on a 2-sentence clip) leaves room for one
or two misheard words per sentence while still failing when a sentence is lost.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jiwer
import pysubs2
import pytest
import webvtt

from flows.captions import captions_flow
from kaltura_sandbox.faults import FaultPlan
from reachflow.asr.synthetic import normalize_for_wer
from tests.flows.conftest import VENDOR, customer_client, vendor_sandbox, vendor_task

WER_BOUND = 0.35
LECTURE = "Welcome to the course. Today we learn how captions are made for every lecture video."
SWEAR = "This is bullshit, the projector is broken again, so we will talk instead."
PANEL_A = "Good morning everyone. I will open the panel with a short summary of the research project."
PANEL_B = "Thank you. I would like to add that the survey reached more than four thousand students."


def scenario() -> dict[str, Any]:
    return {
        "vendor": VENDOR,
        "catalog_items": [
            {"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"},
            {
                "id": 102,
                "feature": "CAPTIONS",
                "service_type": "MACHINE",
                "turn_around_time": "TWO_HOURS",
                "output_format": "VTT",
                "enable_speaker_id": True,
            },
            {"id": 103, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "THIRTY_MINUTES"},
        ],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "customer-secret",
                "reach_profiles": [
                    {
                        "id": 301,
                        "default_output_format": "SRT",
                        "enable_profanity_removal": True,
                        "enable_metadata_extraction": True,
                        "max_characters_per_caption_line": 32,
                        "label_addition_machine": "auto",
                        "dictionaries": {"English": "projector\nlecture"},
                    },
                    {
                        "id": 302,
                        "default_output_format": "DFXP",
                        "enable_audio_tags": True,
                        "auto_display_machine_captions": False,
                    },
                ],
                "entries": [
                    {"id": "0_lecture1", "tags": "lecture,week one", "speech": [{"text": LECTURE}, {"text": SWEAR}]},
                    {
                        "id": "0_panel001",
                        "speech": [
                            {"text": PANEL_A, "voice": "en+m3", "speed": 150},
                            {"silence": 0.8},
                            {"text": PANEL_B, "voice": "en+f3", "speed": 170},
                        ],
                    },
                    {"id": "0_music001", "speech": [{"music": 4.0}, {"text": LECTURE}]},
                    {"id": "0_noaudio1", "speech": [{"text": LECTURE}], "flavors": ["video_only", "broken"]},
                    {"id": "0_silent01", "speech": [{"silence": 5.0}]},
                    {
                        "id": "0_french01",
                        "speech": [
                            {
                                "voice": "fr",
                                "text": (
                                    "Bonjour à tous. Cette formation explique comment se laver les mains avant chaque visite. "
                                    "Utilisez du savon pendant vingt secondes, puis séchez vos mains avec une serviette propre."
                                ),
                            }
                        ],
                    },
                ],
                "tasks": [
                    {"id": 7001, "entry": "0_lecture1", "catalog_item": 101, "reach_profile": 301, "created": "-10m"},
                    {"id": 7002, "entry": "0_panel001", "catalog_item": 102, "reach_profile": 301, "created": "-10m"},
                    {"id": 7003, "entry": "0_music001", "catalog_item": 101, "reach_profile": 302, "created": "-10m"},
                    {"id": 7004, "entry": "0_noaudio1", "catalog_item": 101, "reach_profile": 301, "created": "-10m"},
                    {"id": 7005, "entry": "0_silent01", "catalog_item": 101, "reach_profile": 301, "created": "-10m"},
                    {"id": 7006, "entry": "0_french01", "catalog_item": 101, "reach_profile": 301, "created": "-10m"},
                    {"id": 7007, "entry": "0_lecture1", "catalog_item": 103, "reach_profile": 302, "created": "-28m"},
                    {
                        "id": 7008,
                        "entry": "0_panel001",
                        "catalog_item": 101,
                        "reach_profile": 302,
                        "created": "-5m",
                        "access_key_expiry_seconds": 2,
                    },
                ],
            }
        ],
    }


@pytest.fixture(scope="module")
def sandbox(media_cache: Path) -> Any:
    with vendor_sandbox(scenario(), media_cache) as pair:
        yield pair


def captions_of(client: Any, entry_id: str) -> list[Any]:
    from KalturaClient.Plugins.Caption import KalturaCaptionAssetFilter

    return client.caption.captionAsset.list(KalturaCaptionAssetFilter(entryIdEqual=entry_id)).objects


def attachments_of(client: Any, entry_id: str) -> list[Any]:
    from KalturaClient.Plugins.Attachment import KalturaAttachmentAssetFilter

    return client.attachment.attachmentAsset.list(KalturaAttachmentAssetFilter(entryIdEqual=entry_id)).objects


def content(client: Any, caption_id: str) -> str:
    import httpx

    return httpx.get(client.caption.captionAsset.getUrl(caption_id)).text


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalize_for_wer(reference), normalize_for_wer(hypothesis))


def test_lecture_is_captioned_and_delivered_with_the_profile_settings(sandbox: Any) -> None:
    box, block = sandbox
    result = captions_flow(task_id=7001, partner_id=2001, account_block=block)
    task = vendor_task(box, 7001)
    assert task.status.getValue() == 2  # READY
    client = customer_client(box, 2001)
    [caption] = captions_of(client, "0_lecture1")
    assert task.outputObjectId == caption.id == result["output_object_id"]
    assert caption.format.getValue() == "1" and caption.language.getValue() == "English"
    assert caption.isDefault.getValue() == 1 and caption.displayOnPlayer is True
    assert caption.label == "English (auto)"  # Kaltura appends the profile's label addition on READY
    assert 50 <= caption.accuracy <= 99 and task.accuracy == caption.accuracy
    srt = content(client, caption.id)
    subs = pysubs2.SSAFile.from_string(srt, format_="srt")
    text = " ".join(event.plaintext.replace("\n", " ") for event in subs)
    assert wer(f"{LECTURE} {SWEAR}", text.replace("b*******", "bullshit")) <= WER_BOUND
    assert "b*******" in text and "bullshit" not in text.lower()  # profanity removal
    lines = [line for event in subs for line in event.plaintext.split("\n")]
    assert max(len(line) for line in lines) <= 32  # maxCharactersPerCaptionLine
    assert all(len(event.plaintext.split("\n")) <= 2 for event in subs)
    # Transcripts (TXT + DFXP) are attachments linked from the caption asset.
    transcripts = attachments_of(client, "0_lecture1")
    assert sorted(a.fileExt for a in transcripts) == ["dfxp", "txt"]
    assert sorted(caption.associatedTranscriptIds.split(",")) == sorted(a.id for a in transcripts)
    # Metadata extraction appended keywords to the existing tags.
    entry = client.baseEntry.get("0_lecture1")
    tags = entry.tags.split(",")
    assert tags[:2] == ["lecture", "week one"] and len(tags) > 2
    assert "lecture" in tags and len(set(t.lower() for t in tags)) == len(tags)


def test_speaker_ids_in_webvtt(sandbox: Any) -> None:
    box, block = sandbox
    captions_flow(task_id=7002, partner_id=2001, account_block=block)
    client = customer_client(box, 2001)
    [caption] = captions_of(client, "0_panel001")
    assert caption.format.getValue() == "3"
    vtt_text = content(client, caption.id)
    import io

    cues = list(webvtt.read_buffer(io.StringIO(vtt_text)))
    labels = [re.match(r"\[Speaker (\d)\]", c.text) for c in cues]
    numbers = [int(m.group(1)) for m in labels if m]
    assert numbers[:1] == [1] and 2 in numbers  # both voices are labelled
    full = " ".join(re.sub(r"\[Speaker \d\] ", "", c.text.replace("\n", " ")) for c in cues)
    assert wer(f"{PANEL_A} {PANEL_B}", full) <= WER_BOUND


def test_dfxp_audio_tags_and_moderated_display(sandbox: Any) -> None:
    box, block = sandbox
    captions_flow(task_id=7003, partner_id=2001, account_block=block)
    client = customer_client(box, 2001)
    [caption] = captions_of(client, "0_music001")
    assert caption.format.getValue() == "2"
    assert caption.displayOnPlayer is False  # the profile does not auto-display machine captions
    dfxp = content(client, caption.id)
    from xml.etree import ElementTree as ET

    root = ET.fromstring(dfxp.encode())
    assert root.tag == "{http://www.w3.org/ns/ttml}tt"
    paragraphs = ["".join(p.itertext()) for p in root.iter("{http://www.w3.org/ns/ttml}p")]
    assert paragraphs[0] == "[MUSIC]"
    assert float(root.find(".//{http://www.w3.org/ns/ttml}p").get("begin").split(":")[-1]) < 1.0


@pytest.mark.parametrize(
    ("task_id", "expected"),
    [
        (7004, "no usable flavor: "),
        (7005, "media has no audible sound"),
        (7006, "spoken language is French, ordered English"),
    ],
)
def test_bad_input_ends_in_error_with_a_specific_reason(sandbox: Any, task_id: int, expected: str) -> None:
    box, block = sandbox
    state = captions_flow(task_id=task_id, partner_id=2001, account_block=block, return_state=True)
    # The customer's media, not a vendor failure: the run is not red, it is "Rejected" with the reason.
    assert state.is_completed() and state.name == "Rejected"
    assert expected in (state.message or "")
    task = vendor_task(box, task_id)
    assert task.status.getValue() == 6
    assert task.errDescription.startswith(expected)
    if task_id == 7004:
        assert "has no audio track" in task.errDescription and "undecodable" in task.errDescription


def test_retried_delivery_never_duplicates_assets_and_skips_recognition(sandbox: Any) -> None:
    box, block = sandbox
    # Every answer to captionAsset.update is lost after Kaltura did the work: delivery fails
    # after the transcripts and the caption asset exist, and the task stays PROCESSING.
    box.faults.add("drop_after", service="caption_captionasset", action="update", first_n=100)
    state = captions_flow(task_id=7007, partner_id=2001, account_block=block, return_state=True)
    assert not state.is_completed()
    assert vendor_task(box, 7007).status.getValue() == 3
    box.faults.clear()
    client = customer_client(box, 2001)
    before = {a.id for a in captions_of(client, "0_lecture1")}
    rerun = captions_flow(task_id=7007, partner_id=2001, account_block=block, return_state=True)
    assert rerun.is_completed()
    task = vendor_task(box, 7007)
    assert task.status.getValue() == 2
    mine = [c for c in captions_of(client, "0_lecture1") if "reachflow-task-7007" in c.tags]
    assert len(mine) == 1 and mine[0].id in before and task.outputObjectId == mine[0].id
    transcripts = [a for a in attachments_of(client, "0_lecture1") if "reachflow-task-7007" in a.tags]
    assert len(transcripts) == 2
    # The second run reused the persisted recognition result.
    import asyncio

    from prefect.client.orchestration import get_client

    async def recognize_states() -> list[str]:
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        async with get_client() as prefect:
            runs = await prefect.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[rerun.state_details.flow_run_id]))
            )
            return [r.state.name for r in runs if r.name.startswith("recognize")]

    # Task-run records reach the API through Prefect's event pipeline, a moment after the run ends.
    import time

    states: list[str] = []
    # Its final state may arrive after the Pending one (seconds on a loaded machine).
    for _ in range(120):
        states = asyncio.run(recognize_states())
        if states and all(state not in ("Pending", "Running") for state in states):
            break
        time.sleep(0.5)
    assert states == ["Cached"]

    # Ordered 28 minutes ago with a 30-minute turnaround: the job ran at risk, and says so.
    async def report() -> str:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

        async with get_client() as prefect:
            [artifact] = await prefect.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["captions-report-2001-7007"])), limit=1
            )
            return str(artifact.data)

    markdown = asyncio.run(report())
    assert "At risk before step" in markdown and "| caption asset | `" in markdown
    # What recognition did is in the report, and no stretch of speech was left without words.
    assert "| recognition quality | fast (faster-whisper:" in markdown
    assert "| speech left without words | none |" in markdown


def test_expired_access_key_is_extended_and_the_job_finishes(sandbox: Any) -> None:
    import time

    box, block = sandbox
    old_key = box.store.get("tasks", 7008)["accessKey"]
    time.sleep(2.5)  # the task's accessKey (2 s) has expired
    captions_flow(task_id=7008, partner_id=2001, account_block=block)
    task = box.store.get("tasks", 7008)
    assert task["status"] == 2
    assert task["accessKey"] != old_key  # extendAccessKey minted a new one


def test_transient_faults_on_every_kaltura_call_still_end_ready(media_cache: Path) -> None:
    plan = FaultPlan()
    for service, action in [
        ("reach_entryvendortask", "list"),
        ("reach_entryvendortask", "get"),
        ("reach_entryvendortask", "updateJob"),
        ("flavorasset", "list"),
        ("flavorasset", "getUrl"),
        ("uploadtoken", "add"),
        ("uploadtoken", "upload"),
        ("caption_captionasset", "add"),
        ("caption_captionasset", "setContent"),
        ("caption_captionasset", "list"),
        ("caption_captionasset", "update"),
        ("attachment_attachmentasset", "add"),
        ("attachment_attachmentasset", "setContent"),
        ("baseentry", "get"),
        ("baseentry", "update"),
    ]:
        plan.add("http_error", service=service, action=action, first_n=1)
    plan.add("drop_after", service="caption_captionasset", action="add", first_n=1)
    with vendor_sandbox(scenario(), media_cache, faults=plan) as (box, block):
        captions_flow(task_id=7001, partner_id=2001, account_block=block)
        assert vendor_task(box, 7001).status.getValue() == 2
        client = customer_client(box, 2001)
        assert len(captions_of(client, "0_lecture1")) == 1  # the lost answer did not cause a duplicate
        fired = {(r.service, r.action) for r in plan.rules if r.fired}
        assert ("caption_captionasset", "add") in fired and ("reach_entryvendortask", "updateJob") in fired


def test_permanent_kaltura_error_ends_in_error(media_cache: Path) -> None:
    plan = FaultPlan()
    plan.add("kaltura_error", service="flavorasset", action="list", code="ENTRY_ID_NOT_FOUND")
    with vendor_sandbox(scenario(), media_cache, faults=plan) as (box, block):
        state = captions_flow(task_id=7001, partner_id=2001, account_block=block, return_state=True)
        assert state.is_failed()
        task = vendor_task(box, 7001)
        assert task.status.getValue() == 6
        assert (
            task.errDescription == "list flavors: the entry no longer exists or is not accessible (ENTRY_ID_NOT_FOUND)"
        )


def test_hls_is_used_when_progressive_download_is_refused(media_cache: Path) -> None:
    plan = FaultPlan()
    # Kaltura refuses the download URL of every flavor: the job falls back to HLS playback.
    plan.add("kaltura_error", service="flavorasset", action="getUrl", code="FLAVOR_ASSET_ID_NOT_FOUND")
    with vendor_sandbox(scenario(), media_cache, faults=plan) as (box, block):
        captions_flow(task_id=7001, partner_id=2001, account_block=block)
        assert vendor_task(box, 7001).status.getValue() == 2
        client = customer_client(box, 2001)
        [caption] = captions_of(client, "0_lecture1")
        subs = pysubs2.SSAFile.from_string(content(client, caption.id), format_="srt")
        text = " ".join(event.plaintext.replace("\n", " ") for event in subs)
        assert wer(f"{LECTURE} {SWEAR}", text.replace("b*******", "bullshit")) <= WER_BOUND
