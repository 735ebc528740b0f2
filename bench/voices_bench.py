"""Voices and mixing benchmark: synthesis real-time factor per voice, and the time to make the
voice-over mix and clear audio of a 10-minute track.

Synthesis: each voice speaks three sentences of its language once to warm up (model load, not
counted), then the same three sentences again; RTF = synthesis time ÷ seconds of speech.
Mixing: a 10-minute 44.1 kHz stereo "music" track (tones and noise, made with ffmpeg) with one
utterance every 6 s (100 utterances, espeak-ng, synthesised before the clock starts), timed for
placement (atempo fitting), the mix (ducking, two-pass EBU R128 normalisation, AAC 128 kbps,
measurement of the result) and clear audio. Peak RSS is the process's.

Run: ``PYTHONPATH=. .venv/bin/python bench/voices_bench.py [cache_dir] [--mix-only]``
"""

from __future__ import annotations

import itertools
import resource
import subprocess
import sys
import time
from pathlib import Path

from reachflow.audio import Utterance, clear_audio, place_utterances, probe, voice_over_mix
from reachflow.voices import Voice, voice_for
from reachflow.voices.espeak import EspeakVoice

SENTENCES = {
    "en": ["The meeting has been moved to Thursday.", "Sea levels rose twenty centimetres.", "Thank you for watching."],
    "es": ["La reunión se ha movido al jueves.", "El nivel del mar subió veinte centímetros.", "Gracias por mirar."],
    "de": ["Die Sitzung wurde auf Donnerstag verschoben.", "Der Meeresspiegel stieg um zwanzig Zentimeter.", "Danke fürs Zuschauen."],
    "fi": ["Kokous siirrettiin torstaille.", "Merenpinta nousi kaksikymmentä senttiä.", "Kiitos katsomisesta."],
}  # fmt: skip


def synthesis_rtf(voice: Voice, sentences: list[str]) -> tuple[float, float]:
    voice.synthesize(sentences[0])  # load
    started = time.perf_counter()
    seconds = sum(voice.synthesize(s).duration for s in sentences)
    return (time.perf_counter() - started) / seconds, seconds


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg): independent of the machine's load."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def music(path: Path, seconds: int) -> Path:
    if not path.exists():
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y",
             "-f", "lavfi", "-i", f"sine=f=220:d={seconds}:sample_rate=44100",
             "-f", "lavfi", "-i", f"anoisesrc=d={seconds}:a=0.05:r=44100",
             "-filter_complex", "[0][1]amix=inputs=2,aformat=channel_layouts=stereo,volume=0.5", str(path)],
            check=True,
        )  # fmt: skip
    return path


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    cache = Path(args[0] if args else "/tmp/reachflow-voices-bench")
    cache.mkdir(parents=True, exist_ok=True)
    print("voice                       speech s   RTF (synthesis time / speech time)")
    for language, sentences in ({} if "--mix-only" in sys.argv else SENTENCES).items():
        voices = {v.name: v for v in (voice_for(language), EspeakVoice(language)) if v is not None}
        for voice in voices.values():
            rtf, seconds = synthesis_rtf(voice, sentences)
            print(f"{voice.name:27s} {seconds:8.1f}   {rtf:.3f}", flush=True)

    duration = 600
    original = music(cache / "music-10min.wav", duration)
    speaker = EspeakVoice("en")
    lines = ["The river rises every spring.", "Farmers move their animals to the hills before the rain comes."]
    utterances = [
        Utterance(t, t + 3.0, lines[i % 2], speaker.synthesize(lines[i % 2]))
        for i, t in enumerate(range(1, duration - 5, 6))
    ]
    clock = [(time.perf_counter(), cpu_seconds())]
    plan = place_utterances(utterances, float(duration))
    clock.append((time.perf_counter(), cpu_seconds()))
    result = voice_over_mix(original, plan.utterances, cache / "mix.mp4", bitrate=128)
    clock.append((time.perf_counter(), cpu_seconds()))
    clear = clear_audio(original, cache / "clear.mp4", bitrate=128)
    clock.append((time.perf_counter(), cpu_seconds()))
    wall = [b[0] - a[0] for a, b in itertools.pairwise(clock)]
    cpu = [b[1] - a[1] for a, b in itertools.pairwise(clock)]
    print(f"\n10-minute track, {len(plan.utterances)} utterances ({len(plan.findings)} findings); wall s / CPU s")
    print(f"placement (atempo fitting): {wall[0]:6.1f} / {cpu[0]:6.1f}")
    print(f"voice-over mix:             {wall[1]:6.1f} / {cpu[1]:6.1f}   -> {result.loudness.integrated:.1f} LUFS, "
          f"{result.loudness.true_peak:.1f} dBTP, {result.duration:.2f} s")  # fmt: skip
    print(f"clear audio:                {wall[2]:6.1f} / {cpu[2]:6.1f}   -> {probe(clear).duration:.2f} s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
