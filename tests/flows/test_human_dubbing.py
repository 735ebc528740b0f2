"""Human dubbing: the translated script per cue goes to a person, who hands in a recorded track with
``reachflow review submit --file track.wav``; a track of the wrong length is refused with the reason
and the person asked again; the right one is delivered as the Spanish audio flavor.

The run goes through a real Prefect runner (``served_flows``): it suspends, its process exits, and
each answer resumes it from the top in a new process. Outcomes are read through the Kaltura API with
the customer's admin KS.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
from KalturaClient.Plugins.Core import KalturaFilterPager, KalturaFlavorAssetFilter
from typer.testing import CliRunner

from reachflow.app.cli import app
from tests.flows.conftest import VENDOR, customer_client, vendor_sandbox, vendor_task
from tests.runner import completed, start_run, suspended, wait_for_run

ENTRY = "0_dubhum99"
TASK = 9501


def scenario() -> dict[str, Any]:
    return {
        "vendor": VENDOR,
        "catalog_items": [
            {
                "id": 321,
                "feature": "DUBBING",
                "service_type": "HUMAN",
                "turn_around_time": "FIVE_BUSINESS_DAYS",
                "source_language": "English",
                "target_language": "Spanish",
                "flavor_params_id": 1507,
                "clear_audio_flavor_params_id": 1607,
            },
        ],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "customer-secret",
                "reach_profiles": [{"id": 301}],
                "entries": [
                    {
                        "id": ENTRY,
                        "name": "Orientation week",
                        "speech": [{"text": "Orientation week starts on Monday."}],
                    }
                ],
                "tasks": [{"id": TASK, "entry": ENTRY, "catalog_item": 321, "reach_profile": 301, "created": "-10m"}],
            }
        ],
    }


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def recorded(path: Path, seconds: float) -> Path:
    """A 'recorded' Spanish track: espeak-ng speech padded with silence to ``seconds``."""
    spoken = path.with_suffix(".spoken.wav")
    subprocess.run(
        ["espeak-ng", "-v", "es", "-w", str(spoken), "La semana de orientación empieza el lunes."], check=True
    )
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(spoken), "-af", f"apad=whole_dur={seconds:.3f}",
         "-t", f"{seconds:.3f}", str(path)],
        check=True,
    )  # fmt: skip
    return path


def pcm16k(source: str | Path) -> np.ndarray:
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(source), "-ac", "1", "-ar", "16000", "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float64)


def test_a_recorded_track_of_the_wrong_length_is_refused_then_the_right_one_delivered(
    media_cache: Path, served_flows: dict[str, Any], tmp_path: Path
) -> None:
    with vendor_sandbox(scenario(), media_cache) as (box, block):
        run = start_run(served_flows["dubbing"], TASK, 2001, block, service_type=1, feature=7)
        wait_for_run(run.id, suspended("review-1"), what="the first question")
        assert vendor_task(box, TASK).status.getValue() == 3  # PROCESSING while the person works
        name = f"dubbing-2001-{TASK}"
        shown = cli("review", "show", name)
        # The script per cue with its timing (source and Spanish), the media link and the rules.
        for expected in ("English → Spanish", "Orientation week", "(±1 s)", "--file track.wav", "| 1 | 0."):
            assert expected in shown, expected
        client = customer_client(box, 2001)
        seconds = float(client.baseEntry.get(ENTRY).msDuration) / 1000.0

        short = recorded(tmp_path / "short.wav", seconds - 1.6)
        cli("review", "submit", name, "--file", str(short))
        wait_for_run(run.id, suspended("review-2"), what="the question after a track of the wrong length")
        shown = cli("review", "show", name)
        assert f"the track lasts {seconds - 1.6:.1f} s but the media lasts {seconds:.1f} s" in shown
        assert vendor_task(box, TASK).status.getValue() == 3

        good = recorded(tmp_path / "track.wav", seconds + 0.4)
        cli("review", "submit", name, "--file", str(good), "--accuracy", "98")
        wait_for_run(run.id, completed, what="delivery after the valid track")

        task = vendor_task(box, TASK)
        assert task.status.getValue() == 2 and task.accuracy == 98
        f = KalturaFlavorAssetFilter()
        f.entryIdEqual = ENTRY
        flavors = {int(o.flavorParamsId): o for o in client.flavorAsset.list(f, KalturaFilterPager()).objects}
        produced = flavors[1507]
        assert task.outputObjectId == produced.id
        assert (produced.language.getValue(), produced.label, produced.isDefault.getValue()) == (
            "Spanish",
            "Spanish",
            0,
        )
        assert flavors[1607].isDefault.getValue() == 1
        # What the customer plays is the person's recording (levelled to -23 LUFS, same sound).
        delivered, submitted = pcm16k(client.flavorAsset.getUrl(produced.id)), pcm16k(good)
        n = min(len(delivered), len(submitted)) - 3200
        best = max(
            float(np.corrcoef(submitted[1600 : 1600 + n], delivered[1600 + lag : 1600 + lag + n])[0, 1])
            for lag in range(-1600, 1601, 8)
        )
        assert best > 0.9
        assert abs(len(delivered) / 16000 - seconds) <= 0.1
