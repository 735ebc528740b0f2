"""Sound-alike terms weighed on real speech: "Google" heard where the speaker said "Moodle" becomes
the term; "Google" said for real stays (espeak-ng audio, tiny.en and base as the two listeners)."""

from __future__ import annotations

from pathlib import Path

from reachflow.asr.base import RecognizedWord, dictionary_prompt, wav_info
from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.synthetic import LECTURE_DICTIONARY, synthesize
from reachflow.asr.vocabulary import Weighed, snap_to_dictionary
from tests.asr.heard import words_heard_as


def _heard(engine: FasterWhisperEngine, wav: Path, said: str, heard: str) -> list[RecognizedWord]:
    """The clip's words as tiny.en times them, with the word ``said`` written as ``heard`` (unsure)."""
    return words_heard_as(engine, wav, lambda text: text.strip(".,") in (said, heard), heard, 0.4)


def _snap(engine: FasterWhisperEngine, wav: Path, words: list[RecognizedWord]) -> tuple[str, list[Weighed]]:
    log: list[Weighed] = []
    prompt = dictionary_prompt(list(LECTURE_DICTIONARY))
    weigh = engine._weigher(str(wav), wav_info(wav).duration, "en", prompt, engine.model_path, log)
    out, _ = snap_to_dictionary(words, list(LECTURE_DICTIONARY), "en", weigh=weigh)
    return " ".join(w.text for w in out), log


def test_a_term_misheard_as_a_sound_alike_is_restored_and_a_real_word_stays(
    tiny: FasterWhisperEngine, speech_dir: Path
) -> None:
    moodle = synthesize("Some teachers publish the transcript in Moodle next to the slides.", speech_dir / "m.wav")
    google = synthesize("She searched Google for the paper and found it in seconds.", speech_dir / "g.wav")

    text, log = _snap(tiny, moodle, _heard(tiny, moodle, "Moodle", "Google"))
    assert "in Moodle next" in text, log

    text, log = _snap(tiny, google, _heard(tiny, google, "Google", "Google"))
    assert "searched Google for" in text, log
    assert any(w.heard == "Google" and not w.accepted for w in log)  # weighed, and the audio said Google
