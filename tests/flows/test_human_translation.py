"""Human translation: source cues and empty target cues go to a person, who is asked again until the
translation fits the source; then it is delivered.

The run goes through a real Prefect runner (``served_flows``): it suspends, its process exits, and
each answer resumes it from the top in a new process. The person answers with ``reachflow review``.
Outcomes are read through the Kaltura API with the customer's admin KS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pysubs2
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from reachflow.app.cli import app
from tests.flows.conftest import VENDOR, customer_client, vendor_sandbox, vendor_task
from tests.runner import completed, start_run, suspended, wait_for_run

SOURCE_SRT = """1
00:00:00,500 --> 00:00:03,200
Welcome to Northwind University.

2
00:00:03,400 --> 00:00:06,900
This course explains how Kaltura delivers
captions for every lecture.

3
00:00:07,000 --> 00:00:09,500
[MUSIC]
"""
HOSTILE_NOTES = '<img src="https://evil.example/pixel.png"> Please use formal French. ![x](https://evil.example/x.png)'
HOSTILE_NAME = 'Lecture <img src="https://evil.example/name.png">'
# Wrong: one cue missing, one moved, one empty.
INVALID = """1
00:00:00,500 --> 00:00:03,200
Bienvenue à l'université Northwind.

2
00:00:04,000 --> 00:00:06,900

"""
VALID = """1
00:00:00,500 --> 00:00:03,200
Bienvenue à l'université Northwind.

2
00:00:03,400 --> 00:00:06,900
Ce cours explique comment Kaltura livre
des sous-titres pour chaque cours.

3
00:00:07,000 --> 00:00:09,500
[MUSIQUE]
"""


def scenario() -> dict[str, Any]:
    return {
        "vendor": VENDOR,
        "catalog_items": [
            {
                "id": 211,
                "feature": "TRANSLATION",
                "service_type": "HUMAN",
                "turn_around_time": "FIVE_BUSINESS_DAYS",
                "source_language": "English",
                "target_language": "French",
                "require_source": True,
            },
        ],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "customer-secret",
                "reach_profiles": [
                    {
                        "id": 301,
                        "default_output_format": "SRT",
                        "max_characters_per_caption_line": 42,
                        "label_addition_human": "(verified)",
                        "dictionaries": {"English": "Kaltura\nNorthwind"},
                    },
                ],
                "entries": [
                    {
                        "id": "0_hlect001",
                        "name": HOSTILE_NAME,
                        "speech": [{"text": "Welcome to Northwind University."}],
                        "captions": [
                            {
                                "id": "0_hsrc0001",
                                "language": "English",
                                "format": "SRT",
                                "accuracy": 100,
                                "content": SOURCE_SRT,
                            }
                        ],
                    },
                ],
                "tasks": [
                    {
                        "id": 9101,
                        "entry": "0_hlect001",
                        "catalog_item": 211,
                        "reach_profile": 301,
                        "created": "-10m",
                        "notes": HOSTILE_NOTES,
                        "source_caption": "0_hsrc0001",
                    },
                ],
            }
        ],
    }


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_translator_is_asked_again_until_the_translation_fits_the_source(
    media_cache: Path, served_flows: dict[str, Any], tmp_path: Path
) -> None:
    with vendor_sandbox(scenario(), media_cache) as (box, block):
        run = start_run(served_flows["translation"], 9101, 2001, block, service_type=1, feature=2)
        wait_for_run(run.id, suspended("review-1"), what="the first question")
        assert vendor_task(box, 9101).status.getValue() == 3  # PROCESSING while the person works

        shown = cli("review", "show", "translation-2001-9101")
        # Source cues beside empty target cues (no engine serves English→French), rules, dictionary.
        for expected in (
            "| 1 | 0.500–3.200 | Welcome to Northwind University. |",
            "English → French",
            "your translation (empty cues to fill)",
            "- Kaltura",
            "exactly one per source cue",
            "Please use formal French.",
        ):
            assert expected in shown, expected
        # Hostile notes and entry name are shown as text: rendered as the Prefect UI would, nothing
        # loads and nothing links to the customer's host; the notes are there verbatim, as code.
        html = MarkdownIt("commonmark", {"html": True}).enable("table").render(shown)
        assert "evil.example" in html and "<img" not in html and 'href="https://evil' not in html
        assert HOSTILE_NOTES in shown and "&lt;img" in shown
        draft = cli("review", "show", "translation-2001-9101", "--draft")
        assert draft.startswith("1\n00:00:00,500 --> 00:00:03,200\n") and "Welcome" not in draft
        assert "[MUSIC]" in draft  # non-speech needs no translation

        bad = tmp_path / "bad.srt"
        bad.write_text(INVALID)
        cli("review", "submit", "translation-2001-9101", "--file", str(bad), "--accuracy", "90")
        wait_for_run(run.id, suspended("review-2"), what="the question after an invalid translation")
        shown = cli("review", "show", "translation-2001-9101")
        for reason in (
            "the translation has 2 cues, the source has 3",
            "cue 2 is at 4.000–6.900 s",
            "cue 2 has no text",
        ):
            assert reason in shown, reason
        assert vendor_task(box, 9101).status.getValue() == 3

        good = tmp_path / "translated.srt"
        good.write_text(VALID)
        cli(
            "review",
            "submit",
            "translation-2001-9101",
            "--file",
            str(good),
            "--accuracy",
            "97",
            "--note",
            "formal register",
        )
        wait_for_run(run.id, completed, what="delivery after the valid translation")

        task = vendor_task(box, 9101)
        assert task.status.getValue() == 2 and task.accuracy == 97
        assert task.outputObjectId == "0_hsrc0001"  # the source caption (docs/translation.md)
        client = customer_client(box, 2001)
        from KalturaClient.Plugins.Caption import KalturaCaptionAssetFilter

        [caption] = [
            c
            for c in client.caption.captionAsset.list(KalturaCaptionAssetFilter(entryIdEqual="0_hlect001")).objects
            if "reachflow-task-9101" in (c.tags or "")
        ]
        assert caption.language.getValue() == "French" and caption.label == "French (verified)"
        assert caption.isDefault.getValue() == 0 and caption.accuracy == 97
        delivered = pysubs2.SSAFile.from_string(httpx.get(client.caption.captionAsset.getUrl(caption.id)).text)
        source = pysubs2.SSAFile.from_string(SOURCE_SRT)
        assert [(e.start, e.end) for e in delivered] == [(e.start, e.end) for e in source]
        assert "Ce cours explique comment Kaltura livre" in delivered[1].plaintext
