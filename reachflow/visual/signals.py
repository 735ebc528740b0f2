"""What a machine can see in a keyframe offline: on-screen text (tesseract) and faces (OpenCV Haar).

No image-captioning or vision-language model ships offline (shared/notes/offline-engines.md §3),
so these two signals and the shot cuts are all machine description has: it can read large,
clear on-screen text and count frontal faces; it cannot say who someone is, what they do, what
objects or places are shown, or read small, stylised or moving text.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import Any

from reachflow.errors import ModelUnavailable

__all__ = ["count_faces", "ocr_languages", "read_text", "tesseract_language"]

# ISO 639-1 → tesseract traineddata names.
_TESSERACT = {
    "en": "eng", "es": "spa", "fr": "fra", "de": "deu", "it": "ita", "pt": "por", "nl": "nld", "ca": "cat",
    "pl": "pol", "ru": "rus", "ja": "jpn", "zh": "chi_sim", "ko": "kor", "ar": "ara", "he": "heb", "hi": "hin",
    "tr": "tur", "sv": "swe", "da": "dan", "no": "nor", "fi": "fin", "el": "ell", "cs": "ces", "hu": "hun",
    "ro": "ron", "uk": "ukr", "vi": "vie", "th": "tha", "id": "ind",
}  # fmt: skip
_MIN_CONFIDENCE = 60.0


@functools.cache
def ocr_languages() -> tuple[str, ...]:
    """The tesseract languages installed ("eng", "spa", ...); empty when tesseract is not installed."""
    if shutil.which("tesseract") is None:
        return ()
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    return tuple(line.strip() for line in out.splitlines()[1:] if line.strip() and line.strip() != "osd")


def tesseract_language(language: str) -> str:
    """The tesseract language spec for an ISO code: its data plus English when installed ("spa+eng")."""
    installed = ocr_languages()
    if not installed:
        raise ModelUnavailable("tesseract-ocr is not installed on this worker")
    wanted = _TESSERACT.get(language.split("-")[0].lower())
    chosen = [name for name in (wanted, "eng") if name and name in installed]
    return "+".join(dict.fromkeys(chosen)) or installed[0]


def read_text(image: str | os.PathLike[str], language: str = "en") -> list[str]:
    """The lines of on-screen text tesseract reads with confidence in ``image``, top to bottom.

    Words below 60 % confidence are dropped (tesseract invents text in photos and textures), and
    so are lines with no word of two letters or more.
    """
    result = subprocess.run(
        ["tesseract", os.fspath(image), "stdout", "-l", tesseract_language(language), "--psm", "3", "tsv"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        return []
    lines: dict[tuple[str, str, str], list[str]] = {}
    for row in result.stdout.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            confidence = float(cells[10])
        except ValueError:
            continue
        if confidence >= _MIN_CONFIDENCE:
            lines.setdefault((cells[2], cells[3], cells[4]), []).append(cells[11].strip())
    kept = []
    for words in lines.values():
        if any(sum(ch.isalpha() for ch in word) >= 2 for word in words):
            kept.append(" ".join(words))
    return kept


@functools.cache
def _face_cascade() -> Any:
    try:
        import cv2
    except ImportError as exc:
        raise ModelUnavailable(f"OpenCV is not installed: {exc}") from exc
    if not hasattr(cv2, "CascadeClassifier"):
        raise ModelUnavailable("this OpenCV has no Haar cascades (opencv-python-headless 5 dropped them; pin <5)")
    cascades = getattr(cv2, "data").haarcascades  # noqa: B009 (cv2.data is untyped)
    return cv2.CascadeClassifier(os.path.join(cascades, "haarcascade_frontalface_default.xml"))


def count_faces(image: str | os.PathLike[str]) -> int:
    """How many frontal faces OpenCV's Haar cascade finds in ``image`` (at most a rough count)."""
    import cv2

    picture = cv2.imread(os.fspath(image), cv2.IMREAD_GRAYSCALE)
    if picture is None:
        return 0
    height, width = picture.shape[:2]
    if width > 640:
        picture = cv2.resize(picture, (640, max(1, round(height * 640 / width))))
    picture = cv2.equalizeHist(picture)
    faces = _face_cascade().detectMultiScale(picture, scaleFactor=1.1, minNeighbors=6, minSize=(40, 40))
    return len(faces)
