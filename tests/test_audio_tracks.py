"""Audio-track delivery (``tasks/audio_tracks.py``) against the sandbox, read back as the customer with
the official KalturaClient: the produced track and the clear audio are MP4 AAC-LC flavors of the
entry's exact length with the vendor guide's fields, the HLS manifest lists them as alternate audio
renditions, the clear audio sounds like the original, and delivering again adds and uploads nothing."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.Plugins.Core import (
    KalturaFilterPager,
    KalturaFlavorAssetFilter,
    KalturaPlaybackContextOptions,
    KalturaSessionType,
)

from tasks.audio_tracks import deliver_audio_flavors
from tasks.kaltura import TaskApi
from tests.vendor_kit import module_sandbox, vendor_task_api

APP_TOKEN = "audio-tracks-app-token-0123456789"
CUSTOMER_SECRET = "audio-tracks-customer-secret"
ENTRY, OTHER = "0_audtrk01", "0_audtrk02"
DUB, DUB_AGAIN, DESCRIBED, UNFILLED = 9300, 9301, 9302, 9303
SCENARIO = {
    "vendor": {
        "partner_id": 9000,
        "admin_secret": "audio-tracks-vendor-secret",
        "app_token": {"id": "0_audtrtk", "token": APP_TOKEN, "hash_type": "SHA256"},
    },
    "catalog_items": [
        {
            "id": 107,
            "feature": "DUBBING",
            "service_type": "MACHINE",
            "turn_around_time": "FORTY_EIGHT_HOURS",
            "source_language": "English",
            "target_language": "Spanish",
            "flavor_params_id": 1507,
            "clear_audio_flavor_params_id": 1607,
        },
        {
            "id": 108,
            "feature": "AUDIO_DESCRIPTION",
            "service_type": "MACHINE",
            "turn_around_time": "FORTY_EIGHT_HOURS",
            "source_language": "English",
            "flavor_params_id": 1504,
            "clear_audio_flavor_params_id": 1604,
        },
    ],
    "customers": [
        {
            "partner_id": 2001,
            "admin_secret": CUSTOMER_SECRET,
            "reach_profiles": [{"id": 301}],
            "entries": [
                {"id": ENTRY, "speech": [{"text": "The river rises every spring, and farmers move to the hills."}]},
                {"id": OTHER, "speech": [{"text": "A second entry."}]},
            ],
            "tasks": [
                {"id": DUB, "entry": ENTRY, "catalog_item": 107, "reach_profile": 301, "created": "-30m"},
                {"id": DUB_AGAIN, "entry": ENTRY, "catalog_item": 107, "reach_profile": 301, "created": "-20m"},
                {"id": DESCRIBED, "entry": ENTRY, "catalog_item": 108, "reach_profile": 301, "created": "-10m"},
                {"id": UNFILLED, "entry": OTHER, "catalog_item": 107, "reach_profile": 301, "created": "-5m"},
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def sandbox(session_dir: Path) -> Iterator[Any]:
    with module_sandbox(SCENARIO, session_dir) as box:
        yield box


def task_api(box: Any, task_id: int) -> TaskApi:
    return vendor_task_api(box, SCENARIO, task_id)


def customer(box: Any) -> KalturaClient:
    """The customer's own admin session, as their tools read the entry."""
    client = KalturaClient(KalturaConfiguration(box.base_url))
    client.setKs(client.session.start(CUSTOMER_SECRET, "", KalturaSessionType.ADMIN, 2001, 3600))
    return client


def flavors_of(client: KalturaClient, entry_id: str) -> dict[int, Any]:
    f = KalturaFlavorAssetFilter()
    f.entryIdEqual = entry_id
    return {int(o.flavorParamsId): o for o in client.flavorAsset.list(f, KalturaFilterPager(pageSize=500)).objects}


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


def original_audio(box: Any, entry_id: str) -> Path:
    """The entry's audio-only flavor file (what the vendor fetched)."""
    return Path(
        next(f["_path"] for f in box.store.rows("flavor_assets") if f["entryId"] == entry_id and f["_kind"] == "audio")
    )


def entry_seconds(client: KalturaClient, entry_id: str) -> float:
    return float(client.baseEntry.get(entry_id).msDuration) / 1000.0


def pcm(source: str | Path) -> np.ndarray:
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(source), "-ac", "1", "-ar", "16000", "-f", "s16le", "-"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float64)


