"""Kaltura enums a REACH vendor meets, with Kaltura's exact values (KalturaClient 23.10.0)."""

from __future__ import annotations

from enum import IntEnum, StrEnum

__all__ = [
    "LANGUAGE_CODES",
    "AttachmentType",
    "CaptionAssetStatus",
    "CaptionType",
    "EntryVendorTaskStatus",
    "NullableBoolean",
    "OutputFormat",
    "ReachProfileContentDeletionPolicy",
    "VendorServiceFeature",
    "VendorServiceTurnAroundTime",
    "VendorServiceType",
    "VendorTaskProcessingRegion",
    "language_code",
]


class EntryVendorTaskStatus(IntEnum):
    PENDING = 1
    READY = 2
    PROCESSING = 3
    PENDING_MODERATION = 4
    REJECTED = 5
    ERROR = 6
    ABORTED = 7
    PENDING_ENTRY_READY = 8
    SCHEDULED = 9


class VendorServiceFeature(IntEnum):
    CAPTIONS = 1
    TRANSLATION = 2
    ALIGNMENT = 3
    AUDIO_DESCRIPTION = 4
    CHAPTERING = 5
    INTELLIGENT_TAGGING = 6
    DUBBING = 7
    LIVE_CAPTION = 8
    EXTENDED_AUDIO_DESCRIPTION = 9
    CLIPS = 10
    LIVE_TRANSLATION = 11
    QUIZ = 12
    SUMMARY = 13
    VIDEO_ANALYSIS = 14
    MODERATION = 15
    METADATA_ENRICHMENT = 16
    SENTIMENT_ANALYSIS = 17
    DOCUMENT_ENRICHMENT = 18
    SIGN_LANGUAGE = 19
    SPEECH_TO_VIDEO = 20
    IMMERSIVE_AGENT_CALL = 21
    IMMERSIVE_AGENT_CHAT = 22
    AVATAR_VOD = 23
    LLM_MODELS = 24
    IMMERSIVE_AGENT_EVAL = 25
    IMMERSIVE_AGENT_PREVIEW = 26
    VIDEO_GENERATION = 27
    VISUAL_DESCRIPTION = 28


class VendorServiceType(IntEnum):
    HUMAN = 1
    MACHINE = 2
    HYBRID = 3


class VendorServiceTurnAroundTime(IntEnum):
    BEST_EFFORT = -1
    IMMEDIATE = 0
    ONE_BUSINESS_DAY = 1
    TWO_BUSINESS_DAYS = 2
    THREE_BUSINESS_DAYS = 3
    FOUR_BUSINESS_DAYS = 4
    FIVE_BUSINESS_DAYS = 5
    SIX_BUSINESS_DAYS = 6
    SEVEN_BUSINESS_DAYS = 7
    TEN_BUSINESS_DAYS = 10
    THIRTY_MINUTES = 1800
    TWO_HOURS = 7200
    THREE_HOURS = 10800
    SIX_HOURS = 21600
    EIGHT_HOURS = 28800
    TWELVE_HOURS = 43200
    TWENTY_FOUR_HOURS = 86400
    FORTY_EIGHT_HOURS = 172800
    FOUR_DAYS = 345600
    FIVE_DAYS = 432000
    TEN_DAYS = 864000


class OutputFormat(IntEnum):
    """KalturaVendorCatalogItemOutputFormat."""

    SRT = 1
    DFXP = 2
    VTT = 3


class ReachProfileContentDeletionPolicy(IntEnum):
    DO_NOTHING = 1
    DELETE_ONCE_PROCESSED = 2
    DELETE_AFTER_WEEK = 3
    DELETE_AFTER_MONTH = 4
    DELETE_AFTER_THREE_MONTHS = 5


class VendorTaskProcessingRegion(IntEnum):
    US = 1
    EU = 2
    CA = 3


class CaptionType(StrEnum):
    """KalturaCaptionType (a string enum on the wire)."""

    SRT = "1"
    DFXP = "2"
    WEBVTT = "3"
    CAP = "4"
    SCC = "5"


class CaptionAssetStatus(IntEnum):
    ERROR = -1
    QUEUED = 0
    READY = 2
    DELETED = 3
    IMPORTING = 7
    EXPORTING = 9


class AttachmentType(StrEnum):
    TEXT = "1"
    MEDIA = "2"
    DOCUMENT = "3"
    JSON = "4"
    MARKDOWN = "5"


class NullableBoolean(IntEnum):
    NULL_VALUE = -1
    FALSE_VALUE = 0
    TRUE_VALUE = 1


# KalturaCatalogItemLanguage / KalturaLanguage display names -> ISO 639-1 (what Whisper speaks).
LANGUAGE_CODES: dict[str, str] = {
    "English": "en",
    "English (American)": "en",
    "English (British)": "en",
    "English (Australian)": "en",
    "Spanish": "es",
    "Spanish (Latin America)": "es",
    "French": "fr",
    "French (Canada)": "fr",
    "German": "de",
    "Italian": "it",
    "Portuguese": "pt",
    "Portuguese (Brazil)": "pt",
    "Dutch": "nl",
    "Russian": "ru",
    "Japanese": "ja",
    "Chinese": "zh",
    "Mandarin Chinese": "zh",
    "Simplified Chinese": "zh",
    "Traditional Chinese": "zh",
    "Korean": "ko",
    "Arabic": "ar",
    "Hebrew": "he",
    "Hindi": "hi",
    "Turkish": "tr",
    "Polish": "pl",
    "Swedish": "sv",
    "Danish": "da",
    "Norwegian": "no",
    "Finnish": "fi",
    "Greek": "el",
    "Czech": "cs",
    "Hungarian": "hu",
    "Romanian": "ro",
    "Ukrainian": "uk",
    "Vietnamese": "vi",
    "Thai": "th",
    "Indonesian": "id",
    "Malay": "ms",
    "Catalan": "ca",
    "Croatian": "hr",
    "Serbian": "sr",
    "Slovak": "sk",
    "Slovenian": "sl",
    "Bulgarian": "bg",
    "Tamil": "ta",
    "Telugu": "te",
    "Urdu": "ur",
    "Welsh": "cy",
    "Tagalog": "tl",
    "Farsi": "fa",
    "Persian (Iran)": "fa",
    "Swahili (Kiswahili)": "sw",
}


def language_code(name: str | None) -> str | None:
    """ISO 639-1 code of a Kaltura language name, or None when ReachFlow does not know it."""
    if not name:
        return None
    return LANGUAGE_CODES.get(name.strip())
