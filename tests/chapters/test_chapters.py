"""reachflow.chapters: sentences, topic shifts with the real multilingual encoder, count, nudging,
titles, the editable chapter list and its checks, the bulk XML and what a delivery still has to do."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from reachflow.captions.model import Word
from reachflow.chapters import (
    Chapter,
    Sentence,
    chapter_budget,
    check_chapters,
    make_chapters,
    nudge,
    parse_chapter_list,
    render_chapter_list,
    sentences_from_words,
    universal_encoder,
)
from reachflow.chapters.bulk import chapters_bulk_xml
from reachflow.chapters.delivery import compare_chapters, wanted_chapters
from reachflow.chapters.model import ChapterListError
from reachflow.models import CuePointInfo

ENGLISH = [
    [
        "Photosynthesis is how green plants make their own food from light.",
        "Leaves capture sunlight with a green pigment called chlorophyll.",
        "The energy of the light splits water into oxygen and hydrogen.",
        "Carbon dioxide from the air is then turned into sugar.",
        "The oxygen we breathe is a by-product of photosynthesis.",
        "Plants store the sugar as starch in their roots and seeds.",
        "Without photosynthesis there would be no forests and no crops.",
    ],
    [
        "Volcanoes form where molten rock rises through the crust of the earth.",
        "Magma collects in large chambers deep below the mountain.",
        "When the pressure builds up, the volcano erupts with lava and ash.",
        "Some eruptions are gentle streams of glowing lava.",
        "Others explode violently and throw ash high into the sky.",
        "Geologists measure small earthquakes to predict the next eruption.",
        "Volcanic soil is very fertile, so farmers live close to volcanoes.",
    ],
    [
        "The stock market lets companies raise money from investors.",
        "A share is a small piece of ownership in a company.",
        "Share prices rise when more people want to buy than to sell.",
        "Investors spread their money across many shares to reduce the risk.",
        "Interest rates set by central banks move the whole market.",
        "A fall of twenty percent or more is called a bear market.",
        "Long term investing usually beats trying to time the market.",
    ],
]
SPANISH = [
    [
        "La fotosíntesis es el proceso con el que las plantas fabrican su alimento.",
        "Las hojas capturan la luz del sol gracias a la clorofila.",
        "La energía de la luz separa el agua en oxígeno e hidrógeno.",
        "El dióxido de carbono del aire se convierte en azúcar.",
        "El oxígeno que respiramos viene de la fotosíntesis.",
        "Sin plantas verdes no habría bosques ni cosechas.",
        "Por eso la fotosíntesis sostiene casi toda la vida en la tierra.",
    ],
    [
        "Los volcanes se forman donde la roca fundida sube por la corteza.",
        "El magma se acumula en cámaras profundas bajo la montaña.",
        "Cuando la presión aumenta, el volcán entra en erupción con lava y ceniza.",
        "Algunas erupciones son ríos tranquilos de lava brillante.",
        "Otras explotan con violencia y lanzan ceniza hasta el cielo.",
        "Los geólogos miden pequeños terremotos para prever la próxima erupción.",
        "El suelo volcánico es muy fértil y atrae a los agricultores.",
    ],
    [
        "La bolsa permite a las empresas conseguir dinero de los inversores.",
        "Una acción es una pequeña parte de la propiedad de una empresa.",
        "Los precios suben cuando más personas quieren comprar que vender.",
        "Los inversores reparten su dinero entre muchas acciones para reducir el riesgo.",
        "Los tipos de interés del banco central mueven todo el mercado.",
        "Una caída de más del veinte por ciento se llama mercado bajista.",
        "Invertir a largo plazo suele ser mejor que adivinar el momento.",
    ],
]


def timed(topics: list[list[str]], seconds_per_word: float = 0.45, gap: float = 0.6) -> tuple[list[Sentence], float]:
    sentences, at = [], 0.0
    for topic in topics:
        for text in topic:
            length = len(text.split()) * seconds_per_word
            sentences.append(Sentence(at, at + length, text))
            at += length + gap
    return sentences, at + 1.0


@pytest.mark.parametrize(("topics", "language", "words"), [(ENGLISH, "en", ("photosynth", "volcan", "market")),
                                                           (SPANISH, "es", ("fotosíntesis", "volc", "bolsa"))])  # fmt: skip
def test_topic_shifts_are_found_exactly_in_english_and_spanish(
    topics: list[list[str]], language: str, words: tuple[str, ...]
) -> None:
    sentences, duration = timed(topics)
    plan = make_chapters(sentences, duration, universal_encoder(), language=language)
    assert plan.boundaries == [0, 7, 14]
    assert [c.start for c in plan.chapters] == [0.0, sentences[7].start, sentences[14].start]
    for chapter, word in zip(plan.chapters, words, strict=True):
        assert chapter.title and chapter.description
        assert word in (chapter.title + " " + chapter.description).lower(), chapter


def test_short_media_is_one_chapter_and_count_scales_with_length() -> None:
    sentences, _ = timed(ENGLISH)
    plan = make_chapters(sentences[:3], 25.0, universal_encoder())
    assert len(plan.chapters) == 1 and plan.chapters[0].start == 0.0 and plan.chapters[0].title
    assert chapter_budget(59.0) == (1, 1)
    assert chapter_budget(100.0) == (1, 3)
    fewest, most = chapter_budget(1800.0)
    assert fewest == 4 and most == 18
    assert make_chapters([], 10.0, universal_encoder()).chapters == []


def test_no_chapter_is_shorter_than_thirty_seconds() -> None:
    sentences, duration = timed(ENGLISH, seconds_per_word=0.25)  # three topics of about 20 s
    starts = [c.start for c in make_chapters(sentences, duration, universal_encoder()).chapters]
    bounds = [*starts, duration]
    assert all(b - a >= 30.0 for a, b in itertools.pairwise(bounds))


def test_nudge_prefers_a_near_shot_cut_then_the_end_of_a_pause() -> None:
    assert nudge(40.0, pauses=[(37.0, 39.2)], cuts=[41.5]) == (41.5, "shot cut")
    assert nudge(40.0, pauses=[(37.0, 39.2)], cuts=[48.0]) == (39.2, "pause")
    assert nudge(40.0, pauses=[(10.0, 12.0)], cuts=[]) == (40.0, "sentence")
    assert nudge(40.0, pauses=[(37.0, 39.2)], not_before=39.5) == (40.0, "sentence")


def test_sentences_from_words_split_on_punctuation_and_pauses() -> None:
    words = [
        Word(0.0, 0.3, "Dr."), Word(0.4, 0.8, "Rivera"), Word(0.9, 1.2, "spoke."),
        Word(1.3, 1.6, "Then"), Word(1.7, 2.0, "nothing"), Word(4.0, 4.3, "after"), Word(4.4, 4.8, "silence"),
    ]  # fmt: skip
    assert [s.text for s in sentences_from_words(words)] == ["Dr. Rivera spoke.", "Then nothing", "after silence"]


def test_the_chapter_list_round_trips_and_its_checks_name_each_problem() -> None:
    chapters = [Chapter(0.0, "Intro", "Hello | there"), Chapter(65.25, "Volcanoes", "")]
    text = render_chapter_list(chapters)
    assert text == "00:00:00 | Intro | Hello / there\n00:01:05.25 | Volcanoes | \n"
    assert parse_chapter_list(text) == [Chapter(0.0, "Intro", "Hello / there"), Chapter(65.25, "Volcanoes", "")]
    assert parse_chapter_list("# comment\n0:00 | A\n1:30.5|B|c\n") == [Chapter(0.0, "A", ""), Chapter(90.5, "B", "c")]
    with pytest.raises(ChapterListError, match="line 1"):
        parse_chapter_list("just a title")
    with pytest.raises(ChapterListError, match="line 2: “1:75” is not a time"):
        parse_chapter_list("0:00 | A\n1:75 | B")
    assert check_chapters(parse_chapter_list(text), 100.0) == []
    problems = check_chapters([Chapter(5.0, "A", ""), Chapter(3.0, " ", ""), Chapter(120.0, "C", "")], 100.0)
    assert problems == [
        "the first chapter must start at 00:00:00 (it starts at 00:00:05)",
        "chapter 2 starts at 00:00:03, not after the chapter before it",
        "chapter 2 (00:00:03) has no title",
        "chapter 3 starts at 00:02:00, outside the media (0 to 00:01:40)",
    ]
    assert check_chapters([], 10.0)[0].startswith("there are no chapters")


def test_bulk_xml_follows_the_ingestion_schema() -> None:
    wanted = wanted_chapters(5301, "reachflow-task-5301", [Chapter(0.0, "A & B", "x < y"), Chapter(61.5, "C", "")],
                             [["k" * 31, "fine"], []])  # fmt: skip
    root = ET.fromstring(chapters_bulk_xml("0_abc", [(w.system_name, w.chapter, w.tag_list) for w in wanted]))
    scenes = list(root)
    assert root.tag == "scenes" and [s.tag for s in scenes] == ["scene-thumb-cue-point"] * 2
    first = scenes[0]
    assert first.get("entryId") == "0_abc" and first.get("systemName") == "reachflow-5301-ch01"
    assert [c.tag for c in first] == ["sceneStartTime", "tags", "title", "description", "subType"]
    assert first.findtext("title") == "A & B" and first.findtext("description") == "x < y"
    assert [t.text for t in first.findall("tags/tag")] == ["reachflow-task-5301", "reachflow-chapter", "fine"]
    assert scenes[1].findtext("sceneStartTime") == "00:01:01.500" and scenes[1].findtext("subType") == "2"


def test_compare_finds_missing_incomplete_extra_and_done() -> None:
    wanted = wanted_chapters(
        7, "reachflow-task-7", [Chapter(0.0, "A", "a"), Chapter(40.0, "B", "b"), Chapter(80.0, "C", "")]
    )
    tags = wanted[0].tags
    existing = [
        CuePointInfo(id="1", tags=tags, start_time_ms=0, system_name="reachflow-7-ch01", title="A", description="a", sub_type=2),
        CuePointInfo(id="2", tags=tags, start_time_ms=40000, system_name="reachflow-7-ch02", sub_type=1),
        CuePointInfo(id="3", tags=tags, start_time_ms=0, system_name="reachflow-7-ch01", title="A", description="a", sub_type=2),
        CuePointInfo(id="4", tags=tags, start_time_ms=90000, system_name="reachflow-7-ch09", sub_type=2),
    ]  # fmt: skip
    work = compare_chapters(wanted, existing)
    assert [c.id for _, c in work.done] == ["1"]
    assert [(w.system_name, c.id) for w, c in work.incomplete] == [("reachflow-7-ch02", "2")]
    assert [w.system_name for w in work.missing] == ["reachflow-7-ch03"]
    assert sorted(c.id for c in work.extra) == ["3", "4"]
    assert not work.finished
