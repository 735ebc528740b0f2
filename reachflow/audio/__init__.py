"""Media processing for new audio tracks (dubbing, audio description): pure, ffmpeg subprocesses only.

* :mod:`reachflow.audio.fit`: fit utterances into their slots (dubbing: and the pause after; atempo
  up to 1.3x) and place them.
* :mod:`reachflow.audio.mix`: the voice-over mix (ducking, EBU R128 -23 LUFS / -1 dBTP) and clear
  audio, both MP4 AAC-LC at 64 or 128 kbps with the original's exact duration.
* :mod:`reachflow.audio.cbr`: AAC frames padded with fill elements to exactly 64 or 128 kbps.
* :mod:`reachflow.audio.pauses`: speech pauses (>= 2 s) from voice activity, where descriptions go.
* :mod:`reachflow.audio.tracks`: whole tracks from a script (what the flows call), and the checks
  of a track a person recorded.
* ffprobe and loudness measurement: :mod:`reachflow.ffmpeg` (re-exported here; outside this package
  so that a flow probing media does not import the mixing code and numpy).
"""

from __future__ import annotations

from reachflow.audio.fit import FitFinding, PlacedUtterance, Placement, Utterance, fit_to_slot, place_utterances
from reachflow.audio.mix import MixResult, clear_audio, voice_over_mix
from reachflow.audio.pauses import Pause, extract_speech_wav, find_pauses, speech_pauses
from reachflow.audio.tracks import ScriptLine, Track, check_recorded_track, conform_track, make_track, synthesize_script
from reachflow.ffmpeg import Loudness, MediaInfo, measure_loudness, probe

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
