"""Speech-engine settings as a Prefect block: which engine and model serves which language.

Operators edit it in the Prefect UI (block type "ReachFlow Speech Engine Settings"); the flows
call :meth:`SpeechEngineSettings.build_engine` and never construct engines themselves.
"""

from __future__ import annotations

from typing import Literal

from prefect.blocks.core import Block
from pydantic import Field

from reachflow.asr.base import SpeechEngine
from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.openai_engine import OpenAIWhisperEngine

__all__ = ["SpeechEngineSettings", "load_engine_settings"]

EngineName = Literal["faster-whisper", "openai-whisper"]


class SpeechEngineSettings(Block):
    """Speech recognition settings for ReachFlow workers.

    Defaults: faster-whisper tiny.en for English (fast; the dropped-speech guard covers its
    prompt failure), multilingual base for every other language and for language ID.

    Example:
        >>> SpeechEngineSettings(english_model="base", cpu_threads=4).save("reachflow-speech")
    """

    _block_type_name = "ReachFlow Speech Engine Settings"
    _block_type_slug = "reachflow-speech-engine-settings"
    _description = "Which offline speech engine and model serve which language, and how they run."

    english_engine: EngineName = Field(default="faster-whisper", description="Engine for English.")
    english_model: str = Field(default="tiny.en", description="'tiny.en', 'base' or a CTranslate2 model folder.")
    other_engine: EngineName = Field(default="faster-whisper", description="Engine for other languages.")
    other_model: str = Field(default="base", description="A multilingual model: 'base' or a folder.")
    per_language: dict[str, str] = Field(
        default_factory=dict,
        description="Overrides by ISO code, 'engine:model', e.g. {'de': 'faster-whisper:/models/de'}.",
    )
    compute_type: str = Field(default="int8", description="CTranslate2 compute type (int8, float32).")
    cpu_threads: int = Field(default=0, ge=0, description="Threads per model; 0 = all cores.")
    beam_size: int = Field(default=5, ge=1, le=10)
    window_seconds: float = Field(
        default=300.0,
        ge=30.0,
        description="Longest audio decoded at once (22 min of audio peaked at 635 MB RSS with 300 s, 960 MB with 600 s).",
    )
    dictionary_mode: Literal["prompt", "hotwords", "both"] = Field(default="prompt")
    dropped_speech_guard: bool = Field(default=True, description="Re-run speech a prompted pass skipped.")
    openai_weights_path: str | None = Field(
        default=None, description="Local openai-whisper .pt checkpoint (never downloaded)."
    )
    model_cache_dir: str | None = Field(
        default=None, description="Folder for joined models (default $REACHFLOW_HOME/models)."
    )
    language_id_threshold: float = Field(
        default=0.5, gt=0.0, lt=1.0, description="Heard-language probability needed to reject an order."
    )

    def build_engine(self, language: str | None) -> SpeechEngine:
        """The engine for an ordered language (ISO code; ``None`` = unknown, multilingual)."""
        code = (language or "").replace("_", "-").split("-")[0].lower()
        if code in self.per_language:
            engine, _, model = self.per_language[code].partition(":")
        elif code == "en":
            engine, model = self.english_engine, self.english_model
        else:
            engine, model = self.other_engine, self.other_model
        if engine == "openai-whisper":
            return OpenAIWhisperEngine(
                self.openai_weights_path,
                model=model or "base",
                beam_size=self.beam_size,
                window_seconds=self.window_seconds,
                models_dir=self.model_cache_dir,
            )
        return FasterWhisperEngine(
            model or "base",
            compute_type=self.compute_type,
            cpu_threads=self.cpu_threads,
            beam_size=self.beam_size,
            window_seconds=self.window_seconds,
            models_dir=self.model_cache_dir,
            dictionary_mode=self.dictionary_mode,
            guard=self.dropped_speech_guard,
        )

    def build_language_engine(self) -> FasterWhisperEngine:
        """Multilingual base for spoken-language ID (never tiny.en: it cannot tell).

        Its model is the engine's own (``keep_model_loaded=False``): language ID runs once per
        job, and keeping base loaded beside tiny.en would cost ~150 MB for the whole job. A base
        already loaded for recognition (non-English jobs) is shared, not loaded twice.
        """
        return FasterWhisperEngine(
            "base",
            compute_type=self.compute_type,
            cpu_threads=self.cpu_threads,
            models_dir=self.model_cache_dir,
            keep_model_loaded=False,
        )


def load_engine_settings(name: str | None = None) -> SpeechEngineSettings:
    """The saved block ``name`` (default: settings' ``engine_block``), or defaults if none is saved."""
    from reachflow.settings import get_settings

    block_name = name or get_settings().engine_block
    try:
        loaded = SpeechEngineSettings.load(block_name)
    except ValueError:
        # No such block saved: the defaults are a working configuration.
        return SpeechEngineSettings()
    assert isinstance(loaded, SpeechEngineSettings)
    return loaded
