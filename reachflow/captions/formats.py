"""Caption and transcript files: SRT, WebVTT, DFXP (TTML 1.0), plain text and Kaltura's timed JSON;
and parsers for captions a person submits (SRT or WebVTT, DFXP too), with line-numbered errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from enum import IntEnum
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from reachflow.captions.model import Cue, Word

__all__ = [
    "CaptionFormat",
    "CaptionParseError",
    "parse_captions",
    "parse_dfxp",
    "parse_srt",
    "parse_vtt",
    "render",
    "render_dfxp",
    "render_json_transcript",
    "render_srt",
    "render_txt",
    "render_vtt",
]


class CaptionFormat(IntEnum):
    """REACH output formats (KalturaVendorCatalogItemOutputFormat) and their Kaltura caption types."""

    SRT = 1
    DFXP = 2
    VTT = 3

    @property
    def kaltura_caption_type(self) -> str:
        """KalturaCaptionType: SRT "1", DFXP "2", WEBVTT "3"."""
        return str(int(self))

    @property
    def file_ext(self) -> str:
        return {1: "srt", 2: "dfxp", 3: "vtt"}[int(self)]


class CaptionParseError(ValueError):
    """Submitted captions that cannot be read; the message names the line and the problem."""


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, int(round(seconds * 1000)))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def render_srt(cues: Sequence[Cue]) -> str:
    blocks = [
        f"{i}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n" + "\n".join(c.lines)
        for i, c in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n"


def _vtt_text(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: Sequence[Cue]) -> str:
    blocks = [
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n" + "\n".join(_vtt_text(line) for line in c.lines)
        for c in cues
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def render_dfxp(cues: Sequence[Cue], language: str = "en") -> str:
    paragraphs = "\n".join(
        f'      <p begin="{_clock(c.start, ".")}" end="{_clock(c.end, ".")}">'
        + "<br/>".join(escape(line) for line in c.lines)
        + "</p>"
        for c in cues
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling" xml:lang="{escape(language)}">\n'
        "  <head>\n    <styling>\n"
        '      <style xml:id="s1" tts:fontFamily="sansSerif" tts:fontSize="100%" tts:textAlign="center"/>\n'
        "    </styling>\n  </head>\n"
        '  <body style="s1">\n    <div>\n'
        f"{paragraphs}\n"
        "    </div>\n  </body>\n</tt>\n"
    )


def render(cues: Sequence[Cue], fmt: CaptionFormat, language: str = "en") -> str:
    if fmt == CaptionFormat.SRT:
        return render_srt(cues)
    if fmt == CaptionFormat.VTT:
        return render_vtt(cues)
    return render_dfxp(cues, language)


def render_txt(cues: Sequence[Cue]) -> str:
    """A readable transcript: paragraphs at a change of speaker or a pause over 2 seconds."""
    paragraphs: list[list[str]] = []
    previous: Cue | None = None
    for cue in cues:
        if cue.kind == "sound":
            continue
        text = " ".join(cue.lines)
        if previous is None or cue.start - previous.end > 2.0 or (cue.speaker != previous.speaker):
            paragraphs.append([text])
        else:
            paragraphs[-1].append(text)
        previous = cue
    return "\n\n".join(" ".join(p) for p in paragraphs) + "\n"


def render_json_transcript(words: Sequence[Word]) -> str:
    """Kaltura's timed transcript: ``[{"i","s","e","t","w","a"}]``, times in ms, accuracy 0–100."""
    items = []
    index = 0
    for word in words:
        match = re.match(r"^(.*?)([.,;:!?]*)$", word.text.strip())
        core, punctuation = (match.group(1), match.group(2)) if match else (word.text, "")
        if core:
            items.append({"i": index, "s": int(word.start * 1000), "e": int(word.end * 1000), "t": "word",
                          "w": core, "a": int(round(word.probability * 100))})
            index += 1
        for mark in punctuation:
            items.append({"i": index, "s": int(word.end * 1000), "e": int(word.end * 1000), "t": "punc",
                          "w": mark, "a": 100})
            index += 1
    return json.dumps(items, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Parsing

_TIMING = re.compile(
    r"^\s*(?P<s>(?:\d+:)?\d{1,2}:\d{2}[,.]\d{1,3})\s*-->\s*(?P<e>(?:\d+:)?\d{1,2}:\d{2}[,.]\d{1,3})(?:\s.*)?$"
)


# Formatting markup of SRT/WebVTT (italics, voices, classes...): dropped; any other text is kept.
_FORMATTING = re.compile(r"</?(?:i|b|u|v|c|font|lang|ruby|rt)(?:[\s.][^>]*)?>", re.IGNORECASE)


def _seconds(text: str) -> float:
    parts = text.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return value


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start_line = 1
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                start_line = number
            current.append(line.rstrip())
        elif current:
            blocks.append((start_line, current))
            current = []
    if current:
        blocks.append((start_line, current))
    return blocks


def _cue_from(block_line: int, lines: list[str], timing_index: int) -> Cue:
    match = _TIMING.match(lines[timing_index])
    if not match:
        raise CaptionParseError(f"line {block_line + timing_index}: expected 'start --> end', found {lines[timing_index]!r}")
    start, end = _seconds(match.group("s")), _seconds(match.group("e"))
    if end <= start:
        raise CaptionParseError(f"line {block_line + timing_index}: the cue ends before it starts")
    text = [_FORMATTING.sub("", line).strip() for line in lines[timing_index + 1 :]]
    text = [t.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") for t in text if t]
    if not text:
        raise CaptionParseError(f"line {block_line + timing_index}: the cue has no text")
    return Cue(start, end, tuple(text))


def parse_srt(text: str) -> list[Cue]:
    cues: list[Cue] = []
    for line_no, lines in _blocks(text):
        timing_index = 1 if len(lines) > 1 and lines[0].strip().isdigit() else 0
        if timing_index == 0 and not _TIMING.match(lines[0]):
            raise CaptionParseError(f"line {line_no}: expected a cue number or a timing line, found {lines[0]!r}")
        cues.append(_cue_from(line_no, lines, timing_index))
    if not cues:
        raise CaptionParseError("no captions found")
    return cues


def parse_vtt(text: str) -> list[Cue]:
    body = text.lstrip("\ufeff")
    if not body.startswith("WEBVTT"):
        raise CaptionParseError("line 1: a WebVTT file must start with 'WEBVTT'")
    cues: list[Cue] = []
    for line_no, lines in _blocks(body)[1:]:
        if lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_index = 0 if _TIMING.match(lines[0]) else 1
        if timing_index >= len(lines):
            raise CaptionParseError(f"line {line_no}: a cue without timing")
        cues.append(_cue_from(line_no, lines, timing_index))
    if not cues:
        raise CaptionParseError("no captions found")
    return cues


def parse_dfxp(text: str) -> list[Cue]:
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise CaptionParseError(f"line {exc.position[0]}: not well-formed XML") from None
    cues = []
    for p in root.iter():
        if not p.tag.endswith("}p") and p.tag != "p":
            continue
        begin, end = p.get("begin"), p.get("end")
        if not begin or not end:
            raise CaptionParseError("a <p> without begin/end")
        lines: list[str] = []
        current = p.text or ""
        for child in p:
            if child.tag.endswith("br"):
                lines.append(current.strip())
                current = child.tail or ""
            else:
                current += "".join(child.itertext()) + (child.tail or "")
        lines.append(current.strip())
        cue_lines = tuple(line for line in lines if line)
        if not cue_lines:
            raise CaptionParseError(f"the cue at {begin} has no text")
        cues.append(Cue(_seconds(begin.rstrip("s")), _seconds(end.rstrip("s")), cue_lines))
    if not cues:
        raise CaptionParseError("no captions found")
    return cues


def parse_captions(text: str) -> tuple[CaptionFormat, list[Cue]]:
    """Detect the format of submitted captions and parse them."""
    stripped = text.lstrip("\ufeff").lstrip()
    if not stripped:
        raise CaptionParseError("the captions are empty")
    if stripped.startswith("WEBVTT"):
        return CaptionFormat.VTT, parse_vtt(stripped)
    if stripped.startswith("<"):
        return CaptionFormat.DFXP, parse_dfxp(stripped)
    return CaptionFormat.SRT, parse_srt(stripped)
