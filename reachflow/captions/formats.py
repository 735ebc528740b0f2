"""Caption and transcript files: SRT, WebVTT, DFXP (TTML 1.0), plain text and Kaltura's timed JSON;
and parsers for captions a person submits, with errors that name the line and the problem.

Kaltura stores the caption type as ``KalturaCaptionType`` strings (SRT "1", DFXP "2", WEBVTT "3",
reach-spec §2.2); REACH asks for the output format as ``KalturaVendorCatalogItemOutputFormat``
(SRT 1, DFXP 2, VTT 3). :class:`CaptionFormat` carries both.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from enum import IntEnum
from xml.sax.saxutils import escape, quoteattr

from reachflow.captions.model import Cue, Word

__all__ = [
    "TTML_NS",
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

TTML_NS = "http://www.w3.org/ns/ttml"
_TTML_NAMESPACES = (TTML_NS, "http://www.w3.org/2006/10/ttaf1", "http://www.w3.org/2006/04/ttaf1")


class CaptionFormat(IntEnum):
    """REACH output formats (KalturaVendorCatalogItemOutputFormat) with their Kaltura caption types."""

    SRT = 1
    DFXP = 2
    VTT = 3

    @property
    def kaltura_caption_type(self) -> str:
        """``KalturaCaptionType`` value: SRT "1", DFXP "2", WEBVTT "3"."""
        return str(int(self))

    @property
    def file_ext(self) -> str:
        """File extension for ``captionAsset[fileExt]``."""
        return {1: "srt", 2: "dfxp", 3: "vtt"}[int(self)]

    @property
    def mime_type(self) -> str:
        """Content type of the file."""
        return {1: "application/x-subrip", 2: "application/ttml+xml", 3: "text/vtt"}[int(self)]

    @classmethod
    def from_kaltura_caption_type(cls, value: str | int) -> CaptionFormat:
        """The format for a ``KalturaCaptionType`` value ("1", "2", "3").

        Raises:
            ValueError: For CAP, SCC or unknown types.
        """
        return cls(int(value))


class CaptionParseError(ValueError):
    """Submitted captions that cannot be read.

    Attributes:
        line: 1-based line of the problem, when known.
        reason: What is wrong, for a person.
    """

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


# ---------------------------------------------------------------------------------------------
# Rendering


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def render_srt(cues: Sequence[Cue]) -> str:
    """SubRip: numbered blocks, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, blank line between blocks.

    SRT has no escaping; text is written as is (players treat only ``<i>``-style tags as markup).
    """
    blocks = [
        f"{i}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n" + "\n".join(c.lines)
        for i, c in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _vtt_escape(line: str) -> str:
    # Escaping ">" also keeps "-->" out of the payload, which WebVTT forbids.
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT: ``WEBVTT`` header, ``HH:MM:SS.mmm`` times, text escaped (``&`` ``<`` ``>``).

    Speaker labels stay visible text (``[Speaker 1]``), as the REACH guide asks, rather than
    ``<v>`` voice spans that many players hide.
    """
    blocks = [
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n" + "\n".join(_vtt_escape(line) for line in c.lines)
        for c in cues
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + ("\n" if blocks else "")


def render_dfxp(cues: Sequence[Cue], language: str = "en") -> str:
    """DFXP / TTML 1.0: styling and a bottom region in ``head``, one ``<p>`` per cue.

    Args:
        cues: The cues.
        language: ``xml:lang`` of the document (an ISO 639-1 code such as "en").
    """
    paragraphs = "\n".join(
        f'      <p xml:id="c{i}" begin="{_clock(c.start, ".")}" end="{_clock(c.end, ".")}">'
        + "<br/>".join(escape(line) for line in c.lines)
        + "</p>"
        for i, c in enumerate(cues, start=1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<tt xmlns="{TTML_NS}" xmlns:tts="{TTML_NS}#styling" xmlns:ttp="{TTML_NS}#parameter"'
        f' ttp:timeBase="media" xml:lang={quoteattr(language or "en")}>\n'
        "  <head>\n"
        "    <styling>\n"
        '      <style xml:id="s1" tts:fontFamily="proportionalSansSerif" tts:fontSize="100%"'
        ' tts:textAlign="center" tts:color="white" tts:backgroundColor="black"/>\n'
        "    </styling>\n"
        "    <layout>\n"
        '      <region xml:id="bottom" tts:origin="10% 80%" tts:extent="80% 15%" tts:displayAlign="after"/>\n'
        "    </layout>\n"
        "  </head>\n"
        '  <body style="s1" region="bottom">\n'
        "    <div>\n" + (paragraphs + "\n" if paragraphs else "") + "    </div>\n  </body>\n</tt>\n"
    )


def render(cues: Sequence[Cue], fmt: CaptionFormat, language: str = "en") -> str:
    """The caption file in ``fmt``."""
    if fmt == CaptionFormat.SRT:
        return render_srt(cues)
    if fmt == CaptionFormat.VTT:
        return render_vtt(cues)
    return render_dfxp(cues, language)


_PARAGRAPH_PAUSE = 2.0
_PARAGRAPH_WORDS = 120  # a new paragraph at the next sentence end after this many words


def render_txt(items: Sequence[Cue] | Sequence[Word]) -> str:
    """A readable plain transcript without times.

    Paragraphs start at a change of speaker, after a pause over 2 seconds, and at a sentence end
    once a paragraph is long. Audio tags (``[MUSIC]``) get a paragraph of their own.

    Args:
        items: Cues (labels such as ``[Speaker 1]`` kept) or words.
    """
    # (start, end, text, speaker, is_sound) per unit, from cues or from words.
    units: list[tuple[float, float, str, int | None, bool]] = []
    for item in items:
        if isinstance(item, Cue):
            units.append((item.start, item.end, item.text, item.speaker, item.kind == "sound"))
        else:
            if item.text.strip():
                units.append((item.start, item.end, " ".join(item.text.split()), item.speaker, False))
    paragraphs: list[list[str]] = []
    words_in_paragraph = 0
    previous: tuple[float, float, str, int | None, bool] | None = None
    for unit in units:
        start, _end, text, speaker, sound = unit
        new = (
            previous is None
            or sound
            or previous[4]
            or start - previous[1] > _PARAGRAPH_PAUSE
            or (speaker is not None and previous[3] is not None and speaker != previous[3])
            or (words_in_paragraph >= _PARAGRAPH_WORDS and previous[2].endswith((".", "?", "!")))
        )
        if new:
            paragraphs.append([])
            words_in_paragraph = 0
        paragraphs[-1].append(text)
        words_in_paragraph += len(text.split())
        previous = unit
    return "\n\n".join(" ".join(p) for p in paragraphs) + "\n" if paragraphs else ""


_EDGE_PUNCTUATION = re.compile(r"^([\"'“‘(\[¿¡]*)(.*?)([.,;:!?…\"'”’)\]]*)$", re.DOTALL)


def render_json_transcript(words: Sequence[Word]) -> str:
    """Kaltura's timed transcript (reach-spec §3.4): a JSON list of ``{"i","s","e","t","w","a"}``.

    ``i`` counts items from 0, ``s``/``e`` are milliseconds, ``t`` is "word" or "punc" (leading and
    trailing punctuation become their own items at the word's start or end), ``a`` is the
    engine's confidence as 0–100.
    """
    items: list[dict[str, object]] = []

    def add(start: int, end: int, kind: str, text: str, accuracy: int) -> None:
        items.append({"i": len(items), "s": start, "e": end, "t": kind, "w": text, "a": accuracy})

    for word in words:
        text = " ".join(word.text.split())
        if not text:
            continue
        start, end = round(word.start * 1000), round(max(word.end, word.start) * 1000)
        accuracy = max(0, min(100, round(word.probability * 100)))
        match = _EDGE_PUNCTUATION.match(text)
        lead, core, trail = (match.group(1), match.group(2), match.group(3)) if match else ("", text, "")
        for mark in lead:
            add(start, start, "punc", mark, 100)
        if core:
            add(start, end, "word", core, accuracy)
        for mark in trail:
            add(end, end, "punc", mark, 100)
    return json.dumps(items, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Parsing submitted captions

# Formatting markup in SRT/WebVTT cue text (italics, voices, classes, karaoke timestamps) and
# SSA override blocks some SRT editors write ({\an8}); any other text, "<" included, is kept.
_MARKUP = re.compile(r"</?(?:i|b|u|v|c|font|lang|ruby|rt|s)(?:[\s.][^>]*)?>|<\d[\d:.]*>|\{\\[^}]*\}", re.IGNORECASE)
_ARROW = re.compile(r"^(?P<s>\S+)\s+-->\s+(?P<e>\S+)(?P<rest>.*)$")
_SRT_TIME = re.compile(r"^(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{1,3})$")
_VTT_TIME = re.compile(r"^(?:(\d{1,3}):)?(\d{2}):(\d{2})\.(\d{3})$")


def _lines_of(text: str) -> list[str]:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _blocks(lines: list[str], first: int = 0) -> list[tuple[int, list[str]]]:
    """Groups of non-blank lines with the 1-based number of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start_line = 1
    for number in range(first, len(lines)):
        line = lines[number]
        if line.strip():
            if not current:
                start_line = number + 1
            current.append(line.rstrip())
        elif current:
            blocks.append((start_line, current))
            current = []
    if current:
        blocks.append((start_line, current))
    return blocks


def _timestamp(text: str, pattern: re.Pattern[str], line: int, example: str) -> float:
    match = pattern.match(text.strip())
    if not match:
        raise CaptionParseError(f"bad timestamp {text!r} (expected {example})", line)
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        raise CaptionParseError(f"bad timestamp {text!r} (minutes and seconds must be 00–59)", line)
    # Whole milliseconds, then one division: the same float a renderer's ms/1000 gives.
    return ((int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)) * 1000 + int(fraction.ljust(3, "0"))) / 1000


def _timing(line_text: str, line: int, pattern: re.Pattern[str], example: str) -> tuple[float, float]:
    match = _ARROW.match(line_text.strip())
    if not match:
        raise CaptionParseError(f"expected a timing line 'start --> end', found {line_text.strip()!r}", line)
    start = _timestamp(match.group("s"), pattern, line, example)
    end = _timestamp(match.group("e"), pattern, line, example)
    if end < start:
        raise CaptionParseError(f"the cue ends ({match.group('e')}) before it starts ({match.group('s')})", line)
    if end == start:
        raise CaptionParseError(f"the cue starts and ends at the same time ({match.group('s')})", line)
    return start, end


def _cue_text(raw_lines: Sequence[str], line: int, unescape: bool) -> tuple[str, ...]:
    texts = []
    for raw in raw_lines:
        text = _MARKUP.sub("", raw)
        if unescape:
            text = html.unescape(text)
        text = " ".join(text.split())
        if text:
            texts.append(text)
    if not texts:
        raise CaptionParseError("the cue has no text", line)
    return tuple(texts)


def parse_srt(text: str) -> list[Cue]:
    """Cues from a SubRip file.

    Raises:
        CaptionParseError: For a garbled cue number, a bad or reversed timing, a cue without
            text, or a file without cues; the message names the line.
    """
    lines = _lines_of(text)
    cues: list[Cue] = []
    for line_no, block in _blocks(lines):
        head = block[0].strip()
        if "-->" in head:
            timing_index = 0  # a missing number is harmless: many editors leave it out
        elif head.isdigit():
            timing_index = 1
            if len(block) < 2:
                raise CaptionParseError(f"cue {head} has no timing line", line_no)
        else:
            raise CaptionParseError(f"expected a cue number, found {head!r}", line_no)
        start, end = _timing(block[timing_index], line_no + timing_index, _SRT_TIME, "HH:MM:SS,mmm")
        cues.append(Cue(start, end, _cue_text(block[timing_index + 1 :], line_no + timing_index, unescape=False)))
    if not cues:
        raise CaptionParseError("no captions found")
    return cues


def parse_vtt(text: str) -> list[Cue]:
    """Cues from a WebVTT file (NOTE, STYLE and REGION blocks skipped, markup removed).

    Raises:
        CaptionParseError: For a missing ``WEBVTT`` header, a bad or reversed timing, a cue
            without text, or a file without cues.
    """
    lines = _lines_of(text)
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0].rstrip()):
        raise CaptionParseError("a WebVTT file must start with 'WEBVTT'", 1)
    # The header runs to the first blank line.
    first_blank = next((k for k, line in enumerate(lines) if not line.strip()), len(lines))
    cues: list[Cue] = []
    for line_no, block in _blocks(lines, first_blank):
        if block[0].startswith(("NOTE", "STYLE", "REGION")) and "-->" not in block[0]:
            continue
        timing_index = 0 if "-->" in block[0] else 1  # an optional cue identifier first
        if timing_index >= len(block) or "-->" not in block[timing_index]:
            raise CaptionParseError(f"expected a timing line 'start --> end' after {block[0].strip()!r}", line_no)
        start, end = _timing(block[timing_index], line_no + timing_index, _VTT_TIME, "HH:MM:SS.mmm or MM:SS.mmm")
        cues.append(Cue(start, end, _cue_text(block[timing_index + 1 :], line_no + timing_index, unescape=True)))
    if not cues:
        raise CaptionParseError("no captions found")
    return cues


_CLOCK = re.compile(r"^(\d+):(\d{2}):(\d{2})(?:\.(\d+)|:(\d+(?:\.\d+)?))?$")
_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)(h|ms|m|s|f|t)$")


def _ttml_time(value: str, line: int | None, frame_rate: float, tick_rate: float) -> float:
    """A TTML time expression: clock time (with fraction or frames) or an offset ("1.5s")."""
    value = value.strip()
    clock = _CLOCK.match(value)
    if clock:
        hours, minutes, seconds, fraction, frames = clock.groups()
        if int(minutes) > 59 or int(seconds) > 59:
            raise CaptionParseError(f"bad time {value!r} (minutes and seconds must be 00–59)", line)
        total: float = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
        if fraction:
            total += float(f"0.{fraction}")
        if frames:
            total += float(frames) / frame_rate
        return round(total, 6)
    offset = _OFFSET.match(value)
    if offset:
        number, unit = float(offset.group(1)), offset.group(2)
        scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "f": 1 / frame_rate, "t": 1 / tick_rate}[unit]
        return round(number * scale, 6)
    raise CaptionParseError(f"bad time {value!r} (expected hh:mm:ss.fff or an offset such as 1.5s)", line)


def parse_dfxp(text: str) -> list[Cue]:
    """Cues from DFXP / TTML 1.0 (also the 2006 ``ttaf1`` draft namespace legacy tools write).

    ``begin``/``end``/``dur`` on ``body``, ``div`` and ``p`` are honoured (times of a child count
    from its parent's begin); ``<br/>`` separates lines; spans contribute their text.

    Raises:
        CaptionParseError: For XML that is not well-formed, a root that is not ``<tt>``, a
            ``<p>`` without timing or text, bad time expressions, or a file without cues.
    """
    from lxml import etree

    # External entities and network access are off: the file comes from outside.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(text.lstrip("\ufeff").strip().encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise CaptionParseError(f"not well-formed XML: {exc.msg}", line) from None
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "tt" or namespace not in (*_TTML_NAMESPACES, None):
        raise CaptionParseError("the root element must be <tt> in the TTML namespace", root.sourceline)
    parameter = next((v for k, v in root.attrib.items() if etree.QName(k).localname == "frameRate"), None)
    ticks = next((v for k, v in root.attrib.items() if etree.QName(k).localname == "tickRate"), None)
    frame_rate = float(parameter) if parameter else 30.0
    tick_rate = float(ticks) if ticks else frame_rate

    def times(element: etree._Element, parent_begin: float) -> tuple[float | None, float | None]:
        begin_attr, end_attr, dur_attr = element.get("begin"), element.get("end"), element.get("dur")
        line = element.sourceline
        begin = round(parent_begin + _ttml_time(begin_attr, line, frame_rate, tick_rate), 6) if begin_attr else None
        end = None
        if end_attr:
            end = round(parent_begin + _ttml_time(end_attr, line, frame_rate, tick_rate), 6)
        elif dur_attr:
            start = begin if begin is not None else parent_begin
            end = round(start + _ttml_time(dur_attr, line, frame_rate, tick_rate), 6)
        return begin, end

    def text_lines(p: etree._Element) -> tuple[str, ...]:
        lines: list[str] = []
        current = [p.text or ""]

        def walk(element: etree._Element) -> None:
            for child in element:
                if not isinstance(child.tag, str):
                    current.append(child.tail or "")
                    continue
                if etree.QName(child).localname == "br":
                    lines.append("".join(current))
                    current.clear()
                else:
                    current.append(child.text or "")
                    walk(child)
                current.append(child.tail or "")

        walk(p)
        lines.append("".join(current))
        # XML whitespace in TTML is collapsed (xml:space="default").
        return tuple(" ".join(line.split()) for line in lines if line.strip())

    cues: list[Cue] = []

    def visit(element: etree._Element, parent_begin: float) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            begin, end = times(child, parent_begin)
            if name == "p":
                if begin is None or end is None:
                    raise CaptionParseError("a <p> needs begin and end (or dur)", child.sourceline)
                if end <= begin:
                    raise CaptionParseError(
                        f"the cue ends ({child.get('end') or child.get('dur')}) before it starts "
                        f"({child.get('begin')})",
                        child.sourceline,
                    )
                lines = text_lines(child)
                if not lines:
                    raise CaptionParseError("the cue has no text", child.sourceline)
                cues.append(Cue(begin, end, lines))
            elif name in ("body", "div"):
                visit(child, begin if begin is not None else parent_begin)

    for child in root:
        if isinstance(child.tag, str) and etree.QName(child).localname == "body":
            visit_begin = times(child, 0.0)[0] or 0.0
            visit(child, visit_begin)
    if not cues:
        raise CaptionParseError("no captions found")
    return cues


def parse_captions(text: str) -> tuple[CaptionFormat, list[Cue]]:
    """Detect the format of submitted captions (WebVTT, DFXP/TTML or SRT) and parse them.

    Raises:
        CaptionParseError: When the text is empty, in none of the formats, or malformed.
    """
    stripped = text.lstrip("\ufeff").lstrip()
    if not stripped:
        raise CaptionParseError("the captions are empty")
    if stripped.startswith("WEBVTT"):
        return CaptionFormat.VTT, parse_vtt(text.lstrip("\ufeff").lstrip("\r\n"))
    if stripped.startswith("<"):
        return CaptionFormat.DFXP, parse_dfxp(stripped)
    first = stripped.split("\n", 1)[0].strip()
    if first.isdigit() or "-->" in first:
        # Lines removed at the top shift numbering: parse the original text for true numbers.
        return CaptionFormat.SRT, parse_srt(text)
    raise CaptionParseError(f"not SRT, WebVTT or DFXP: the text starts with {first[:40]!r}", 1)
