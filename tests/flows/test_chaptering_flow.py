"""Chaptering end to end: a synthesised entry with three topics → recognition → chapters → cue points.

Outcomes are read back through the official KalturaClient with the customer's admin KS, as the
customer's player would list them. The human path runs through a real Prefect runner
(``served_flows``): it suspends, and each answer (``reachflow review submit``) resumes it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from KalturaClient.Plugins.CuePoint import KalturaCuePointFilter, KalturaCuePointType
from typer.testing import CliRunner

from flows.chaptering import chaptering_flow
from reachflow.app.cli import app
from tests.flows.conftest import VENDOR, customer_client, vendor_sandbox, vendor_task
from tests.runner import completed, start_run, suspended, wait_for_run

TOPICS = [
    "Photosynthesis is how green plants make their own food from sunlight. "
    "The leaves capture light with a green pigment called chlorophyll. "
    "The energy of the light splits water into oxygen and hydrogen. "
    "Carbon dioxide from the air is then turned into sugar inside the leaf. "
    "The oxygen we breathe is a by-product of photosynthesis. "
    "Plants store the sugar as starch in their roots, stems and seeds. "
    "Without photosynthesis there would be no forests, no crops and no food for animals.",
    "Volcanoes form where molten rock rises through the crust of the earth. "
    "The magma collects in large chambers deep below the mountain. "
    "When the pressure builds up, the volcano erupts with lava, gas and ash. "
    "Some eruptions are gentle rivers of glowing lava that flow for weeks. "
    "Others explode violently and throw ash high into the sky. "
    "Geologists measure small earthquakes and rising ground to predict the next eruption. "
    "Volcanic soil is very fertile, so many farmers live close to volcanoes.",
    "The stock market lets companies raise money from investors. "
    "A share is a small piece of ownership in a company. "
    "Share prices rise when more people want to buy than to sell. "
    "Investors spread their money across many shares to reduce the risk. "
    "Interest rates set by the central bank move the whole market up or down. "
    "A fall of twenty percent or more is called a bear market. "
    "Over many years, patient investing usually beats trying to time the market.",
]
SPEED = 140
SHORT = "Welcome to the seminar. Today we talk about accessible video for every student."


def scenario() -> dict[str, Any]:
    return {
        "vendor": VENDOR,
        "catalog_items": [
            {
                "id": 131,
                "feature": "CHAPTERING",
                "service_type": "MACHINE",
                "turn_around_time": "SIX_HOURS",
                "source_language": "English",
            },
            {
                "id": 132,
                "feature": "CHAPTERING",
                "service_type": "HUMAN",
                "turn_around_time": "FIVE_BUSINESS_DAYS",
                "source_language": "English",
            },
        ],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "customer-secret",
                "reach_profiles": [{"id": 301, "content_deletion_policy": "DO_NOTHING"}],
                "entries": [
                    {
                        "id": "0_chtopic1",
                        "name": "Three topics",
                        "speech": [{"text": t, "speed": SPEED} for t in TOPICS],
                    },
                    {"id": "0_chshort1", "name": "Short seminar", "speech": [{"text": SHORT}]},
                    {"id": "0_chsilnt1", "name": "Silent screen recording", "speech": [{"silence": 6.0}]},
                ],
                "tasks": [
                    {"id": 5311, "entry": "0_chtopic1", "catalog_item": 131, "reach_profile": 301, "created": "-10m"},
                    {"id": 5312, "entry": "0_chshort1", "catalog_item": 132, "reach_profile": 301, "created": "-9m"},
                    {"id": 5313, "entry": "0_chsilnt1", "catalog_item": 131, "reach_profile": 301, "created": "-8m"},
                ],
            }
        ],
    }


@pytest.fixture(scope="module")
def topic_starts(tmp_path_factory: pytest.TempPathFactory) -> list[float]:
    """Where each topic really starts: the sandbox concatenates one espeak-ng clip per topic."""
    folder = tmp_path_factory.mktemp("topics")
    starts, at = [], 0.0
    for index, text in enumerate(TOPICS):
        wav = folder / f"t{index}.wav"
        subprocess.run(["espeak-ng", "-v", "en", "-s", str(SPEED), "-w", str(wav), text], check=True)
        length = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(wav)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        starts.append(at)
        at += float(length)
    return starts


def chapters_of(box: Any, entry_id: str, task_id: int) -> list[Any]:
    client = customer_client(box, 2001)
    f = KalturaCuePointFilter(entryIdEqual=entry_id, cuePointTypeEqual=KalturaCuePointType.THUMB, orderBy="+startTime")
    return [c for c in client.cuePoint.cuePoint.list(f).objects if f"reachflow-task-{task_id}" in (c.tags or "")]


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_three_topics_become_three_chapters_at_their_boundaries(media_cache: Path, topic_starts: list[float]) -> None:
    with vendor_sandbox(scenario(), media_cache) as (box, block):
        result = chaptering_flow(task_id=5311, partner_id=2001, account_block=block)
        assert isinstance(result, dict), result
        chapters = chapters_of(box, "0_chtopic1", 5311)
        # one longest sentence of this speech is about 6 s: "within one sentence" of the true start
        starts = [c.startTime / 1000 for c in chapters]
        assert len(starts) == 3, [(c.startTime, c.title) for c in chapters]
        assert starts[0] == 0.0
        for got, truth in zip(starts[1:], topic_starts[1:], strict=True):
            assert abs(got - truth) <= 6.0, (starts, topic_starts)
        assert all(c.title.strip() and c.description.strip() for c in chapters)
        assert all(c.subType.getValue() == 2 for c in chapters)
        # titles come from each topic's own words
        assert "photosynthesis" in (chapters[0].title + chapters[0].description).lower()
        assert "volcan" in (chapters[1].title + chapters[1].description).lower()
        assert "market" in (chapters[2].title + chapters[2].description).lower()
        task = vendor_task(box, 5311)
        assert task.status.getValue() == 2  # READY
        assert task.outputObjectId == chapters[0].id  # the first chapter (docs/chaptering.md)
        assert 50 <= task.accuracy <= 100
        assert result["chapters"] == 3 and result["cue_point_ids"] == [c.id for c in chapters]


def test_a_person_is_asked_again_until_the_chapter_list_is_valid(
    media_cache: Path, served_flows: dict[str, Any], tmp_path: Path
) -> None:
    with vendor_sandbox(scenario(), media_cache) as (box, block):
        run = start_run(served_flows["chaptering"], 5312, 2001, block, service_type=1, feature=5)
        wait_for_run(run.id, suspended("review-1"), what="the first question")
        shown = cli("review", "show", "chaptering-2001-5312")
        assert "HH:MM:SS | title | description" in shown and "Machine chapters (1" in shown
        draft = cli("review", "show", "chaptering-2001-5312", "--draft")
        assert draft.startswith("00:00:00 | ")

        bad = tmp_path / "bad.txt"
        bad.write_text(
            "00:00:00 | Welcome | Opening\n00:00:04 |  | no title\n00:00:02 | Back | earlier\n00:09:00 | Late |\n"
        )
        cli("review", "submit", "chaptering-2001-5312", "--file", str(bad))
        wait_for_run(run.id, suspended("review-2"), what="the question after an invalid list")
        shown = cli("review", "show", "chaptering-2001-5312")
        for reason in (
            "chapter 2 (00:00:04) has no title",
            "chapter 3 starts at 00:00:02, not after the chapter before it",
            "chapter 4 starts at 00:09:00, outside the media",
        ):
            assert reason in shown, reason
        assert vendor_task(box, 5312).status.getValue() == 3  # still PROCESSING

        good = tmp_path / "good.txt"
        good.write_text("00:00:00 | Welcome | The seminar opens.\n00:00:03.5 | Accessible video | For every student.\n")
        cli("review", "submit", "chaptering-2001-5312", "--file", str(good), "--accuracy", "98")
        wait_for_run(run.id, completed, what="delivery after the valid list")
        chapters = chapters_of(box, "0_chshort1", 5312)
        assert [(c.startTime, c.title, c.description) for c in chapters] == [
            (0, "Welcome", "The seminar opens."),
            (3500, "Accessible video", "For every student."),
        ]
        task = vendor_task(box, 5312)
        assert task.status.getValue() == 2 and task.accuracy == 98 and task.outputObjectId == chapters[0].id


def test_silent_media_ends_in_error_with_the_reason(media_cache: Path) -> None:
    with vendor_sandbox(scenario(), media_cache) as (box, block):
        chaptering_flow(task_id=5313, partner_id=2001, account_block=block)
        task = vendor_task(box, 5313)
        assert task.status.getValue() == 6  # ERROR
        assert "no audible sound" in task.errDescription or "no speech" in task.errDescription
        assert chapters_of(box, "0_chsilnt1", 5313) == []
