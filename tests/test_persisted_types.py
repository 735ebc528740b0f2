"""Results persisted before the seam still load: human captions runs suspended then must resume.

Prefect pickled the recognition result and the machine draft under the module path they had then
(``flows.captions.Recognized``, ``flows.captions.AudioTrack``, ``flows.captions.Draft``, …). The
test writes pickles that name those old paths and reads them back with today's code.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import cloudpickle
import pytest

from reachflow.captions.formats import CaptionFormat
from reachflow.captions.model import Cue, Word


def _as_if_pickled_under(obj: object, real: str, old: str) -> bytes:
    """A protocol-2 pickle of ``obj`` whose class reference names module ``old`` instead of ``real``."""
    data = pickle.dumps(obj, protocol=2)
    assert f"c{real}\n".encode() in data
    return data.replace(f"c{real}\n".encode(), f"c{old}\n".encode())


@pytest.mark.parametrize("loads", [pickle.loads, cloudpickle.loads])
def test_recognition_and_audio_pickled_under_flows_captions_still_load(loads: object) -> None:
    from tasks.asr import Recognized
    from tasks.media import AudioTrack

    recognized = Recognized(words=[Word(0.0, 0.5, "Hello")], language="en", accuracy=90, seconds=1.0, engine="x")
    restored = loads(_as_if_pickled_under(recognized, "tasks.asr", "flows.captions"))  # type: ignore[operator]
    assert isinstance(restored, Recognized) and restored.words[0].text == "Hello"

    audio = AudioTrack(wav=Path("/tmp/a.wav"), duration=3.0, source="x.mp4")
    assert loads(_as_if_pickled_under(audio, "tasks.media", "flows.captions")) == audio  # type: ignore[operator]


def test_a_draft_pickled_before_the_seam_still_loads() -> None:
    from flows.captions import CaptionProduct, Draft

    product = CaptionProduct(
        format=CaptionFormat.SRT,
        caption_text="1\n",
        txt_transcript="",
        dfxp_transcript="",
        cues=[Cue(0.0, 1.0, ("Hi",))],
        accuracy=90,
        language_name="English",
        keywords=[],
        findings={},
    )
    draft = Draft(
        product=product,
        media_seconds=1.0,
        recognition_seconds=0.5,
        media_file="/m.mp4",
        entry_name="e",
        editable_format=CaptionFormat.SRT,
        editable_text="1\n",
        workdir="/w",
        language="en",
    )
    data = pickle.dumps(draft, protocol=2)
    assert b"cflows.captions\nDraft\n" in data and b"cflows.captions\nCaptionProduct\n" in data
    assert pickle.loads(data) == draft
