"""Customer text is untrusted: notes, entry names, dictionary terms and captions never become markup.

Rendered with markdown-it (CommonMark with raw HTML allowed, i.e. more permissive than the Prefect
UI): what a reviewer opens must show the hostile text, and must not load, link or restructure anything.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markdown_it import MarkdownIt

from reachflow.captions.model import CaptionStyle, Cue
from reachflow.markdown import md_block, md_inline, md_text

HOSTILE = [
    '<img src="https://evil.example/pixel.png">',
    "![pixel](https://evil.example/pixel.png)",
    "[click me](javascript:alert(1))",
    "<script>alert(1)</script>",
    "<https://evil.example/autolink>",
    "# Fake heading",
    "| a | b |",
    "**bold** _it_ `code`",
]


def html_of(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def assert_inert(html: str) -> None:
    assert "<img" not in html and "<script" not in html
    assert "href=" not in html  # no link of any kind
    assert "<h1" not in html.split("<h1>Work package</h1>", 1)[-1]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_the_same_characters(text: str) -> None:
    html = html_of(md_text(text))
    assert_inert(html)
    visible = html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    assert text in visible  # the reader sees exactly what the customer wrote


def test_inline_text_folds_lines_and_blocks_cannot_be_closed_early() -> None:
    assert md_inline("one\n# two") == "one \\# two"
    body = "line\n~~~~\n![x](https://evil.example/x.png)\n````"
    html = html_of(md_block(body))
    assert_inert(html)
    assert html.count("<pre>") == 1 and "~~~~" in html


def test_a_work_package_with_hostile_notes_and_names_is_inert() -> None:
    from tasks.review import job_brief

    active = _active(notes="\n".join(HOSTILE), dictionary="Kaltura\n<img src=x onerror=alert(1)>\n![t](https://e/x)")
    markdown = "# Work package\n\n" + job_brief(
        active,
        entry_name='Lecture <img src="https://evil.example/a.png"> [x](https://evil.example)',
        media_seconds=10.0,
        media_file="/jobs/2001-1/source.mp4",
    )
    html = html_of(markdown)
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the notes are shown, as text
    assert "Kaltura" in html


def test_markup_in_a_submitted_translation_is_not_text() -> None:
    from reachflow.translated_cues import check_translation, parse_lenient

    source = [Cue(0.0, 1.0, ("Hello",)), Cue(1.0, 2.0, ("World",))]
    submitted = parse_lenient(
        "1\n00:00:00,000 --> 00:00:01,000\n<img src=x>\n\n2\n00:00:01,000 --> 00:00:02,000\n<i>Mundo</i> &amp; más\n"
    )
    assert [c.lines for c in submitted] == [(), ("Mundo & más",)]
    assert check_translation(source, submitted, CaptionStyle()) == ["cue 1 has no text"]


def _active(notes: str, dictionary: str) -> Any:
    """A job as the review helpers read it (no Kaltura needed for the work package text)."""
    from blocks.kaltura import KalturaVendorAccount
    from reachflow.deadlines import Deadline
    from reachflow.models import CatalogItem, EntryVendorTask, Job, ReachProfile
    from tasks.job import ActiveJob

    now = datetime.now(UTC)
    task = EntryVendorTask(
        id=1,
        partner_id=2001,
        entry_id="0_abc",
        status=3,
        created_at=now,
        notes=notes,
        dictionary=dictionary,
        turn_around_time=7200,
    )
    job = Job(
        task=task, catalog_item=CatalogItem(object_type="KalturaVendorCaptionsCatalogItem"), profile=ReachProfile()
    )
    account = KalturaVendorAccount(service_url="http://127.0.0.1:1", vendor_partner_id=9000, admin_secret="x")
    return ActiveJob(
        account=account, job=job, deadline=Deadline.for_job(now, 7200, now + timedelta(hours=2)), key_issued_at=now
    )
