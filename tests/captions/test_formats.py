"""Caption files checked by independent parsers (pysubs2, webvtt-py, lxml), our parsers and their
errors on bad submissions, the timed JSON transcript and the plain transcript."""

from __future__ import annotations

import html
import json

import pysubs2
import pytest
import webvtt
from lxml import etree

from reachflow.captions.formats import (
    TTML_NS,
    CaptionFormat,
    CaptionParseError,
    parse_captions,
    parse_dfxp,
    parse_srt,
    parse_vtt,
    render,
    render_dfxp,
    render_json_transcript,
    render_srt,
    render_txt,
    render_vtt,
)
from reachflow.captions.model import CaptionStyle, Cue, NonSpeech, Word
from reachflow.captions.segment import build_cues
from tests.captions.wordgen import words_from

TEXT = "The quick brown fox. It jumps over the lazy dog & runs <away> --> fast. Then it rests for an hour or two."


@pytest.fixture(scope="module")
def cues() -> list[Cue]:
    words = words_from(TEXT, speaker=1, start=3601.0)  # past an hour: the hours field is used
    words += words_from("Thank you.", start=3612.0, speaker=2)
    return build_cues(words, CaptionStyle(speaker_ids=True, audio_tags=True), [NonSpeech(3608.0, 3611.0, "music")])


def test_caption_format_maps_reach_and_kaltura_values() -> None:
    assert [(f.value, f.kaltura_caption_type, f.file_ext) for f in CaptionFormat] == [
        (1, "1", "srt"),
        (2, "2", "dfxp"),
        (3, "3", "vtt"),
    ]
    assert CaptionFormat.from_kaltura_caption_type("3") is CaptionFormat.VTT
    assert CaptionFormat.VTT.mime_type == "text/vtt"


def test_srt_reads_back_in_pysubs2(cues: list[Cue]) -> None:
    text = render_srt(cues)
    assert text.startswith("1\n01:00:01,000 --> ")
    subs = pysubs2.SSAFile.from_string(text, format_="srt")
    assert [(e.start, e.end) for e in subs] == [(round(c.start * 1000), round(c.end * 1000)) for c in cues]
    # SRT has no escaping: pysubs2, like players, drops "<away>" as an unknown tag (ours keeps it).
    assert [e.plaintext.split("\n") for e in subs] == [[line.replace("<away>", "") for line in c.lines] for c in cues]


def test_webvtt_reads_back_in_webvtt_py_and_pysubs2(cues: list[Cue]) -> None:
    text = render_vtt(cues)
    assert text.startswith("WEBVTT\n\n") and "-->" not in text.replace(" --> ", "")
    parsed = webvtt.from_string(text)
    assert len(parsed) == len(cues)
    assert [html.unescape(c.text).split("\n") for c in parsed] == [list(c.lines) for c in cues]
    assert parsed[0].start == "01:00:01.000"
    subs = pysubs2.SSAFile.from_string(text, format_="vtt")
    assert [(e.start, e.end) for e in subs] == [(round(c.start * 1000), round(c.end * 1000)) for c in cues]
    assert "[Speaker 1]" in parsed[0].text  # the label is visible text


def test_dfxp_is_ttml_with_head_and_timed_paragraphs(cues: list[Cue]) -> None:
    text = render_dfxp(cues, language="en")
    root = etree.fromstring(text.encode("utf-8"))
    ns = {"tt": TTML_NS}
    assert root.tag == f"{{{TTML_NS}}}tt"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.find("tt:head/tt:styling/tt:style", ns) is not None
    assert root.find("tt:head/tt:layout/tt:region", ns) is not None
    paragraphs = root.findall("tt:body/tt:div/tt:p", ns)
    assert len(paragraphs) == len(cues)
    for p, cue in zip(paragraphs, cues, strict=False):
        assert p.get("begin") and p.get("end")
        assert len(p.findall("tt:br", ns)) == len(cue.lines) - 1
        assert "".join(p.itertext()) == "".join(cue.lines)  # escaped text comes back unchanged
    subs = pysubs2.SSAFile.from_string(text, format_="ttml")
    assert [e.plaintext.split("\n") for e in subs] == [list(c.lines) for c in cues]
    assert [(e.start, e.end) for e in subs] == [(round(c.start * 1000), round(c.end * 1000)) for c in cues]


