"""Extended audio description (EAD): descriptions at the moments something visual happens, as WebVTT.

The Kaltura player reads an EAD file (a WebVTT attachment tagged ``AAD``) and speaks each cue with
the browser's voice, **pausing the video** while it speaks. So, unlike standard audio description
(:func:`reachflow.visual.describe_shots`), a description need not fit a pause in the speech: it sits
where the picture changes (a shot cut, new on-screen text, people appearing), on the original
video's timeline, and may take longer to say than the shot lasts.

Pure: the signals come from :func:`reachflow.visual.analyse_shots`; no Prefect, no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reachflow.captions.formats import CaptionParseError, parse_captions, render_vtt
from reachflow.captions.model import Cue
from reachflow.visual.describe import ShotSignals, describe_shot, speaking_seconds

__all__ = [
    "EAD_TAG",
    "MIN_CUE_SECONDS",
    "ExtendedDescription",
    "check_extended_descriptions",
    "extended_descriptions",
    "parse_extended_vtt",
    "render_extended_vtt",
]

# The tag the Kaltura player looks for on the attachment (vendor guide, "Extended audio description").
EAD_TAG = "AAD"
# The shortest span a cue is given on the timeline (the player pauses for the rest of the speech).
MIN_CUE_SECONDS = 0.5
# A cut with nothing else seen: said in the entry's language.
_CUT = {
    "en": "The scene changes.",
    "es": "Cambia la escena.",
    "fr": "La scène change.",
    "de": "Die Szene wechselt.",
    "it": "La scena cambia.",
    "pt": "A cena muda.",
}


@dataclass(frozen=True)
class ExtendedDescription:
    """One description: spoken from ``start`` (the video pauses until it is said).

    ``end`` is where the cue ends on the original timeline (the next moment, or the time it takes
    to say, whichever is first); ``shot_index`` is the shot it describes (None when a person wrote
    it without a shot).
    """

    start: float
    end: float
    text: str
    shot_index: int | None = None

    def as_cue(self) -> Cue:
        """The description as a one-line caption cue (for rendering and checking)."""
        return Cue(self.start, self.end, (" ".join(self.text.split()),))


def _cut_sentence(language: str) -> str:
    return _CUT.get(language.split("-")[0].lower(), _CUT["en"])


def extended_descriptions(
    signals: Sequence[ShotSignals], duration: float, language: str = "en"
) -> list[ExtendedDescription]:
    """One description per moment something visual happens, in plain sentences.

    The first shot is described when something is seen in it (people, on-screen text); every later
    shot is described at its cut: who appears and any on-screen text not already read in the shot
    before, else that the scene changes. Each cue starts at its shot's start and ends when it is
    said (at about 150 words a minute) or at the next description, whichever is first, never past
    ``duration``.

    Args:
        signals: Per shot, from :func:`reachflow.visual.analyse_shots`.
        duration: The media's length in seconds.
        language: The entry's language (ISO 639-1): the language of the sentences.
    """
    moments: list[tuple[float, int, str]] = []
    previous: list[str] = []
    for item in sorted(signals, key=lambda s: s.shot.start):
        sentences = describe_shot(item, language, previous_text=previous)
        previous = list(item.text)
        if not sentences and item.shot.start > 0:
            sentences = [_cut_sentence(language)]
        start = max(0.0, min(item.shot.start, duration - MIN_CUE_SECONDS))
        if sentences and duration > 0:
            moments.append((round(start, 3), item.shot.index, " ".join(sentences)))
    out: list[ExtendedDescription] = []
    for i, (start, index, text) in enumerate(moments):
        limit = moments[i + 1][0] if i + 1 < len(moments) else duration
        end = min(start + max(speaking_seconds(text), MIN_CUE_SECONDS), limit, duration)
        if end - start < 0.001:
            continue  # two moments at the same millisecond: the later shot's cue carries on
        out.append(ExtendedDescription(start, round(end, 3), text, index))
    return out


def render_extended_vtt(descriptions: Sequence[ExtendedDescription]) -> str:
    """The EAD file: WebVTT, one cue per description, times on the original timeline.

    Text is escaped as WebVTT requires (``&``, ``<``, ``>``; so ``-->`` never appears in a cue) and
    folded to one line, so a description can never end its cue early with a blank line.
    """
    return render_vtt([d.as_cue() for d in descriptions])


def parse_extended_vtt(text: str) -> list[ExtendedDescription]:
    """Descriptions from a WebVTT (or SRT) file a person wrote; their lines joined by spaces.

    Raises:
        CaptionParseError: The text is empty, in no caption format, or malformed (the message
            names the line).
    """
    _fmt, cues = parse_captions(text)
    return [ExtendedDescription(c.start, c.end, c.text) for c in cues]


def check_extended_descriptions(text: str, duration: float, *, tolerance: float = 0.05) -> list[str]:
    """What is wrong with a submitted EAD file, as sentences a person can act on (empty: fine).

    Checked: it parses; it has at least one description; each has words; each lies inside the
    media (``0 … duration``, with ``tolerance`` seconds of slack at the end); they are in time order
    and do not overlap.
    """
    try:
        items = parse_extended_vtt(text)
    except CaptionParseError as exc:
        return [f"The file could not be read: {exc}"]
    problems: list[str] = []
    if not items:
        return ["The file has no descriptions."]
    for number, item in enumerate(items, start=1):
        if not any(ch.isalnum() for ch in item.text):
            problems.append(f"Description {number} has no words.")
        if item.start < 0 or item.end > duration + tolerance:
            problems.append(
                f"Description {number} ({item.start:.3f}–{item.end:.3f} s) is outside the media (0–{duration:.3f} s)."
            )
        if number > 1:
            before = items[number - 2]
            if item.start < before.start:
                problems.append(f"Description {number} starts before description {number - 1}: keep them in order.")
            elif item.start < before.end:
                problems.append(
                    f"Description {number} starts at {item.start:.3f} s, before description {number - 1} "
                    f"ends ({before.end:.3f} s)."
                )
    return problems
