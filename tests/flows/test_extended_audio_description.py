"""Extended audio description end to end: the sandbox entry's picture is three shots, two with on-screen
text (the scenario's ``shots``); the job delivers a WebVTT attachment tagged AAD that the customer reads back through
the official KalturaClient.

Machine runs go in-process; the human run goes through a real Prefect runner (it suspends, its
process exits, each answer resumes it from the top) and the person answers with ``reachflow review``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import webvtt
from typer.testing import CliRunner

from reachflow.app.cli import app
from tests.flows.conftest import VENDOR, customer_client, vendor_sandbox, vendor_task
from tests.runner import completed, start_run, suspended, wait_for_run

SHOTS = [  # colour, ink, on-screen text ("": a cut with nothing to read)
    ("navy", "white", "Fabrikam Clinic"),
    ("gold", "black", "Wash for twenty seconds"),
    ("white", "black", ""),
]
SHOT_SECONDS = 3.0
EAD = 9  # KalturaVendorServiceFeature.EXTENDED_AUDIO_DESCRIPTION


def scenario() -> dict[str, Any]:
    picture = {
        "shots": [{"seconds": SHOT_SECONDS, "colour": c, "ink": ink, "text": text} for c, ink, text in SHOTS],
        "pad_to_seconds": SHOT_SECONDS * len(SHOTS),
        "flavors": ["source"],
    }
    item = {"feature": "EXTENDED_AUDIO_DESCRIPTION", "turn_around_time": "FIVE_DAYS", "source_language": "English"}
    return {
        "vendor": VENDOR,
        "catalog_items": [
            {"id": 233, "service_type": "MACHINE", "output_format": "VTT", **item},
            {"id": 234, "service_type": "HUMAN", "output_format": "VTT", **item},
        ],
        "customers": [
            {
                "partner_id": 2003,
                "admin_secret": "customer-secret",
                "reach_profiles": [{"id": 303, "default_output_format": "DFXP"}],
                "entries": [
                    {
                        "id": "0_eadshow1",
                        "name": "Hand hygiene",
                        "speech": [{"text": "Wash your hands."}],
                        **picture,
                    },
                    {
                        "id": "0_eadshow2",
                        "name": "Hand hygiene, described by a person",
                        "speech": [{"text": "Dry your hands."}],
                        **picture,
                    },
                    {
                        "id": "0_eadaudio",
                        "name": "Podcast",
                        "speech": [{"text": "Only sound here."}],
                        "flavors": ["audio"],
                    },
                    {
                        "id": "0_eadbroke",
                        "name": "Broken upload",
                        "speech": [{"text": "Never decoded."}],
                        "flavors": ["broken"],
                    },
                ],
                "tasks": [
                    {"id": 9351, "entry": "0_eadshow1", "catalog_item": 233, "reach_profile": 303},
                    {"id": 9352, "entry": "0_eadshow2", "catalog_item": 234, "reach_profile": 303},
                    {"id": 9353, "entry": "0_eadaudio", "catalog_item": 233, "reach_profile": 303},
                    {"id": 9354, "entry": "0_eadbroke", "catalog_item": 233, "reach_profile": 303},
                ],
            }
        ],
    }


@pytest.fixture(scope="module")
def sandbox(media_cache: Path) -> Iterator[tuple[Any, str]]:
    with vendor_sandbox(scenario(), media_cache) as pair:
        yield pair


def ead_attachments(client: Any, entry_id: str) -> list[Any]:
    """The entry's extended-audio-description files, found as the player finds them: by the tag AAD."""
    from KalturaClient.Plugins.Attachment import KalturaAttachmentAssetFilter

    f = KalturaAttachmentAssetFilter(entryIdEqual=entry_id, tagsMultiLikeOr="AAD")
    return list(client.attachment.attachmentAsset.list(f).objects)


def read_vtt(client: Any, asset_id: str) -> list[webvtt.Caption]:
    text = httpx.get(client.attachment.attachmentAsset.getUrl(asset_id)).text
    return list(webvtt.from_buffer(io.StringIO(text)))


