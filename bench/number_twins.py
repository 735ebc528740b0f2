"""Teen / ty: can the two listeners tell "fourteen" from "forty" on speech made here?

For each voice (Piper joe when installed, espeak-ng ``en`` and ``en+f3``), each pair 13/30 … 19/90 and
two carrier sentences ("… on page N." at the end of a sentence, "We counted N students …" inside one),
one clip says each number. tiny.en decodes it (with the lecture dictionary as prompt, as a captions job
does), and each listener (tiny.en, base) forces the decoded words on the clip twice, with the spoken
number and with its twin in that place (``FasterWhisperEngine._forced_logprobs``). Printed per clip:
what tiny.en wrote and each listener's ``spoken − twin`` margin in nats. Summary: the clips tiny.en
got wrong, the false corrections the rule of ``weigh_confusable_numbers`` (both listeners prefer the
twin by ``MIN_GAIN``) would make on a correct hearing, and the clips a misheard number would be
restored on (both prefer the spoken number by ``MIN_GAIN``); the same for base alone.

Run: ``PYTHONPATH=. .venv/bin/python bench/number_twins.py [cache_dir]`` (about 5 min on two cores).
"""

from __future__ import annotations

import sys
from pathlib import Path

from reachflow.asr.base import dictionary_prompt, read_wav
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
    rows: list[tuple[str, int, int, str, float, float]] = []
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
                    rows.append((voice, said, twin, core, margins[0], margins[1]))
                    print(
                        f"{voice:9} said {said:2} carrier {c}: tiny.en wrote {words[k].text!r} "
                        f"(p {words[k].probability:.2f}); spoken − twin: tiny.en {margins[0]:+.2f}, base {margins[1]:+.2f}",
                        flush=True,
                    )
    right = [r for r in rows if r[3] == str(r[1])]
    twins = [r for r in rows if r[3] == str(r[2])]
    print(
        f"\n{len(rows)} clips: tiny.en wrote the spoken number on {len(right)}, its twin on {len(twins)} "
        f"{[(v, s, h) for v, s, _, h, _, _ in twins]}, something else on {len(rows) - len(right) - len(twins)}"
    )
    for label, pick in (("both listeners", min), ("base alone", lambda t, b: b)):
        false = sum(1 for r in right if -pick(r[4], r[5]) >= MIN_GAIN)
        restored = sum(1 for r in rows if pick(r[4], r[5]) >= MIN_GAIN)
        fixed = sum(1 for r in twins if pick(r[4], r[5]) >= MIN_GAIN)
        print(
            f"{label}: twin taken over a right hearing {false}/{len(right)}; spoken number restored if it "
            f"had been written as its twin {restored}/{len(rows)}; tiny.en's twins corrected {fixed}/{len(twins)}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
