"""Entries of a scenario: a media entry, its flavors, and the ground truth of what is said."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from kaltura_sandbox.framework import Store, kobj
from kaltura_sandbox.media import MediaBundle, Segment, VideoShot, probe, synthesize

__all__ = ["EntrySpec", "ShotSpec", "SpeechSegment", "create_entry"]

FlavorKind = Literal["source", "audio", "video_only", "broken"]


class SpeechSegment(BaseModel):
    """One stretch of an entry's sound track."""

    text: str = Field("", description="Words spoken (espeak-ng); empty for silence or music.")
    voice: str = Field("en", description="espeak-ng voice, e.g. en, en+f3, en-us+m3, es, fr, de.")
    speed: int = Field(160, description="Words per minute.")
    silence: float = Field(0.0, description="Seconds of silence (when text is empty).")
    music: float = Field(0.0, description="Seconds of a tone bed (non-speech sound).")


class ShotSpec(BaseModel):
    """One shot of an entry's picture: a background colour with on-screen text."""

    seconds: float = Field(gt=0, description="How long the shot lasts.")
    colour: str = Field("0x1f3a60", description="Background: an ffmpeg colour name or 0xRRGGBB.")
    text: str = Field("", description="On-screen text, centred (a newline starts a second line).")
    ink: str = Field("white", description="Text colour.")
    font_size: int = Field(40, description="Text size in pixels (the picture is 640x360).")


class EntrySpec(BaseModel):
    """A media entry of a scenario (YAML keys are these field names)."""

    id: str = Field(description="Entry id in Kaltura's shape, e.g. 0_abc12345.")
    name: str = "Untitled"
    description: str = ""
    tags: str = ""
    media_type: Literal["video", "audio"] = "video"
    status: int = Field(2, description="KalturaEntryStatus (2 = READY).")
    speech: list[SpeechSegment] = Field(default_factory=list, description="The sound track, in order.")
    pad_to_seconds: float | None = Field(None, description="Pad the end with silence up to this length.")
    loop_to_seconds: float | None = Field(
        None, description="Repeat the sound track up to this length (long entries for benchmarks)."
    )
    shots: list[ShotSpec] = Field(
        default_factory=list,
        description="The picture as shots (repeated until the sound ends); empty = one plain colour.",
    )
    flavors: list[FlavorKind] = Field(
        default_factory=lambda: ["source", "audio"],
        description="Flavors the entry has: source (MP4 video+audio), audio (M4A), video_only (MP4, "
        "no sound), broken (undecodable bytes).",
    )


FLAVOR_PARAMS = {"source": 0, "audio": 359, "video_only": 487, "broken": 301}
FLAVOR_TAGS = {"source": "source,web", "audio": "audio_only", "video_only": "mobile,web", "broken": "web"}


def _flavor(store: Store, entry: dict[str, Any], kind: str, path: Path) -> dict[str, Any]:
    info = probe(path)
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), {})
    fmt = info.get("format", {})
    size = path.stat().st_size
    flavor_id = f"0_fl{store.next_int('flavor_seq'):06d}"
    ext = path.suffix.lstrip(".")
    return kobj(
        "KalturaFlavorAsset",
        id=flavor_id,
        entryId=entry["id"],
        partnerId=entry["partnerId"],
        version=1,
        size=max(1, size // 1024),
        tags=FLAVOR_TAGS[kind],
        fileExt=ext,
        createdAt=entry["createdAt"],
        updatedAt=entry["createdAt"],
        deletedAt=None,
        description="",
        partnerData=None,
        partnerDescription=None,
        actualSourceAssetParamsIds=None,
        sizeInBytes=size,
        flavorParamsId=FLAVOR_PARAMS[kind],
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        bitrate=int(int(fmt.get("bit_rate") or 0) / 1000),
        frameRate=float(eval_rate(video.get("r_frame_rate"))) if video else 0.0,
        isOriginal=kind == "source",
        isWeb=kind != "broken",
        containerFormat={"mp4": "isom", "m4a": "mp4a"}.get(ext, ext) if kind != "broken" else "",
        videoCodecId=("avc1" if video else "") if kind != "broken" else "",
        status=2,
        language="English",
        label={"audio": "Audio only"}.get(kind),
        isDefault=None,
        _path=str(path),
        _kind=kind,
    )


def eval_rate(text: str | None) -> float:
    if not text or "/" not in text:
        return 0.0
    num, den = text.split("/")
    return float(num) / float(den) if float(den) else 0.0


def create_entry(store: Store, partner_id: int, spec: EntrySpec, media_dir: Path) -> dict[str, Any]:
    """Synthesise the entry's media and store the entry and its flavors."""
    segments = [Segment(**s.model_dump()) for s in spec.speech] or [Segment(silence=3.0)]
    bundle: MediaBundle = synthesize(
        segments,
        media_dir,
        pad_to_seconds=spec.pad_to_seconds,
        loop_to_seconds=spec.loop_to_seconds,
        with_video=spec.media_type == "video" or "video_only" in spec.flavors,
        shots=[VideoShot(**shot.model_dump()) for shot in spec.shots] or None,
    )
    now = int(time.time())
    entry = kobj(
        "KalturaMediaEntry",
        id=spec.id,
        name=spec.name,
        description=spec.description,
        partnerId=partner_id,
        userId="customer-admin",
        creatorId="customer-admin",
        tags=spec.tags,
        adminTags="",
        categories="",
        categoriesIds="",
        status=spec.status,
        moderationStatus=6,
        moderationCount=0,
        type=1,
        createdAt=now,
        updatedAt=now,
        version=1,
        thumbnailUrl=None,
        referenceId=None,
        plays=0,
        views=0,
        width=(640 if spec.shots else 320) if spec.media_type == "video" else 0,
        height=(360 if spec.shots else 180) if spec.media_type == "video" else 0,
        duration=round(bundle.duration),
        msDuration=int(bundle.duration * 1000),
        mediaType=1 if spec.media_type == "video" else 5,
        flavorParamsIds=None,
        defaultLanguage=None,
        responseLanguage=None,
        _ground_truth=" ".join(s.text for s in spec.speech if s.text),
        _segments=[s.model_dump() for s in spec.speech],
        _bundle=str(bundle.folder),
    )
    store.put("entries", spec.id, entry)
    flavor_ids = []
    for kind in spec.flavors:
        path = bundle.files.get(kind)
        if path is None:
            continue
        flavor = _flavor(store, entry, kind, path)
        flavor["_hls"] = str(bundle.hls[kind]) if kind in bundle.hls else None
        store.put("flavor_assets", flavor["id"], flavor)
        flavor_ids.append(str(flavor["flavorParamsId"]))
    entry["flavorParamsIds"] = ",".join(flavor_ids)
    return entry
