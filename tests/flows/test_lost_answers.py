"""Writes whose answer was lost, through the real captions flow: Kaltura did the work but the
connection dropped before the answer (the sandbox's ``drop_after`` fault). Each write is verified
by reading back before it is repeated, so the job ends READY with exactly one asset of each kind,
each holding the content, and nothing is declared failed that was in fact delivered."""

from __future__ import annotations

from pathlib import Path

import httpx
import pysubs2

from flows.captions import captions_flow
from kaltura_sandbox.faults import FaultPlan
from tests.flows.conftest import customer_client, vendor_sandbox, vendor_task
from tests.flows.test_captions_flow import attachments_of, captions_of, scenario

LOST_WRITES = [
    ("reach_entryvendortask", "updateJob"),  # PROCESSING, then READY: both answers lost once
    ("caption_captionasset", "add"),
    ("caption_captionasset", "setContent"),
    ("caption_captionasset", "update"),
    ("attachment_attachmentasset", "add"),
    ("attachment_attachmentasset", "setContent"),
    ("uploadtoken", "upload"),
    ("baseentry", "update"),
]


def test_every_lost_answer_is_verified_and_the_job_ends_ready_once(media_cache: Path) -> None:
    plan = FaultPlan()
    rules = {
        (service, action): plan.add("drop_after", service=service, action=action, first_n=2)
        for service, action in LOST_WRITES
    }
    with vendor_sandbox(scenario(), media_cache, faults=plan) as (box, block):
        state = captions_flow(task_id=7001, partner_id=2001, account_block=block, return_state=True)
        assert state.is_completed(), state.message
        task = vendor_task(box, 7001)
        assert task.status.getValue() == 2  # READY, not "UPLOADED_FILE_NOT_FOUND_BY_TOKEN"
        client = customer_client(box, 2001)
        [caption] = captions_of(client, "0_lecture1")  # exactly one caption asset
        assert task.outputObjectId == caption.id and caption.status.getValue() == 2
        srt = httpx.get(client.caption.captionAsset.getUrl(caption.id)).text
        assert len(pysubs2.SSAFile.from_string(srt, format_="srt")) >= 2
        transcripts = attachments_of(client, "0_lecture1")
        assert sorted(a.fileExt for a in transcripts) == ["dfxp", "txt"]  # one of each
        for attachment in transcripts:
            assert attachment.status.getValue() == 2
            assert httpx.get(client.attachment.attachmentAsset.getUrl(attachment.id)).text.strip()
        assert sorted(caption.associatedTranscriptIds.split(",")) == sorted(a.id for a in transcripts)
        # Every kind of write really lost its answer at least once.
        assert all(rule.fired >= 1 for rule in rules.values()), {k: r.fired for k, r in rules.items()}
        # No write was repeated blindly: a setContent whose answer was lost is not sent again
        # (each of the three assets needed one setContent; each lost answer was read back).
        assert rules[("caption_captionasset", "setContent")].matched == 1
        assert rules[("attachment_attachmentasset", "setContent")].matched == 2