def seconds(clock: str) -> float:
    hours, minutes, rest = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def test_machine_descriptions_are_delivered_as_a_webvtt_attachment_tagged_aad(sandbox: tuple[Any, str]) -> None:
    from flows.extended_audio_description import MACHINE_ACCURACY, extended_audio_description_flow

    box, block = sandbox
    # Every setContent fails once Kaltura has the attachment: the run stops with the asset added but
    # empty, and the task stays PROCESSING (reconcile would restart it).
    box.faults.add("kaltura_error", service="attachment_attachmentasset", action="setContent", first_n=100)
    state = extended_audio_description_flow(task_id=9351, partner_id=2003, account_block=block, return_state=True)
    assert not state.is_completed()
    box.faults.clear()
    client = customer_client(box, 2003)
    [unfilled] = ead_attachments(client, "0_eadshow1")
    assert vendor_task(box, 9351).status.getValue() == 3

    result = extended_audio_description_flow(task_id=9351, partner_id=2003, account_block=block)
    assert result["shots"] == 3 and result["descriptions"] == 3

    [attachment] = ead_attachments(client, "0_eadshow1")  # the retry filled it; no second one
    assert attachment.id == unfilled.id
    assert type(attachment).__name__ == "KalturaTranscriptAsset"
    assert attachment.fileExt == "vtt" and attachment.language.getValue() == "English"
    assert "AAD" in attachment.tags.split(",") and attachment.status.getValue() == 2
    task = vendor_task(box, 9351)
    assert task.status.getValue() == 2 and task.outputObjectId == attachment.id
    assert task.accuracy == MACHINE_ACCURACY

    captions = read_vtt(client, attachment.id)
    media_seconds = SHOT_SECONDS * len(SHOTS)
    assert [round(seconds(c.start), 1) for c in captions] == [0.0, 3.0, 6.0]  # at each shot's start
    for caption in captions:
        assert 0 <= seconds(caption.start) < seconds(caption.end) <= media_seconds + 0.05
    for caption, (_colour, _ink, text) in zip(captions, SHOTS, strict=True):
        # On-screen text of a shot appears in its description; the plain shot is described as a cut.
        assert (text or "The scene changes").lower() in caption.text.lower(), caption.text


def test_a_video_without_pictures_or_that_cannot_be_decoded_ends_in_error(sandbox: tuple[Any, str]) -> None:
    from flows.extended_audio_description import extended_audio_description_flow

    box, block = sandbox
    for task_id, reason in ((9353, "media has no video track"), (9354, "media could not be decoded")):
        state = extended_audio_description_flow(
            task_id=task_id, partner_id=2003, account_block=block, return_state=True
        )
        assert state.name == "Rejected"
        task = vendor_task(box, task_id)
        assert task.status.getValue() == 6 and task.errDescription.startswith(reason), task.errDescription


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_person_writes_the_descriptions_and_is_asked_again_until_they_fit(
    sandbox: tuple[Any, str], served_flows: dict[str, Any], tmp_path: Path
) -> None:
    box, block = sandbox
    run = start_run(served_flows["extended_audio_description"], 9352, 2003, block, service_type=1, feature=EAD)
    name = "extended_audio_description-2003-9352"
    wait_for_run(run.id, suspended("review-1"), what="the first question")
    assert vendor_task(box, 9352).status.getValue() == 3

    shown = cli("review", "show", name)
    for expected in ("| 1 | 0.00–3.00 |", "Fabrikam Clinic", "Wash for twenty seconds", "machine suggestion", "AAD"):
        assert expected in shown, expected
    assert "shot-000.png" in shown and "contact-sheet.jpg" in shown  # a keyframe per shot, and all on one
    draft = cli("review", "show", name, "--draft")
    assert draft.startswith("WEBVTT") and "On screen: Fabrikam Clinic." in draft

    bad = tmp_path / "bad.vtt"
    bad.write_text(
        "WEBVTT\n\n00:00:04.000 --> 00:00:05.000\nA nurse walks in.\n\n00:00:01.000 --> 00:00:30.000\nShe waves.\n"
    )
    cli("review", "submit", name, "--file", str(bad), "--accuracy", "95")
    wait_for_run(run.id, suspended("review-2"), what="the question after an invalid file")
    shown = cli("review", "show", name)
    for reason in ("Description 2 starts before description 1", "Description 2 (1.000–30.000 s) is outside the media"):
        assert reason in shown, reason

    good = tmp_path / "good.vtt"
    good.write_text(
        "WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nA title card on navy blue reads Fabrikam Clinic.\n\n"
        "00:00:03.000 --> 00:00:06.000\nIn yellow on green: Wash for twenty seconds.\n\n"
        "00:00:06.000 --> 00:00:09.000\nThe screen turns white & empty.\n"
    )
    cli("review", "submit", name, "--file", str(good), "--accuracy", "98", "--note", "three cards")
    wait_for_run(run.id, completed, what="delivery after the valid file")

    task = vendor_task(box, 9352)
    client = customer_client(box, 2003)
    [attachment] = ead_attachments(client, "0_eadshow2")
    assert task.status.getValue() == 2 and task.outputObjectId == attachment.id and task.accuracy == 98
    assert attachment.humanVerified.getValue() == 1
    captions = read_vtt(client, attachment.id)
    assert [c.start for c in captions] == ["00:00:00.000", "00:00:03.000", "00:00:06.000"]
    assert "Fabrikam Clinic" in captions[0].text and captions[2].text == "The screen turns white &amp; empty."
