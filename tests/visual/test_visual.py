"""Visual signals on a video made with ffmpeg: three coloured shots with drawn on-screen text."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reachflow.audio import Pause
from reachflow.errors import MediaError
from reachflow.visual import (
    ShotSignals,
    analyse_shots,
    contact_sheet,
    count_faces,
    describe_shots,
    detect_shots,
    read_text,
    speaking_seconds,
)

SHOTS = [
    ("navy", "white", "Climate Change 101"),
    ("darkgreen", "yellow", "Sea levels rose 20 cm"),
    ("white", "black", "Gracias por mirar"),
]


def _font() -> str:
    return subprocess.run(
        ["fc-match", "DejaVu Sans:bold", "-f", "%{file}"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def video(session_dir: Path) -> Path:
    out = session_dir / "visual" / "three-shots.mp4"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    args: list[str] = []
    for colour, ink, text in SHOTS:
        args += ["-f", "lavfi", "-i", f"color=c={colour}:s=640x360:d=3:r=25,drawtext=fontfile={_font()}:text='{text}'"
                 f":fontsize=40:fontcolor={ink}:x=(w-tw)/2:y=(h-th)/2"]  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args, "-f", "lavfi", "-i", "sine=f=330:d=9",
         "-filter_complex", "[0][1][2]concat=n=3:v=1:a=0[v]", "-map", "[v]", "-map", "3",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out)],
        check=True, timeout=120,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def signals(video: Path, tmp_path_factory: pytest.TempPathFactory) -> list[ShotSignals]:
    return analyse_shots(video, tmp_path_factory.mktemp("keyframes"), language="es")


def test_shot_cuts_are_found_where_the_picture_changes(video: Path) -> None:
    shots = detect_shots(video)
    assert [round(s.start, 1) for s in shots] == [0.0, 3.0, 6.0]
    assert shots[-1].end == pytest.approx(9.0, abs=0.1)


def test_each_shot_gets_a_keyframe_with_its_on_screen_text_and_no_invented_faces(signals: list[ShotSignals]) -> None:
    assert [s.text for s in signals] == [[text] for _, _, text in SHOTS]
    assert all(s.keyframe is not None and s.keyframe.stat().st_size > 0 for s in signals)
    assert [s.faces for s in signals] == [0, 0, 0]


def test_descriptions_speak_the_text_inside_the_pauses_at_a_natural_pace(signals: list[ShotSignals]) -> None:
    pauses = [Pause(0.0, 2.9), Pause(3.0, 6.4), Pause(6.4, 9.0)]
    descriptions = describe_shots(signals, pauses, "en")
    assert [d.text for d in descriptions] == [
        "On screen: Climate Change 101.",
        "On screen: Sea levels rose 20 cm.",
        "On screen: Gracias por mirar.",
    ]
    for description, pause in zip(descriptions, pauses, strict=True):
        assert pause.start <= description.start and description.end <= pause.end
        assert description.end - description.start == pytest.approx(speaking_seconds(description.text))


def test_a_short_pause_gets_a_shortened_description_cut_at_a_word(signals: list[ShotSignals]) -> None:
    (description,) = describe_shots(signals[1:2], [Pause(3.0, 5.4)], "es")
    assert description.text == "En pantalla: Sea levels."
    assert description.end <= 5.4


def test_people_are_described_in_the_language_of_the_entry(signals: list[ShotSignals]) -> None:
    with_people = ShotSignals(signals[0].shot, None, [], faces=2)
    (description,) = describe_shots([with_people], [Pause(0.0, 3.0)], "de")
    assert description.text == "Zwei Personen erscheinen."


def test_no_text_and_no_face_on_a_plain_frame(tmp_path: Path) -> None:
    frame = tmp_path / "grey.png"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=320x240",
            "-frames:v",
            "1",
            str(frame),
        ],
        check=True,
    )
    assert read_text(frame) == []
    assert count_faces(frame) == 0


def test_audio_only_media_has_no_shots(tmp_path: Path) -> None:
    audio = tmp_path / "a.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=d=1", str(audio)], check=True)
    with pytest.raises(MediaError, match="no video track"):
        detect_shots(audio)


def test_a_contact_sheet_shows_every_keyframe_for_a_person(signals: list[ShotSignals], tmp_path: Path) -> None:
    import cv2

    sheet = contact_sheet(
        [s.shot for s in signals], [s.keyframe for s in signals if s.keyframe], tmp_path / "sheet.jpg", columns=2
    )
    picture = cv2.imread(str(sheet))
    assert picture.shape[1] == 2 * 320 and picture.shape[0] == 2 * 180
    assert read_text(sheet)  # the labels and the slides' text are legible