def best_correlation(a: np.ndarray, b: np.ndarray, max_lag: int = 1600) -> float:
    """Pearson correlation of two signals at the best alignment within ±100 ms (AAC adds a delay)."""
    n = min(len(a), len(b)) - 2 * max_lag
    best = -1.0
    for lag in range(-max_lag, max_lag + 1, 8):
        x = a[max_lag : max_lag + n]
        y = b[max_lag + lag : max_lag + lag + n]
        best = max(best, float(np.corrcoef(x, y)[0, 1]))
    return best


def ffprobe(url: str) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return dict(json.loads(out.stdout))


@pytest.fixture(scope="module")
def dubbed(sandbox: Any, session_dir: Path) -> Any:
    """Task DUB delivered once: a Spanish 'dubbed' track shorter than the entry (espeak-ng), and the original."""
    work = session_dir / "audio-tracks"
    work.mkdir(parents=True, exist_ok=True)
    client = customer(sandbox)
    seconds = entry_seconds(client, ENTRY)
    spoken = work / "spoken.wav"
    subprocess.run(
        [
            "espeak-ng",
            "-v",
            "es",
            "-w",
            str(spoken),
            "El río crece cada primavera y los granjeros suben a las colinas.",
        ],
        check=True,
        timeout=60,
    )
    produced = work / "dubbed.wav"  # shorter than the entry: delivery pads it with silence
    ffmpeg("-i", str(spoken), "-t", f"{seconds - 0.6:.3f}", str(produced))
    api = task_api(sandbox, DUB)
    delivered = deliver_audio_flavors(
        api, api.get_job(), produced, original_audio(sandbox, ENTRY), language="Spanish", label="Spanish", workdir=work
    )
    return delivered, work, produced


def test_both_flavors_are_mp4_aac_lc_of_the_entry_length_with_the_guide_fields(sandbox: Any, dubbed: Any) -> None:
    delivered, _work, _produced = dubbed
    client = customer(sandbox)
    flavors = flavors_of(client, ENTRY)
    produced, clear = flavors[1507], flavors[1607]
    assert (produced.id, clear.id) == (delivered.produced_flavor_id, delivered.clear_audio_flavor_id)
    assert (produced.language.getValue(), produced.label, produced.isDefault.getValue()) == ("Spanish", "Spanish", 0)
    assert (clear.language.getValue(), clear.label, clear.isDefault.getValue()) == ("English", "English", 1)
    for flavor in (produced, clear):
        assert flavor.status.getValue() == 2 and flavor.fileExt == "mp4"
        # The flavor params' tags, which players read to list audio tracks.
        assert {"audio_only", "alt_audio"} <= set(flavor.tags.split(","))
        assert "audio_description" not in flavor.tags
        assert not flavor.isOriginal  # read-only in Kaltura: only source params make an original
        info = ffprobe(client.flavorAsset.getUrl(flavor.id))
        audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
        assert "mp4" in info["format"]["format_name"] and len(info["streams"]) == 1
        assert (audio[0]["codec_name"], audio[0]["profile"]) == ("aac", "LC")
        # ffmpeg's AAC encoder is ABR (fewer bits over pauses); fill elements pad it to the rate.
        assert abs(int(audio[0]["bit_rate"]) - 128_000) <= 10
        assert float(info["format"]["duration"]) == pytest.approx(entry_seconds(client, ENTRY), abs=0.1)


def test_the_clear_audio_is_the_original_sound(sandbox: Any, dubbed: Any) -> None:
    client = customer(sandbox)
    clear = flavors_of(client, ENTRY)[1607]
    original = pcm(original_audio(sandbox, ENTRY))
    delivered = pcm(client.flavorAsset.getUrl(clear.id))
    assert best_correlation(original, delivered) > 0.95
    # ...and the produced track is not the original (the Spanish speech, padded with silence).
    produced = pcm(client.flavorAsset.getUrl(flavors_of(client, ENTRY)[1507].id))
    assert best_correlation(original, produced) < 0.3
    assert np.abs(produced[-6400:]).max() < 50  # the last 0.4 s: the padding


