"""Media processing for new audio tracks (dubbing, audio description): pure, ffmpeg subprocesses only.

* :mod:`reachflow.audio.fit`: fit utterances into their slots (dubbing: and the pause after; atempo
  up to 1.3x) and place them.
* :mod:`reachflow.audio.mix`: the voice-over mix (ducking, EBU R128 -23 LUFS / -1 dBTP) and clear
  audio, both MP4 AAC-LC at 64 or 128 kbps with the original's exact duration.
* :mod:`reachflow.audio.cbr`: AAC frames padded with fill elements to exactly 64 or 128 kbps.
* :mod:`reachflow.audio.pauses`: speech pauses (>= 2 s) from voice activity, where descriptions go.
* :mod:`reachflow.audio.tracks`: whole tracks from a script (what the flows call), and the checks
  of a track a person recorded.
* :mod:`reachflow.audio.ffmpeg`: ffprobe and loudness measurement.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reachflow.audio.ffmpeg import Loudness, MediaInfo, measure_loudness, probe
    from reachflow.audio.fit import FitFinding, PlacedUtterance, Placement, Utterance, fit_to_slot, place_utterances
    from reachflow.audio.mix import MixResult, clear_audio, voice_over_mix
    from reachflow.audio.pauses import Pause, extract_speech_wav, find_pauses, speech_pauses
    from reachflow.audio.tracks import (
        ScriptLine,
        Track,
        check_recorded_track,
        conform_track,
        make_track,
        synthesize_script,
    )

# Each name is imported from its module when first used: the captions flow imports
# reachflow.audio.ffmpeg (ffprobe) before it sets its task PROCESSING, and must not pay for
# numpy, the voices and the mixing code it never uses.
_HOME = {
    **dict.fromkeys(("Loudness", "MediaInfo", "measure_loudness", "probe"), "ffmpeg"),
    **dict.fromkeys(
        ("FitFinding", "PlacedUtterance", "Placement", "Utterance", "fit_to_slot", "place_utterances"), "fit"
    ),
    **dict.fromkeys(("MixResult", "clear_audio", "voice_over_mix"), "mix"),
    **dict.fromkeys(("Pause", "extract_speech_wav", "find_pauses", "speech_pauses"), "pauses"),
    **dict.fromkeys(
        ("ScriptLine", "Track", "check_recorded_track", "conform_track", "make_track", "synthesize_script"), "tracks"
    ),
}


def __getattr__(name: str) -> Any:
    """The re-exported ``name``, imported from its module on first use (PEP 562)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "FitFinding",
    "Loudness",
    "MediaInfo",
    "MixResult",
    "Pause",
    "PlacedUtterance",
    "Placement",
    "ScriptLine",
    "Track",
    "Utterance",
    "check_recorded_track",
    "clear_audio",
    "conform_track",
    "extract_speech_wav",
    "find_pauses",
    "fit_to_slot",
    "make_track",
    "measure_loudness",
    "place_utterances",
    "probe",
    "speech_pauses",
    "synthesize_script",
    "voice_over_mix",
]
