"""Delivering new audio tracks (dubbing, audio description) as Kaltura audio flavors, exactly once.

The vendor guide's recipe ("Audio tracks for dubbing and standard audio descriptions"): two audio
flavors through ``flavorAsset.add`` + ``setContent`` (chunked uploadToken), both MP4 with AAC-LC
at 64 or 128 kbps:

* the produced track: the catalog item's ``flavorParamsId``; language = the track's language;
  label = the language (plus " - Audio description" for description); ``isDefault`` 0;
* the clear audio (the original sound): ``clearAudioFlavorParamsId``; the source language;
  ``isDefault`` 1.

``isOriginal`` is read-only in Kaltura's API (``KalturaFlavorAsset::isOriginal`` is ``@readonly``;
the official client never sends it, the server sets it only for flavor params tagged ``source``),
so neither flavor can claim it. No tags are sent either: ``flavorAsset.add`` copies the flavor
params' tags onto the asset (``audio_only,alt_audio`` and, for description,
``audio_description``), which is what players list as audio tracks, and tags sent with the add
would replace them.

Exactly once: Kaltura keeps one flavor per entry and flavor params (a second add fails with
FLAVOR_ASSET_ALREADY_EXISTS), so a flavor is found by its params before it is added; the task that
made it is written in its ``partnerData`` (``reachflow-task-<id>``). A flavor this task made and
filled is left alone (a retried, restarted or resumed run uploads nothing); one it added but never
filled is filled; one of an earlier order (another task) gets this task's content, then its mark.
A lost ``setContent`` answer is verified by reading the flavor back before uploading again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from reachflow.audio.mix import Bitrate, clear_audio
from reachflow.errors import MediaError, UnsupportedJob
from reachflow.ffmpeg import probe
from reachflow.models import FlavorInfo, Job
from tasks.delivery import task_tag
from tasks.job import KALTURA_RETRIES, ActiveJob, job_workdir
from tasks.kaltura import TaskApi

__all__ = [
    "DeliveredTracks",
    "deliver_audio_flavors",
    "deliver_audio_tracks",
    "delivered_audio_tracks",
    "delivery_file",
    "find_delivered",
]

log = logging.getLogger("reachflow.audio_tracks")
# How close a produced MP4 must already be to the entry's length to be uploaded as it is.
_SAME_LENGTH = 0.02


@dataclass(frozen=True)
class DeliveredTracks:
    """The two flavors a dubbing or audio-description task delivered."""

    produced_flavor_id: str  # outputObjectId of the task
    clear_audio_flavor_id: str


def delivery_file(source: Path, out: Path, duration: float, *, bitrate: Bitrate = 128) -> Path:
    """``source`` as the vendor guide's audio flavor: MP4, AAC-LC, ``bitrate`` kbps, exactly ``duration`` s.

    A file that already is one (e.g. :func:`reachflow.audio.voice_over_mix`'s output) is used as it
    is, so it is not encoded twice; anything else ffmpeg decodes is encoded (padded with silence
    or trimmed to the length).

    Raises:
        MediaError: ``source`` cannot be decoded or has no audio.
    """
    info = probe(source)
    if not info.has_audio:
        raise MediaError(f"the track {source.name} has no audio")
    ready = (
        "mp4" in info.format_name
        and info.audio_codec == "aac"
        and info.audio_profile == "LC"
        and not info.has_video
        and abs(info.duration - duration) <= _SAME_LENGTH
        and abs(info.audio_bit_rate - bitrate * 1000) <= bitrate * 10  # padded to the rate (reachflow.audio.cbr)
    )
    if ready:
        return source
    return clear_audio(source, out, bitrate=bitrate, duration=duration)


def _flavor_params(job: Job) -> tuple[int, int]:
    item = job.catalog_item
    if item.flavor_params_id is None or item.clear_audio_flavor_params_id is None:
        raise UnsupportedJob("the catalog item names no flavor params for the audio tracks")
    return int(item.flavor_params_id), int(item.clear_audio_flavor_params_id)


def _deliver_flavor(
    api: TaskApi,
    job: Job,
    *,
    flavor_params_id: int,
    path: Path,
    language: str,
    label: str,
    is_default: bool,
) -> FlavorInfo:
    """One audio flavor with its content: found by its params first, added only when missing."""
    entry_id = job.task.entry_id
    mark = task_tag(job.task.id)
    found = api.find_flavor_by_params(entry_id, flavor_params_id)
    if found is not None and found.partner_data == mark and found.status_ready:
        log.info("Flavor %s (params %s) was delivered by an earlier run", found.id, flavor_params_id)
        return found
    if found is None:
        found = api.add_flavor_asset(
            entry_id,
            flavor_params_id=flavor_params_id,
            language=language,
            label=label,
            is_default=is_default,
            file_ext="mp4",
            partner_data=mark,
        )
    filled = api.set_flavor_file(found.id, path.read_bytes(), f"{path.stem}.mp4")
    # Written after the content, so a run that stops in between finds the flavor unmarked and
    # uploads again, instead of taking another order's content for this one's.
    if (filled.partner_data, filled.language, filled.label, filled.is_default) != (mark, language, label, is_default):
        filled = api.update_flavor_asset(
            found.id, language=language, label=label, is_default=is_default, partner_data=mark
        )
    return filled


def find_delivered(api: TaskApi, job: Job) -> DeliveredTracks | None:
    """Both flavors, when this task already delivered them (READY, marked with the task), else None."""
    produced_params, clear_params = _flavor_params(job)
    mark = task_tag(job.task.id)
    found = [api.find_flavor_by_params(job.task.entry_id, params) for params in (produced_params, clear_params)]
    if all(f is not None and f.status_ready and f.partner_data == mark for f in found):
        assert found[0] is not None and found[1] is not None
        return DeliveredTracks(produced_flavor_id=found[0].id, clear_audio_flavor_id=found[1].id)
    return None


@task(name="find-delivered-audio-tracks", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def delivered_audio_tracks(active: ActiveJob) -> DeliveredTracks | None:
    """Prefect task: :func:`find_delivered` (a resumed run skips making tracks it already delivered)."""
    return find_delivered(active.api(), active.job)


def deliver_audio_flavors(
    api: TaskApi,
    job: Job,
    produced: Path,
    original: Path,
    *,
    language: str,
    label: str,
    workdir: Path,
    bitrate: Bitrate = 128,
) -> DeliveredTracks:
    """The produced track and the clear audio as the entry's audio flavors, exactly once.

    Args:
        api: The job's accessKey client.
        job: The REACH job (its catalog item names both flavor params).
        produced: The produced track (the dubbed mix, or the original with descriptions), any
            format ffmpeg decodes, any length.
        original: The entry's original audio (the fetched flavor, or its decoded WAV).
        language: Kaltura language name of the produced track ("Spanish").
        label: The produced track's label ("Spanish", "English - Audio description").
        workdir: Where the encoded files are written.
        bitrate: 64 or 128 kbps AAC-LC.

    Raises:
        UnsupportedJob: the catalog item names no flavor params.
        MediaError: a track cannot be decoded.
    """
    produced_params, clear_params = _flavor_params(job)
    done = find_delivered(api, job)
    if done is not None:
        log.info("Task %s: both audio flavors were delivered by an earlier run", job.task.id)
        return done
    entry = api.get_entry(job.task.entry_id)
    duration = float(entry.duration or 0.0) or probe(original).duration
    produced_mp4 = delivery_file(produced, workdir / f"produced-{job.task.id}.mp4", duration, bitrate=bitrate)
    clear_mp4 = delivery_file(original, workdir / f"clear-audio-{job.task.id}.mp4", duration, bitrate=bitrate)
    source_language = job.source_language_name
    produced_flavor = _deliver_flavor(
        api, job, flavor_params_id=produced_params, path=produced_mp4, language=language, label=label, is_default=False
    )
    clear_flavor = _deliver_flavor(
        api,
        job,
        flavor_params_id=clear_params,
        path=clear_mp4,
        language=source_language,
        label=source_language,
        is_default=True,
    )
    return DeliveredTracks(produced_flavor_id=produced_flavor.id, clear_audio_flavor_id=clear_flavor.id)


@task(name="deliver-audio-tracks", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def deliver_audio_tracks(
    active: ActiveJob,
    produced: Path,
    original: Path,
    *,
    language: str,
    label: str,
    bitrate: Bitrate = 128,
) -> DeliveredTracks:
    """Prefect task: :func:`deliver_audio_flavors` on the job's accessKey, files in the job's folder.

    Example:
        >>> delivered = deliver_audio_tracks(active, Path("dub.mp4"), Path("source.mp4"),
        ...                                  language="Spanish", label="Spanish")
        >>> delivered.produced_flavor_id   # the task's outputObjectId
    """
    return deliver_audio_flavors(
        active.api(),
        active.job,
        produced,
        original,
        language=language,
        label=label,
        workdir=job_workdir(active),
        bitrate=bitrate,
    )