def test_the_hls_manifest_lists_the_tracks_as_alternate_audio(sandbox: Any, dubbed: Any) -> None:
    client = customer(sandbox)
    options = KalturaPlaybackContextOptions(streamerType="applehttp")
    context = client.baseEntry.getPlaybackContext(ENTRY, options)
    delivered, _work, _produced = dubbed
    hls = context.sources[0]
    assert {delivered.produced_flavor_id, delivered.clear_audio_flavor_id} <= set(hls.flavorIds.split(","))
    by_id = {f.id: f for f in context.flavorAssets}
    assert by_id[delivered.produced_flavor_id].language.getValue() == "Spanish"
    ks = client.getKs()
    master = httpx.get(hls.url, params={"ks": ks}).text
    media = [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]
    spanish = next(line for line in media if 'NAME="Spanish"' in line)
    english = next(line for line in media if 'NAME="English"' in line)
    assert 'LANGUAGE="es"' in spanish and "DEFAULT=NO" in spanish and 'GROUP-ID="audio"' in spanish
    assert 'LANGUAGE="en"' in english and "DEFAULT=YES" in english  # the clear audio is the default track
    variants = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert variants and all('AUDIO="audio"' in v for v in variants)
    rendition = spanish.split('URI="', 1)[1].rstrip('"')
    decoded = pcm(sandbox.url(rendition))
    assert len(decoded) / 16000 == pytest.approx(entry_seconds(client, ENTRY), abs=0.2)


def test_delivering_again_adds_and_uploads_nothing(sandbox: Any, dubbed: Any) -> None:
    delivered, work, produced = dubbed
    tokens = len(list(sandbox.store.rows("upload_tokens")))
    versions = {f["id"]: f["version"] for f in sandbox.store.rows("flavor_assets")}
    api = task_api(sandbox, DUB)
    again = deliver_audio_flavors(
        api, api.get_job(), produced, original_audio(sandbox, ENTRY), language="Spanish", label="Spanish", workdir=work
    )
    assert again == delivered
    assert len(list(sandbox.store.rows("upload_tokens"))) == tokens
    assert {f["id"]: f["version"] for f in sandbox.store.rows("flavor_assets")} == versions


def test_a_later_order_reuses_the_entrys_flavor_of_those_params(sandbox: Any, dubbed: Any) -> None:
    """Kaltura keeps one flavor per params: a second dubbing order replaces its content and marks it."""
    delivered, work, produced = dubbed
    count = len(flavors_of(customer(sandbox), ENTRY))
    api = task_api(sandbox, DUB_AGAIN)
    again = deliver_audio_flavors(
        api, api.get_job(), produced, original_audio(sandbox, ENTRY), language="Spanish", label="Spanish", workdir=work
    )
    assert again.produced_flavor_id == delivered.produced_flavor_id
    assert len(flavors_of(customer(sandbox), ENTRY)) == count
    assert sandbox.store.get("flavor_assets", again.produced_flavor_id)["partnerData"] == f"reachflow-task-{DUB_AGAIN}"


def test_a_flavor_added_but_never_filled_is_filled_not_added_again(sandbox: Any, session_dir: Path) -> None:
    api = task_api(sandbox, UNFILLED)
    job = api.get_job()
    first = api.add_flavor_asset(
        OTHER, flavor_params_id=1507, language="Spanish", label="Spanish", is_default=False, file_ext="mp4",
        partner_data=f"reachflow-task-{UNFILLED}",
    )  # fmt: skip
    work = session_dir / "audio-tracks-unfilled"
    work.mkdir(parents=True, exist_ok=True)
    original = original_audio(sandbox, OTHER)
    delivered = deliver_audio_flavors(api, job, original, original, language="Spanish", label="Spanish", workdir=work)
    assert delivered.produced_flavor_id == first.id
    flavors = flavors_of(customer(sandbox), OTHER)
    assert flavors[1507].status.getValue() == 2 and len([p for p in flavors if p in (1507, 1607)]) == 2


def test_audio_description_params_carry_the_audio_description_tag(sandbox: Any, dubbed: Any) -> None:
    _delivered, work, produced = dubbed
    api = task_api(sandbox, DESCRIBED)
    label = "English - Audio description"
    delivered = deliver_audio_flavors(
        api, api.get_job(), produced, original_audio(sandbox, ENTRY), language="English", label=label, workdir=work
    )
    flavor = flavors_of(customer(sandbox), ENTRY)[1504]
    assert flavor.id == delivered.produced_flavor_id
    assert flavor.tags.split(",") == ["audio_only", "alt_audio", "audio_description"]
    assert (flavor.label, flavor.language.getValue(), flavor.isDefault.getValue()) == (label, "English", 0)
