"""Typed REACH objects, built from KalturaClient objects the moment they arrive.

KalturaClient returns enum fields as wrapper objects (``.getValue()``), unset fields as
``NotImplemented``, empty elements as ``''`` or ``None``; :func:`kv` folds all of that into plain
values, and the models below carry Kaltura's exact enum values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from reachflow.enums import (
    EntryVendorTaskStatus,
    OutputFormat,
    ReachProfileContentDeletionPolicy,
    VendorServiceFeature,
    VendorServiceType,
    language_code,
)

__all__ = [
    "AttachmentAssetInfo",
    "CaptionAssetInfo",
    "CatalogItem",
    "CuePointInfo",
    "EntryInfo",
    "EntryVendorTask",
    "FlavorInfo",
    "Job",
    "Language",
    "PlaybackContext",
    "PlaybackSource",
    "ReachProfile",
    "kv",
]

DEFAULT_MAX_CHARS = 42


def kv(value: Any) -> Any:
    """A KalturaClient value as a plain Python value (None for unset/empty)."""
    if value is NotImplemented or value is None:
        return None
    if hasattr(value, "getValue"):
        value = value.getValue()
    if value == "":
        return None
    return value


def _int(value: Any) -> int | None:
    value = kv(value)
    return int(value) if value is not None else None


def _time(value: Any) -> datetime | None:
    value = _int(value)
    return datetime.fromtimestamp(value, UTC) if value else None


def _flag(value: Any) -> bool:
    value = kv(value)
    if value is None:
        return False
    if isinstance(value, str):
        return value.lower() in ("1", "true")
    return int(value) == 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class EntryVendorTask(_Frozen):
    """A REACH task as the vendor sees it."""

    id: int
    partner_id: int
    vendor_partner_id: int | None = None
    entry_id: str
    status: EntryVendorTaskStatus
    catalog_item_id: int | None = None
    reach_profile_id: int | None = None
    created_at: datetime
    queue_time: datetime | None = None
    expected_finish_time: datetime | None = None
    service_type: int = 0
    service_feature: int = 0
    turn_around_time: int | None = None
    access_key: SecretStr = Field(default=SecretStr(""), repr=False)
    version: str | None = None
    notes: str | None = None
    dictionary: str | None = None
    accuracy: int | None = None
    output_object_id: str | None = None
    err_description: str | None = None
    external_task_id: str | None = None
    task_job_data: dict[str, Any] = Field(default_factory=dict)

    @property
    def queue_time_epoch(self) -> int:
        moment = self.queue_time or self.created_at
        return int(moment.timestamp())

    @classmethod
    def from_kaltura(cls, obj: Any) -> EntryVendorTask:
        job_data: dict[str, Any] = {}
        raw_job_data = getattr(obj, "taskJobData", None)
        if raw_job_data not in (None, NotImplemented):
            job_data = {"objectType": type(raw_job_data).__name__}
            for name in (
                "captionAssetId",
                "textTranscriptAssetId",
                "jsonTranscriptAssetId",
                "scheduledEventId",
                "startDate",
                "endDate",
                "entryDuration",
                "assetId",
            ):
                value = kv(getattr(raw_job_data, name, None))
                if value is not None:
                    job_data[name] = value
        return cls(
            id=int(kv(obj.id)),
            partner_id=int(kv(obj.partnerId)),
            vendor_partner_id=_int(obj.vendorPartnerId),
            entry_id=str(kv(obj.entryId)),
            status=EntryVendorTaskStatus(int(kv(obj.status))),
            catalog_item_id=_int(obj.catalogItemId),
            reach_profile_id=_int(obj.reachProfileId),
            created_at=_time(obj.createdAt) or datetime.now(UTC),
            queue_time=_time(obj.queueTime),
            expected_finish_time=_time(obj.expectedFinishTime),
            service_type=_int(obj.serviceType) or 0,
            service_feature=_int(obj.serviceFeature) or 0,
            turn_around_time=_int(obj.turnAroundTime),
            access_key=SecretStr(str(kv(obj.accessKey) or "")),
            version=kv(obj.version),
            notes=kv(obj.notes),
            dictionary=kv(obj.dictionary),
            accuracy=_int(obj.accuracy),
            output_object_id=kv(obj.outputObjectId),
            err_description=kv(obj.errDescription),
            external_task_id=kv(obj.externalTaskId),
            task_job_data=job_data,
        )


class CatalogItem(_Frozen):
    id: int | None = None
    object_type: str
    service_type: int | None = None
    service_feature: int | None = None
    turn_around_time: int | None = None
    source_language: str | None = None
    target_language: str | None = None
    output_format: int | None = None
    enable_speaker_id: bool = False
    require_source: bool | None = None  # None: the catalog item does not say (Kaltura: a source is needed)
    flavor_params_id: int | None = None
    clear_audio_flavor_params_id: int | None = None
    duration_limit: int | None = None  # live items: the longest event window served, seconds (0: none)

    @classmethod
    def from_kaltura(cls, obj: Any) -> CatalogItem:
        return cls(
            id=_int(getattr(obj, "id", None)),
            object_type=type(obj).__name__,
            service_type=_int(getattr(obj, "serviceType", None)),
            service_feature=_int(getattr(obj, "serviceFeature", None)),
            turn_around_time=_int(getattr(obj, "turnAroundTime", None)),
            source_language=kv(getattr(obj, "sourceLanguage", None)),
            target_language=kv(getattr(obj, "targetLanguage", None)),
            output_format=_int(getattr(obj, "outputFormat", None)),
            enable_speaker_id=_flag(getattr(obj, "enableSpeakerId", None)),
            require_source=None if kv(getattr(obj, "requireSource", None)) is None else _flag(obj.requireSource),
            flavor_params_id=_int(getattr(obj, "flavorParamsId", None)),
            clear_audio_flavor_params_id=_int(getattr(obj, "clearAudioFlavorParamsId", None)),
            duration_limit=_int(getattr(obj, "durationLimit", None)),
        )


class ReachProfile(_Frozen):
    name: str | None = None
    default_output_format: int | None = None
    enable_metadata_extraction: bool = False
    enable_speaker_change_indication: bool = False
    enable_audio_tags: bool = False
    enable_profanity_removal: bool = False
    max_characters_per_caption_line: int | None = None
    label_addition_machine: str | None = None
    label_addition_human: str | None = None
    content_deletion_policy: int | None = None
    flavor_params_ids: str | None = None
    processing_region: int | None = None

    @classmethod
    def from_kaltura(cls, obj: Any) -> ReachProfile:
        return cls(
            name=kv(getattr(obj, "name", None)),
            default_output_format=_int(getattr(obj, "defaultOutputFormat", None)),
            enable_metadata_extraction=_flag(getattr(obj, "enableMetadataExtraction", None)),
            enable_speaker_change_indication=_flag(getattr(obj, "enableSpeakerChangeIndication", None)),
            enable_audio_tags=_flag(getattr(obj, "enableAudioTags", None)),
            enable_profanity_removal=_flag(getattr(obj, "enableProfanityRemoval", None)),
            max_characters_per_caption_line=_int(getattr(obj, "maxCharactersPerCaptionLine", None)),
            label_addition_machine=kv(getattr(obj, "labelAdditionForMachineServiceType", None)),
            label_addition_human=kv(getattr(obj, "labelAdditionForHumanServiceType", None)),
            content_deletion_policy=_int(getattr(obj, "contentDeletionPolicy", None)),
            flavor_params_ids=kv(getattr(obj, "flavorParamsIds", None)),
            processing_region=_int(getattr(obj, "vendorTaskProcessingRegion", None)),
        )


class Language(_Frozen):
    """A language as Kaltura names it (KalturaLanguage / KalturaCatalogItemLanguage) and its ISO code."""

    name: str
    code: str | None = None

    @classmethod
    def named(cls, name: str) -> Language:
        return cls(name=name, code=language_code(name))

    def require_code(self, role: str = "") -> str:
        """The ISO 639-1 code; a language ReachFlow does not know is an UnsupportedJob."""
        from reachflow.errors import UnsupportedJob

        if self.code is None:
            raise UnsupportedJob(f"{role + ' ' if role else ''}language {self.name} is not supported")
        return self.code


class Job(_Frozen):
    """A task with its catalog item and REACH profile: everything a service needs to know."""

    task: EntryVendorTask
    catalog_item: CatalogItem
    profile: ReachProfile

    @property
    def service_type(self) -> int:
        return self.catalog_item.service_type or self.task.service_type

    @property
    def service_feature(self) -> int:
        return self.catalog_item.service_feature or self.task.service_feature

    @property
    def service_type_label(self) -> str:
        try:
            return VendorServiceType(self.service_type).name.lower()
        except ValueError:
            return str(self.service_type)

    @property
    def feature_label(self) -> str:
        try:
            return VendorServiceFeature(self.service_feature).name.lower()
        except ValueError:
            return str(self.service_feature)

    @property
    def source_language(self) -> Language:
        """The language of the entry's speech or source text (the catalog item's sourceLanguage)."""
        return Language.named(self.catalog_item.source_language or "English")

    @property
    def target_language(self) -> Language:
        """The language the service delivers in: the catalog item's targetLanguage when it has one
        (translation, dubbing, …), else the source language (captions, audio description, …)."""
        if self.catalog_item.target_language:
            return Language.named(self.catalog_item.target_language)
        return self.source_language

    @property
    def source_language_name(self) -> str:
        return self.source_language.name

    @property
    def source_language_code(self) -> str:
        """ISO 639-1 code of the source language; a language ReachFlow does not know ends the job."""
        return self.source_language.require_code("source")

    @property
    def target_language_name(self) -> str:
        return self.target_language.name

    @property
    def target_language_code(self) -> str:
        """ISO 639-1 code of the target language; a language ReachFlow does not know ends the job."""
        return self.target_language.require_code("target")

    @property
    def caption_language(self) -> str:
        """The KalturaLanguage value of a delivered caption asset: the target language."""
        return self.target_language.name

    @property
    def output_format(self) -> OutputFormat:
        value = self.catalog_item.output_format or self.profile.default_output_format or OutputFormat.SRT
        try:
            return OutputFormat(int(value))
        except ValueError:
            return OutputFormat.SRT

    @property
    def max_chars_per_line(self) -> int:
        value = self.profile.max_characters_per_caption_line
        return int(value) if value and int(value) >= 10 else DEFAULT_MAX_CHARS

    @property
    def dictionary_terms(self) -> list[str]:
        return [line.strip() for line in (self.task.dictionary or "").splitlines() if line.strip()]

    @property
    def deletion_policy(self) -> ReachProfileContentDeletionPolicy:
        try:
            return ReachProfileContentDeletionPolicy(int(self.profile.content_deletion_policy or 1))
        except ValueError:
            return ReachProfileContentDeletionPolicy.DO_NOTHING


class EntryInfo(_Frozen):
    id: str
    name: str | None = None
    tags: str | None = None
    duration: float | None = None
    media_type: int | None = None
    partner_id: int | None = None

    @classmethod
    def from_kaltura(cls, obj: Any) -> EntryInfo:
        ms = _int(getattr(obj, "msDuration", None))
        seconds = ms / 1000 if ms else _int(getattr(obj, "duration", None))
        return cls(
            id=str(kv(obj.id)),
            name=kv(obj.name),
            tags=kv(obj.tags),
            duration=seconds,
            media_type=_int(getattr(obj, "mediaType", None)),
            partner_id=_int(obj.partnerId),
        )


class FlavorInfo(_Frozen):
    id: str
    flavor_params_id: int | None = None
    file_ext: str | None = None
    container_format: str | None = None
    size_bytes: int = 0
    bitrate_kbps: int = 0
    width: int = 0
    height: int = 0
    video_codec: str | None = None
    tags: str = ""
    status_ready: bool = True
    is_original: bool = False
    language: str | None = None
    label: str | None = None
    is_default: bool | None = None  # KalturaNullableBoolean: None when never set
    partner_data: str | None = None
    status: int | None = None

    @classmethod
    def from_kaltura(cls, obj: Any) -> FlavorInfo:
        size = _int(getattr(obj, "sizeInBytes", None)) or (_int(getattr(obj, "size", None)) or 0) * 1024
        return cls(
            id=str(kv(obj.id)),
            flavor_params_id=_int(obj.flavorParamsId),
            file_ext=kv(obj.fileExt),
            container_format=kv(obj.containerFormat),
            size_bytes=size,
            bitrate_kbps=_int(obj.bitrate) or 0,
            width=_int(obj.width) or 0,
            height=_int(obj.height) or 0,
            video_codec=kv(obj.videoCodecId),
            tags=kv(obj.tags) or "",
            status_ready=_int(obj.status) == 2,
            is_original=bool(kv(obj.isOriginal)),
            language=kv(getattr(obj, "language", None)),
            label=kv(getattr(obj, "label", None)),
            is_default=None if _int(getattr(obj, "isDefault", None)) in (None, -1) else _flag(obj.isDefault),
            partner_data=kv(getattr(obj, "partnerData", None)),
            status=_int(obj.status),
        )


class PlaybackSource(_Frozen):
    format: str
    url: str
    flavor_ids: str = ""
    protocols: str = ""


class PlaybackContext(_Frozen):
    sources: list[PlaybackSource]
    flavors: list[FlavorInfo]

    @classmethod
    def from_kaltura(cls, obj: Any) -> PlaybackContext:
        sources = [
            PlaybackSource(
                format=str(kv(s.format) or ""),
                url=str(kv(s.url) or ""),
                flavor_ids=str(kv(s.flavorIds) or ""),
                protocols=str(kv(s.protocols) or ""),
            )
            for s in (kv(obj.sources) or [])
        ]
        flavors = [FlavorInfo.from_kaltura(f) for f in (kv(obj.flavorAssets) or [])]
        return cls(sources=sources, flavors=flavors)


class CaptionAssetInfo(_Frozen):
    id: str
    status: int
    tags: str = ""
    label: str | None = None
    language: str | None = None
    format: str | None = None
    accuracy: int | None = None
    display_on_player: bool | None = None
    associated_transcript_ids: str | None = None
    is_default: bool = False
    created_at: int | None = None

    @classmethod
    def from_kaltura(cls, obj: Any) -> CaptionAssetInfo:
        return cls(
            id=str(kv(obj.id)),
            status=_int(obj.status) or 0,
            tags=kv(obj.tags) or "",
            label=kv(obj.label),
            language=kv(obj.language),
            format=kv(obj.format),
            accuracy=_int(obj.accuracy),
            display_on_player=kv(obj.displayOnPlayer),
            associated_transcript_ids=kv(obj.associatedTranscriptIds),
            is_default=_flag(getattr(obj, "isDefault", None)),
            created_at=_int(getattr(obj, "createdAt", None)),
        )


class AttachmentAssetInfo(_Frozen):
    id: str
    status: int
    tags: str = ""
    format: str | None = None
    file_ext: str | None = None

    @classmethod
    def from_kaltura(cls, obj: Any) -> AttachmentAssetInfo:
        return cls(
            id=str(kv(obj.id)),
            status=_int(obj.status) or 0,
            tags=kv(obj.tags) or "",
            format=kv(obj.format),
            file_ext=kv(obj.fileExt),
        )


class CuePointInfo(_Frozen):
    id: str
    tags: str = ""
    cue_point_type: str | None = None
    start_time_ms: int | None = None
    status: int | None = None  # KalturaCuePointStatus: READY 1, DELETED 2, HANDLED 3, PENDING 4
    system_name: str | None = None
    # KalturaThumbCuePoint only (chapters and slides)
    title: str | None = None
    description: str | None = None
    sub_type: int | None = None  # KalturaThumbCuePointSubType: SLIDE 1, CHAPTER 2

    @classmethod
    def from_kaltura(cls, obj: Any) -> CuePointInfo:
        return cls(
            id=str(kv(obj.id)),
            tags=kv(getattr(obj, "tags", None)) or "",
            cue_point_type=kv(getattr(obj, "cuePointType", None)),
            start_time_ms=_int(getattr(obj, "startTime", None)),
            status=_int(getattr(obj, "status", None)),
            system_name=kv(getattr(obj, "systemName", None)),
            title=kv(getattr(obj, "title", None)),
            description=kv(getattr(obj, "description", None)),
            sub_type=_int(getattr(obj, "subType", None)),
        )