def test_render_picks_the_format(cues: list[Cue]) -> None:
    assert render(cues, CaptionFormat.SRT) == render_srt(cues)
    assert render(cues, CaptionFormat.VTT) == render_vtt(cues)
    assert render(cues, CaptionFormat.DFXP, language="fr") == render_dfxp(cues, "fr")


@pytest.mark.parametrize("renderer", [render_srt, render_vtt, render_dfxp])
def test_round_trip_through_our_parsers(cues: list[Cue], renderer: object) -> None:
    fmt, parsed = parse_captions(renderer(cues))  # type: ignore[operator]
    assert fmt.file_ext in {"srt", "vtt", "dfxp"}
    assert [(c.start, c.end, c.lines) for c in parsed] == [(c.start, c.end, c.lines) for c in cues]


def test_empty_cue_lists_render_valid_files() -> None:
    assert render_srt([]) == "" and render_vtt([]).startswith("WEBVTT")
    assert etree.fromstring(render_dfxp([]).encode()).tag == f"{{{TTML_NS}}}tt"


# --- parsers: human submissions ----------------------------------------------------------------


def test_srt_from_an_editor_with_markup_crlf_and_no_numbers() -> None:
    text = "\ufeff1\r\n00:00:01,5 --> 00:00:03,000\r\n<i>Hello</i> {\\an8}there\r\n\r\n00:00:04,000 --> 00:00:05,000 X1:10\r\nBye\r\n"
    cues = parse_srt(text)
    assert [(c.start, c.end, c.lines) for c in cues] == [(1.5, 3.0, ("Hello there",)), (4.0, 5.0, ("Bye",))]


def test_vtt_with_header_notes_ids_settings_and_voices() -> None:
    text = (
        "WEBVTT - lecture\nKind: captions\n\nNOTE edited by hand\n\nSTYLE\n::cue { color: red }\n\n"
        "intro\n01:02.500 --> 01:04.000 align:start line:90%\n<v Speaker 1>Fish &amp; chips</v>\n\n"
        "00:00:05.000 --> 00:00:06.000\n<c.yellow>Two</c>\n<00:00:05.500>lines\n"
    )
    cues = parse_vtt(text)
    assert [(c.start, c.end, c.lines) for c in cues] == [(62.5, 64.0, ("Fish & chips",)), (5.0, 6.0, ("Two", "lines"))]


def test_dfxp_with_offsets_frames_spans_and_nested_times() -> None:
    text = f"""<?xml version="1.0"?>
<tt xmlns="{TTML_NS}" xmlns:ttp="{TTML_NS}#parameter" ttp:frameRate="25" xml:lang="de">
  <body><div begin="10s">
    <p begin="1.5s" dur="1s">Hallo <span>liebe</span><br/>Welt</p>
    <p begin="00:00:05:05" end="00:00:06.000">Frames</p>
  </div></body>
</tt>"""
    cues = parse_dfxp(text)
    assert [(c.start, c.end, c.lines) for c in cues] == [
        (11.5, 12.5, ("Hallo liebe", "Welt")),
        (15.2, 16.0, ("Frames",)),
    ]


