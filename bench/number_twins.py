"""Teen / ty: can the two listeners tell "fourteen" from "forty" on speech made here?

For each voice (Piper joe when installed, espeak-ng ``en`` and ``en+f3``), each pair 13/30 … 19/90 and
two carrier sentences ("… on page N." at the end of a sentence, "We counted N students …" inside one),
one clip says each number. tiny.en decodes it (with the lecture dictionary as prompt, as a captions job
does), and each listener (tiny.en, base) forces the decoded words on the clip twice, with the spoken
number and with its twin in that place (``FasterWhisperEngine._forced_logprobs``). Printed per clip:
what tiny.en wrote, each listener's ``spoken − twin`` margin in nats and, where base's margin is under
``NUMBER_GAIN`` either way, the engine's hearings of the number (``FasterWhisperEngine._hearings``).
Summary: the clips tiny.en got wrong, then for each rule (both listeners, base alone, each at
``MIN_GAIN`` and at ``NUMBER_GAIN``, and the engine's: base at ``NUMBER_GAIN``, the hearings where
that leaves it open) the false corrections it would make on a right hearing, and the twins of
tiny.en it corrects.

Run: ``PYTHONPATH=. .venv/bin/python bench/number_twins.py [cache_dir]`` (about 5 min on two cores).
"""

from __future__ import annotations

import sys
from pathlib import Path

from reachflow.asr.base import dictionary_prompt, read_wav, wav_info
from reachflow.asr.cleanup import NUMBER_GAIN, NumberVerdict, with_votes
from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.models import resolve_model
from reachflow.asr.synthetic import LECTURE_DICTIONARY, piper_available, synthesize
from reachflow.asr.vocabulary import MIN_GAIN

SPELLED = {13: "thirteen", 14: "fourteen", 15: "fifteen", 16: "sixteen", 17: "seventeen", 18: "eighteen"}
SPELLED |= {19: "nineteen", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty"}
SPELLED |= {90: "ninety"}
CARRIERS = (
    "The rest of the steps are described in the handbook on page {}.",
    "We counted {} students in the room this morning.",
)


def main(argv: list[str]) -> None:
    cache = Path(argv[0] if argv else "/tmp/reachflow-number-twins")
    cache.mkdir(parents=True, exist_ok=True)
    voices = (["piper:joe"] if piper_available() else []) + ["en", "en+f3"]
    engine = FasterWhisperEngine("tiny.en", cpu_threads=2)
    base = resolve_model("base")
    engine._load_guard_model(base, engine.model_path)
    prompt = dictionary_prompt(list(LECTURE_DICTIONARY))
    rows: list[tuple[str, int, int, str, float, float, bool]] = []
    for voice in voices:
        for teen in range(13, 20):
            for said, twin in ((teen, (teen - 10) * 10), ((teen - 10) * 10, teen)):
                for c, carrier in enumerate(CARRIERS):
                    wav = cache / f"{voice.replace(':', '_').replace('+', '_')}_{said}_{c}.wav"
                    if not wav.exists():
                        synthesize(carrier.format(SPELLED[said]), wav, voice)
                    samples = read_wav(wav)
                    words = engine._decode(
                        samples,
                        0.0,
                        language="en",
                        prompt=prompt,
                        hotwords=None,
                        word_timestamps=True,
                        vad_filter=False,
                    ).words
                    found = [k for k, w in enumerate(words) if any(ch.isdigit() for ch in w.text)]
                    if len(found) != 1:
                        print(f"{voice:9} said {said} carrier {c}: {' '.join(w.text for w in words)} (skipped)")
                        continue
                    k = found[0]
                    core = words[k].text.rstrip(".,")
                    trail = words[k].text[len(core) :]
                    texts = [w.text for w in words]
                    as_said = " ".join([*texts[:k], f"{said}{trail}", *texts[k + 1 :]])
                    as_twin = " ".join([*texts[:k], f"{twin}{trail}", *texts[k + 1 :]])
                    margins = []
                    for path in (engine.model_path, base):
                        s, t = engine._forced_logprobs(samples, [as_said, as_twin], "en", prompt, path)
                        margins.append(s - t)
                    # The engine's verdict on what tiny.en wrote: base's margin, the hearings where it is open.
                    base_margin = margins[1] if core == str(twin) else -margins[1]
                    verdict = NumberVerdict(words[k].text, f"{said if core == str(twin) else twin}{trail}", base_margin)
                    shown = ""
                    if abs(base_margin) < NUMBER_GAIN:
                        heard = engine._hearings(str(wav), wav_info(wav).duration, "en", engine.model_path)(words, k)
                        verdict = with_votes(verdict, words[k].probability, heard)
                        shown = f"; {verdict.describe()}"
                    rows.append((voice, said, twin, core, margins[0], margins[1], verdict.accepted))
                    print(
                        f"{voice:9} said {said:2} carrier {c}: tiny.en wrote {words[k].text!r} "
                        f"(p {words[k].probability:.2f}); spoken − twin: tiny.en {margins[0]:+.2f}, base {margins[1]:+.2f}"
                        + shown,
                        flush=True,
                    )
    right = [r for r in rows if r[3] == str(r[1])]
    twins = [r for r in rows if r[3] == str(r[2])]
    print(
        f"\n{len(rows)} clips: tiny.en wrote the spoken number on {len(right)}, its twin on {len(twins)} "
        f"{[(r[0], r[1], r[3]) for r in twins]}, something else on {len(rows) - len(right) - len(twins)}"
    )
    for gain in (MIN_GAIN, NUMBER_GAIN):
        # spoken − twin margins: the twin is preferred by a listener when its margin is ≤ −gain.
        for label, prefers_twin, prefers_spoken in (
            ("both listeners", lambda r, g=gain: max(r[4], r[5]) <= -g, lambda r, g=gain: min(r[4], r[5]) >= g),
            ("base alone", lambda r, g=gain: r[5] <= -g, lambda r, g=gain: r[5] >= g),
        ):
            false = sum(1 for r in right if prefers_twin(r))
            fixed = sum(1 for r in twins if prefers_spoken(r))
            print(
                f"{label} at {gain:.1f} nats: twin taken over a right hearing {false}/{len(right)}; "
                f"tiny.en's twins corrected {fixed}/{len(twins)}"
            )
    false = sum(1 for r in right if r[6])
    fixed = sum(1 for r in twins if r[6])
    print(
        f"the engine (base at {NUMBER_GAIN:.1f} nats, hearings where that leaves it open): twin taken over a "
        f"right hearing {false}/{len(right)}; tiny.en's twins corrected {fixed}/{len(twins)}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
