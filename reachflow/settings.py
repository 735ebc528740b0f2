"""ReachFlow's configuration, in one place (environment variables prefixed ``REACHFLOW_``).

Secrets are not here: they live in Prefect blocks (``blocks/``). Everything here is safe to log.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Operational settings; every field can be set as ``REACHFLOW_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="REACHFLOW_", extra="ignore")

    home: Path = Field(
        default=Path("var"),
        description="Working folder for media copies, model caches and the demo's state.",
    )
    account_block: str = Field(
        default="reachflow-vendor",
        description="Name of the KalturaVendorAccount block the flows use.",
    )
    engine_block: str = Field(
        default="reachflow-speech",
        description="Name of the SpeechEngineSettings block (defaults apply when it is missing).",
    )
    discovery_interval_seconds: int = Field(default=60, ge=5, le=3600)
    reconcile_interval_seconds: int = Field(default=300, ge=10, le=86400)
    discovery_concurrency: int = Field(
        default=8, ge=1, le=64, description="Parallel Kaltura calls and run creations in discovery."
    )
    max_restarts: int = Field(
        default=3,
        ge=0,
        le=20,
        description="Runs reconcile starts for one task before it ends the task in ERROR.",
    )
    restart_grace_seconds: int = Field(
        default=60, ge=0, description="Reconcile leaves a task alone this long after its last run ended."
    )
    stuck_pending_seconds: int = Field(
        default=300,
        ge=0,
        description=(
            "A run still Pending this long (a worker took it and died before its process began) is crashed and"
            " its task started again; a run normally leaves Pending within seconds."
        ),
    )
    at_risk_threshold: float = Field(
        default=0.8, gt=0.0, lt=1.0, description="Share of a job's window after which it is at risk."
    )
    access_key_refresh_margin_seconds: int = Field(
        default=86400,
        ge=60,
        description="Extend the accessKey once it is this close to its shortest possible expiry.",
    )
    max_media_bytes: int = Field(default=8 * 1024**3, ge=1024, description="Largest media download.")
    media_download_timeout_seconds: int = Field(default=3600, ge=5)
    human_deadline_policy: Literal["wait", "error"] = Field(
        default="wait",
        description="When a human job's deadline passes with no submission: keep waiting (and "
        "alert) or end the task in ERROR.",
    )
    review_media_url: str | None = Field(
        default=None,
        description="Base URL where the vendor publishes the jobs folder (REACHFLOW_HOME/jobs) to "
        "its reviewers, e.g. an internal web server; work packages link the media there. Without "
        "it, a work package gives the media file's path on the vendor's storage.",
    )
    quality_mode: Literal["auto", "fast", "best"] = Field(
        default="fast",
        description="Speech recognition quality for English: 'fast' decodes with tiny.en (with base as "
        "the second listener for dictionary terms and unsure numbers), 'best' with multilingual base "
        "(lower WER on two of the bench's three voices, but fewer dictionary terms and amounts kept, "
        "about twice the recognition time: README, caption quality), 'auto' picks 'best' when the "
        "job's deadline leaves room for it (reachflow/asr/quality.py). 'fast' is the default because "
        "it is the mode that meets every caption-quality target.",
    )
    retry_delay_scale: float = Field(
        default=1.0,
        ge=0.0,
        le=10.0,
        description="Multiplies every retry delay (tests use 0 to retry at once).",
    )
    served: str = Field(
        default="1:2,1:1,2:2,2:1,4:2,4:1,5:2,5:1,7:2,7:1,8:2,9:2,9:1",
        description="Comma-separated serviceFeature:serviceType pairs ReachFlow serves "
        "(1 CAPTIONS, 2 TRANSLATION, 4 AUDIO_DESCRIPTION, 5 CHAPTERING, 7 DUBBING, 8 LIVE_CAPTION, "
        "9 EXTENDED_AUDIO_DESCRIPTION; serviceType 2 = MACHINE, 1 = HUMAN).",
    )
    chapters_bulk: bool = Field(
        default=True,
        description="Deliver chapters with one cuePoint.addFromBulk first (then complete or add what it "
        "did not make); false: cuePoint.add per chapter only (docs/chaptering.md).",
    )
    live_host: str = Field(
        default="127.0.0.1",
        description="Host name Kaltura reaches the live ingest and caption websocket on (the machine "
        "whose worker serves the 'live' work queue); used in mediaUrl and captionUrl.",
    )
    live_ports: str = Field(
        default="19350-19449",
        description="Port range for live captions: each live task gets two ports (RTMP ingest, caption websocket).",
    )

    def live_port_range(self) -> range:
        """:attr:`live_ports` as a range (``"19350-19449"``)."""
        low, _, high = self.live_ports.partition("-")
        return range(int(low), int(high or low) + 1)

    def served_pairs(self) -> set[tuple[int, int]]:
        pairs: set[tuple[int, int]] = set()
        for item in self.served.split(","):
            feature, _, service_type = item.strip().partition(":")
            if feature and service_type:
                pairs.add((int(feature), int(service_type)))
        return pairs


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
