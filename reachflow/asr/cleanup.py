"""Clean-ups of recognised words that no engine setting prevents.

Numbers: Whisper writes an amount of money or a percentage in more than one way, some of them
wrong as writing. On the caption bench (bench/caption_quality.py) Piper's "costs fifteen dollars"
came out of tiny.en as "cost dollar 15" (the raw engine too) and espeak's "ninety-five percent"
as "$95 percent". :func:`tidy_numbers` writes those the one way a reader expects ("$15", "95%")
and touches nothing else.

Whisper sometimes ends a file with words that were never spoken ("Thank you very much."), most
often when a prompt (the REACH dictionary) steers it. They are recognisable by their timing: the
aligner finds no audio for them (zero-length words) or gives them almost no confidence. Seen here
on a 11.4 s panel clip: ``students.`` (0.38 s, p 0.95) then ``Thank`` (p 0.01) and three
zero-length words ``you very much.``, all in the last half second.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from reachflow.asr.base import RecognizedWord
from reachflow.asr.vocabulary import WEIGH_BELOW, Weigh

__all__ = [
    "Hear",
    "Hearings",
    "NumberVerdict",
    "confusable_numbers",
    "recheck_numbers",
    "tidy_numbers",
    "trim_trailing_hallucination",
    "weigh_confusable_numbers",
    "with_votes",
]


class _Timed(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def probability(self) -> float: ...


class _TimedText(_Timed, Protocol):
    @property
    def text(self) -> str: ...


W = TypeVar("W", bound=_Timed)
T = TypeVar("T", bound=_TimedText)

MIN_DURATION = 0.02  # seconds: shorter is a word the aligner found no audio for
MIN_PROBABILITY = 0.1


def trim_trailing_hallucination(words: Sequence[W], media_seconds: float | None = None) -> list[W]:
    """Drop words at the very end that have no audio (zero length) or almost no confidence,
    and any word that starts after the media ends.

    Only the tail is trimmed: a low-confidence word between real words is a mishearing, which the
    accuracy estimate reports, not a word to delete.
    """
    kept = [w for w in words if media_seconds is None or w.start < media_seconds - 0.05]
    while kept and (kept[-1].end - kept[-1].start < MIN_DURATION or kept[-1].probability < MIN_PROBABILITY):
        kept.pop()
    if media_seconds is not None:
        kept = [w if w.end <= media_seconds else _clipped(w, media_seconds) for w in kept]
    return kept


def _clipped(word: W, end: float) -> W:
    return replace(word, end=end)  # type: ignore[type-var]


_AMOUNT = re.compile(r"^(\d[\d,]*(?:\.\d+)?)([.,;:!?]*)$")  # "15", "45,000", "12.5." (no "%", no "$")
_DOLLARS_PERCENT = re.compile(r"^(\W*)\$(\d[\d,]*(?:\.\d+)?)(%?)(\W*)$")
_DOLLAR_WORDS = frozenset({"dollar", "dollars"})
# "the dollar 15 years ago", "a dollar 50 cents": after these, "dollar" is a word, not a sign.
_NOT_A_SIGN_AFTER = frozenset({"the", "a", "one", "each", "every", "per", "this", "that", "our", "their", "us"})


def tidy_numbers(words: Sequence[T], language: str | None = "en") -> list[T]:
    """Amounts and percentages written the way a reader expects (English; other languages unchanged).

    * "dollar 15" / "dollars 45,000" (the sign spelled before the amount) → "$15", "$45,000", one
      word spanning both, unless "dollar" follows an article or determiner ("the dollar 15 years
      ago" stays);
    * "$95%" and "$95 percent" (a percentage is never dollars) → "95%".

    Args:
        words: recognised words in time order (pieces already joined).
        language: ISO 639-1 code of the words.

    Returns:
        The words, with those few rewritten (a merged word keeps its lowest probability).
    """
    code = (language or "en").replace("_", "-").split("-")[0].lower()
    if code != "en":
        return list(words)
    out: list[T] = []
    i = 0
    while i < len(words):
        word = words[i]
        core = word.text.strip().lower()
        after = words[i + 1] if i + 1 < len(words) else None
        before = out[-1].text.lower().strip(".,;:!?\"'") if out else ""
        amount = _AMOUNT.match(after.text.strip()) if after is not None else None
        if core in _DOLLAR_WORDS and amount and before not in _NOT_A_SIGN_AFTER and after is not None:
            merged = replace(  # type: ignore[type-var]
                word,
                end=max(word.end, after.end),
                text=f"${amount.group(1)}{amount.group(2)}",
                probability=min(word.probability, after.probability),
            )
            out.append(merged)
            i += 2
            continue
        money = _DOLLARS_PERCENT.match(word.text.strip())
        if money:
            lead, number, percent, trail = money.groups()
            next_word = after.text.strip().lower().rstrip(".,;:!?") if after is not None else ""
            if percent:
                out.append(replace(word, text=f"{lead}{number}%{trail}"))  # type: ignore[type-var]
                i += 1
                continue
            if next_word == "percent" and not trail and after is not None:
                tail = after.text.strip()[len("percent") :]
                merged = replace(  # type: ignore[type-var]
                    word,
                    end=max(word.end, after.end),
                    text=f"{lead}{number}%{tail}",
                    probability=min(word.probability, after.probability),
                )
                out.append(merged)
                i += 2
                continue
        out.append(word)
        i += 1
    return out


Hear = Callable[[float, float], Sequence[_TimedText]]
"""``hear(start, end)``: the words a second model recognises in that stretch of the media."""

NUMBER_UNSURE = 0.6  # a number heard with less confidence than this gets a second opinion
MAX_NUMBER_CHECKS = 50
_DIGITS = re.compile(r"\d")
_NUMBER = re.compile(r"\d(?:[\d,]*\d)?(?:\.\d+)?")


SENTENCE_REACH = 8.0  # seconds: how far a number's re-check window reaches for its sentence's ends
_SENTENCE_END = (".", "?", "!")


def _sentence(words: Sequence[_TimedText], k: int) -> tuple[int, int]:
    """Indices of the first and last word of the sentence around ``words[k]``, at most
    ``SENTENCE_REACH`` seconds away from it."""
    first = k
    while (
        first > 0
        and not words[first - 1].text.rstrip("\"')»”").endswith(_SENTENCE_END)
        and words[k].start - words[first - 1].start <= SENTENCE_REACH
    ):
        first -= 1
    last = k
    while (
        last + 1 < len(words)
        and not words[last].text.rstrip("\"')»”").endswith(_SENTENCE_END)
        and words[last + 1].end - words[k].end <= SENTENCE_REACH
    ):
        last += 1
    return first, last


def recheck_numbers(
    words: Sequence[T], hear: Hear, *, unsure: float = NUMBER_UNSURE, context: float = 2.0
) -> tuple[list[T], list[tuple[str, str]]]:
    """A second opinion on numbers the engine was unsure of ("page 40" for "page fourteen").

    tiny.en confuses "-teen" and "-ty" ("fourteen" → "40", p 0.57 on the bench's Piper voice,
    where base hears "14"). Every word with a digit heard with probability below ``unsure`` is
    heard again (its whole sentence and at least ``context`` seconds each side, by ``hear``: on
    espeak en+f3 base heard "$37 per lecture" from the sentence's start, "$0.37" from 2 s before
    the number); when the second hearing has exactly
    one number there, other digits and no more of them, heard with more confidence, its digits
    replace ours (our "$", "%" and punctuation kept). Numbers heard confidently, and words
    without digits, are never touched.

    Args:
        words: recognised words in time order (pieces joined).
        hear: the second model, ``hear(start, end)`` → its words with media-absolute times.
        unsure: probability below which a number is heard again.
        context: seconds of audio each side of the number.

    Returns:
        The words, and the ``(ours, theirs)`` replacements made.
    """
    out = list(words)
    changed: list[tuple[str, str]] = []
    checked = 0
    for k, word in enumerate(words):
        if word.probability >= unsure or not _DIGITS.search(word.text):
            continue
        if checked >= MAX_NUMBER_CHECKS:
            break
        checked += 1
        first, last = _sentence(words, k)
        lo = min(word.start - context, words[first].start - 0.5)
        hi = max(word.end + context, words[last].end + 0.5)
        heard = [
            w
            for w in hear(max(0.0, lo), hi)
            if w.end > word.start - 0.3 and w.start < word.end + 0.3 and _DIGITS.search(w.text)
        ]
        if len(heard) != 1:
            continue
        ours, theirs = _NUMBER.search(word.text), _NUMBER.search(heard[0].text)
        if ours is None or theirs is None or heard[0].probability <= word.probability:
            continue
        our_digits, their_digits = re.sub(r"\D", "", ours.group()), re.sub(r"\D", "", theirs.group())
        # Only the digits are taken ("$40" stays a sum of money), and never more of them: a decode
        # appending ",000" is a known Whisper failure ("$37,000" for "$37 per"), not a correction.
        if their_digits == our_digits or len(their_digits) > len(our_digits):
            continue
        text = word.text[: ours.start()] + theirs.group() + word.text[ours.end() :]
        out[k] = replace(word, text=text, probability=heard[0].probability)  # type: ignore[type-var]
        changed.append((word.text, text))
    return out, changed


# --------------------------------------------------------------------------------------------
# "-teen" / "-ty": numbers that sound alike, settled on the audio.

MAX_NUMBER_WEIGHS = 20  # confusable numbers weighed per transcript (each re-encodes a few seconds, once or twice)
MAX_NUMBER_VOTES = 5  # of those, how many the audio leaves open may be heard again (up to 8 short decodes each)
# nats: how much better base must find the twin, alone. On bench/number_twins.py (76 clips) the twins of
# tiny.en's misheard numbers scored +2.6 / +6.4 / +6.5; the one right hearing base preferred the
# twin of was Piper's sentence-final "seventy" (+1.5 on the whole clip, over MIN_GAIN's 1.0; +1.0 in the
# engine's 2 s window): one listener's lean of 1-1.5 nats is not evidence enough.
NUMBER_GAIN = 2.0
_PLAIN_NUMBER = re.compile(
    r"^([^\w]*?)(\d{1,3}(?:,\d{3})+|\d+)([^\w]*)$"
)  # "$14", "40.", "14,000", "2014," (no decimals)


def _teen_ty(value: int) -> int | None:
    """13–19 ↔ 30–90 in the last two digits of ``value`` ("fourteen" / "forty", "one hundred
    fourteen" / "one hundred forty", "twenty fourteen" / "twenty forty"), else ``None``."""
    last = value % 100
    if 13 <= last <= 19:
        return value - last + (last - 10) * 10
    if last in (30, 40, 50, 60, 70, 80, 90):
        return value - last + last // 10 + 10
    return None


def confusable_numbers(text: str, language: str | None = "en") -> list[str]:
    """The written forms of the numbers an English listener confuses with the number in ``text``.

    Only the "-teen" / "-ty" pairs (13 ↔ 30 … 19 ↔ 90), where they are the number's last spoken
    word: its last two digits ("14" ↔ "40", "114" ↔ "140", "2014" ↔ "2040"), or the thousands of
    a round thousand ("14,000" ↔ "40,000"). The word's sign, percent and punctuation are kept,
    and thousands separators where the word had them. Numbers with decimals, ordinals ("14th"),
    times ("14:30"), words with letters, and other languages have none.

    Args:
        text: one recognised word.
        language: ISO 639-1 code of the words.

    Returns:
        The alternatives (at most two), empty when there are none.

    Example:
        >>> confusable_numbers("$14."), confusable_numbers("40%"), confusable_numbers("12.5%")
        (['$40.'], ['14%'], [])
    """
    if (language or "en").replace("_", "-").split("-")[0].lower() != "en":
        return []
    m = _PLAIN_NUMBER.match(text.strip())
    if m is None or "." in m.group(1) or (m.group(3) and m.group(3)[0] in ":/-"):
        return []
    lead, digits, trail = m.groups()
    value = int(digits.replace(",", ""))
    if digits.startswith("0"):
        return []
    candidates = [_teen_ty(value)]
    if value >= 1000 and value % 1000 == 0:
        thousands = _teen_ty(value // 1000)
        candidates.append(None if thousands is None else thousands * 1000)
    out: list[str] = []
    for alternative in candidates:
        if alternative is None:
            continue
        written = f"{alternative:,}" if "," in digits else str(alternative)
        if f"{lead}{written}{trail}" not in out:
            out.append(f"{lead}{written}{trail}")
    return out


Hearings = Callable[[Sequence[RecognizedWord], int], Sequence[tuple[str, float]]]
"""``hearings(words, i)``: the number at ``words[i]`` as heard again, each time with another
stretch of audio around it or by another model: ``(text, probability)`` per hearing that found
one number there."""


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass(frozen=True)
class NumberVerdict:
    """One confusable number weighed on the audio: as heard, the alternative, and the
    ``alternative − heard`` log-probability margin. Where the margin left it open (under
    ``NUMBER_GAIN`` either way), ``votes``: the confidence the hearings gave each,
    ``(heard, alternative)``, counting the first hearing, and how many hearings there were."""

    heard: str
    alternative: str
    margin: float
    votes: tuple[float, float] | None = None
    hearings: int = 0

    @property
    def accepted(self) -> bool:
        """The alternative explains the audio ``NUMBER_GAIN`` nats better than what was heard, or,
        where the audio leaves it open, the hearings gave the alternative more confidence."""
        if self.margin >= NUMBER_GAIN:
            return True
        return self.votes is not None and self.votes[1] > self.votes[0]

    def describe(self) -> str:
        """``40. → 14. taken (-1.2; heard again 14. 3.3 / 40. 2.4 of 8)`` for the job report."""
        shown = f"{self.margin:+.1f}"
        if self.votes is not None:
            shown += (
                f"; heard again {self.alternative} {self.votes[1]:.1f} / {self.heard} {self.votes[0]:.1f}"
                f" of {self.hearings}"
            )
        return f"{self.heard} → {self.alternative} {'taken' if self.accepted else 'kept'} ({shown})"


def with_votes(verdict: NumberVerdict, probability: float, heard: Sequence[tuple[str, float]]) -> NumberVerdict:
    """``verdict`` with the hearings' votes: each hearing writing the number's digits or the
    alternative's adds its probability to that side; the first hearing (``probability``) counts
    for the number."""
    ours, theirs = _digits(verdict.heard), _digits(verdict.alternative)
    votes = (
        probability + sum(p for text, p in heard if _digits(text) == ours),
        sum(p for text, p in heard if _digits(text) == theirs),
    )
    return replace(verdict, votes=votes, hearings=len(heard))


def weigh_confusable_numbers(
    words: Sequence[RecognizedWord],
    weigh: Weigh,
    language: str | None = "en",
    hearings: Hearings | None = None,
) -> tuple[list[RecognizedWord], list[NumberVerdict]]:
    """Numbers heard as their "-teen" / "-ty" twin ("40" for a spoken "fourteen"), settled on the audio.

    Every number heard with probability below ``WEIGH_BELOW`` that has a confusable alternative
    (:func:`confusable_numbers`) is weighed the way a dictionary sound-alike is
    (:func:`reachflow.asr.vocabulary.weigh_sound_alikes`): ``weigh`` forces the words around it,
    as heard and with the alternative in its place, on their audio (the engine's listener here is
    base alone, see ``FasterWhisperEngine._weigher``). The alternative replaces the number when it
    is better by ``NUMBER_GAIN`` nats, and the number stays when it is better by as much.

    In between the audio is ambiguous (Piper's sentence-final "fourteen": tiny.en wrote "40." in a
    30 s window with the prompt, "14." alone on the sentence, base −1.2 nats for "14."), and the
    context of one decode decides by chance. There ``hearings`` (at most ``MAX_NUMBER_VOTES``
    numbers) hears the number again in other stretches around it, by both models; each hearing
    that writes the number or the alternative gives it its probability, the first hearing included,
    and the alternative is taken when it has more. On the bench's "page 40.": "14." 3.3, "40." 2.4.

    Args:
        words: recognised words in time order (pieces joined).
        weigh: the audio's log-probabilities, see :data:`reachflow.asr.vocabulary.Weigh`.
        language: ISO 639-1 code of the words (only English has these pairs).
        hearings: the number heard again (see :data:`Hearings`); ``None``: the margin alone decides.

    Returns:
        The words (a replaced number keeps its time and probability) and every verdict, in order.
    """
    out = list(words)
    verdicts: list[NumberVerdict] = []
    voted = 0
    for i, word in enumerate(words):
        if len(verdicts) >= MAX_NUMBER_WEIGHS:
            break
        if word.probability >= WEIGH_BELOW:
            continue
        for alternative in confusable_numbers(word.text, language)[: MAX_NUMBER_WEIGHS - len(verdicts)]:
            heard_lp, alternative_lp = weigh(out, i, 1, alternative)
            verdict = NumberVerdict(word.text, alternative, alternative_lp - heard_lp)
            if hearings is not None and abs(verdict.margin) < NUMBER_GAIN and voted < MAX_NUMBER_VOTES:
                voted += 1
                verdict = with_votes(verdict, word.probability, hearings(out, i))
            verdicts.append(verdict)
            if verdict.accepted:
                out[i] = replace(word, text=alternative)
                break
    return out, verdicts
