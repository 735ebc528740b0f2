"""Routing: which flow serves a task, and how its run is named, tagged and keyed."""

from __future__ import annotations

from reachflow.routing import CAPTIONS, idempotency_key, route_for, run_name, run_tags
from reachflow.settings import Settings


def test_served_pairs_from_settings() -> None:
    settings = Settings(served="1:2, 1:1")
    assert settings.served_pairs() == {(1, 2), (1, 1)}


def test_machine_captions_route_and_unserved_features() -> None:
    served = Settings(served="1:2").served_pairs()
    assert route_for(1, 2, served) is CAPTIONS
    assert route_for(1, 1, served) is None  # human captions not enabled
    assert route_for(7, 2, served) is None  # dubbing
    assert route_for(99, 2, {(99, 2)}) is None  # enabled but no flow exists for it


def test_run_name_and_tags_let_an_operator_find_a_job() -> None:
    assert run_name(CAPTIONS, 2001, 55) == "captions-2001-55"
    assert run_tags(2001, 55, 1, 2) == [
        "reachflow",
        "partner:2001",
        "feature:captions",
        "service-type:machine",
        "reach-task:55",
    ]
    assert CAPTIONS.deployment == "reach-captions/captions"


def test_idempotency_key_changes_only_when_kaltura_requeues_the_task() -> None:
    assert idempotency_key(55, 1700000000) == idempotency_key(55, 1700000000)
    assert idempotency_key(55, 1700000000) != idempotency_key(55, 1700009999)
    assert idempotency_key(55, 1700000000, attempt=2).endswith("-restart-2")


def test_translation_is_served_by_default_machine_and_human() -> None:
    from reachflow.routing import TRANSLATION

    served = Settings().served_pairs()
    assert route_for(2, 2, served) is TRANSLATION and route_for(2, 1, served) is TRANSLATION
    assert run_name(TRANSLATION, 2001, 5004) == "translation-2001-5004"
    assert TRANSLATION.deployment == "reach-translation/translation"


def test_chaptering_is_served_by_default_machine_and_human() -> None:
    from reachflow.routing import CHAPTERING

    served = Settings().served_pairs()
    assert route_for(5, 2, served) is CHAPTERING and route_for(5, 1, served) is CHAPTERING
    assert run_name(CHAPTERING, 2001, 5301) == "chaptering-2001-5301"
    assert CHAPTERING.deployment == "reach-chaptering/chaptering"


def test_dubbing_is_served_by_default_machine_and_human() -> None:
    from reachflow.routing import DUBBING

    served = Settings().served_pairs()
    assert route_for(7, 2, served) is DUBBING and route_for(7, 1, served) is DUBBING
    assert run_name(DUBBING, 2002, 5104) == "dubbing-2002-5104"
    assert DUBBING.deployment == "reach-dubbing/dubbing"