def test_legacy_ttaf1_namespace_is_read() -> None:
    text = '<tt xmlns="http://www.w3.org/2006/10/ttaf1"><body><div><p begin="0s" end="1s">Old</p></div></body></tt>'
    assert parse_captions(text)[1][0].lines == ("Old",)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("1\n00:00:01,000 --> 00:00:00,500\nHi\n", 2, "ends"),
        ("1\n00:00:01 -> 00:00:02\nHi\n", 2, "timing line"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:03,000 --> 00:00:04,000\n", 6, "no text"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n\nII\n00:00:03,000 --> 00:00:04,000\nYo\n", 5, "cue number"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:03,000 --> 00:61:04,000\nYo\n", 6, "00–59"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n\nstray text\n", 5, "cue number"),
        ("1\n00:00:01,000 --> 00:00:01,000\nHi\n", 2, "same time"),
        ("WEBVTT\n\n00:01.000 --> 00:02,000\nHi\n", 3, "bad timestamp"),
        ("WEBVTT\n\nid-only\n\n00:01.000 --> 00:02.000\nHi\n", 3, "timing line"),
        ("WEBVT\n\n00:01.000 --> 00:02.000\nHi\n", 1, "not SRT, WebVTT or DFXP"),
        (f'<tt xmlns="{TTML_NS}"><body><div>\n<p begin="2s" end="1s">x</p></div></body></tt>', 2, "ends"),
        (f'<tt xmlns="{TTML_NS}"><body><div>\n\n<p begin="2s">x</p></div></body></tt>', 3, "begin and end"),
        (f'<tt xmlns="{TTML_NS}"><body><div>\n<p begin="soon" end="1s">x</p></div></body></tt>', 2, "bad time"),
        (f'<tt xmlns="{TTML_NS}"><body>\n<div><p begin="1s" end="2s">x</div></body></tt>', 2, "well-formed"),
        ('<html><body><p begin="1s" end="2s">x</p></body></html>', 1, "<tt>"),
    ],
)
def test_bad_submissions_say_where_and_what(text: str, line: int, reason: str) -> None:
    with pytest.raises(CaptionParseError) as caught:
        parse_captions(text)
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"line {line}: ")


@pytest.mark.parametrize("text", ["", "  \n\n", "WEBVTT\n\nNOTE nothing else\n"])
def test_empty_submissions_are_refused(text: str) -> None:
    with pytest.raises(CaptionParseError, match=r"empty|no captions"):
        parse_captions(text)


def test_dfxp_parser_does_not_expand_external_entities(tmp_path: object) -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE tt [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<tt xmlns="{TTML_NS}"><body><div><p begin="0s" end="1s">a&x;b</p></div></body></tt>'
    )
    try:
        cues = parse_dfxp(text)
    except CaptionParseError:
        return  # refusing the file is fine too
    assert "root:" not in cues[0].text


# --- transcripts -------------------------------------------------------------------------------


def test_json_transcript_is_kaltura_timed_format() -> None:
    words = [Word(0.0, 0.4, "Hello,", 0.934), Word(0.5, 1.0, '"world"!', 0.5), Word(1.1, 1.2, "…", 1.0)]
    items = json.loads(render_json_transcript(words))
    assert items == [
        {"i": 0, "s": 0, "e": 400, "t": "word", "w": "Hello", "a": 93},
        {"i": 1, "s": 400, "e": 400, "t": "punc", "w": ",", "a": 100},
        {"i": 2, "s": 500, "e": 500, "t": "punc", "w": '"', "a": 100},
        {"i": 3, "s": 500, "e": 1000, "t": "word", "w": "world", "a": 50},
        {"i": 4, "s": 1000, "e": 1000, "t": "punc", "w": '"', "a": 100},
        {"i": 5, "s": 1000, "e": 1000, "t": "punc", "w": "!", "a": 100},
        {"i": 6, "s": 1200, "e": 1200, "t": "punc", "w": "…", "a": 100},
    ]


def test_txt_transcript_paragraphs_by_speaker_and_pause() -> None:
    words = words_from("Good morning everyone.", speaker=1) + words_from("Hi there.", start=1.2, speaker=2)
    words += words_from("After a long pause.", start=10.0, speaker=2)
    cues = build_cues(words, CaptionStyle(speaker_ids=True, audio_tags=True), [NonSpeech(3.0, 9.0, "music")])
    text = render_txt(cues)
    assert text == "[Speaker 1] Good morning everyone.\n\n[Speaker 2] Hi there.\n\n[MUSIC]\n\nAfter a long pause.\n"
    assert "-->" not in text
    assert render_txt(words) == "Good morning everyone.\n\nHi there.\n\nAfter a long pause.\n"
    assert render_txt([]) == ""
