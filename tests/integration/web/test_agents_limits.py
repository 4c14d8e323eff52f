"""Agents' comments and messages have the same length limit as every other free text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipeline.domain.demarches import limits
from teledossier.bootstrap import Runtime
from tests.integration.web.test_agents import Desk, make_desk, text_of
from tests.integration.web.test_agents_dossier import send_state
from tests.integration.web.test_citizens import row_counts


@pytest.fixture
def desk(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Desk:
    return make_desk(runtime_factory, sqlite_url)


@pytest.mark.parametrize("action", ["completer", "message"])
def test_a_too_long_comment_is_refused_beside_it_and_changes_nothing(desk: Desk,
                                                                     action: str) -> None:
    reference = desk.file()
    desk.login()
    before = row_counts(desk.runtime)

    response = send_state(desk, reference, action, "x" * (limits.FREE_TEXT_MAX_LENGTH + 1))

    assert response.status_code == 422
    page = text_of(response)
    assert "erreur-commentaire" in page and "5\u202f000 caractères au plus" in page
    assert desk.dossier(reference).status == "transmitted"
    assert row_counts(desk.runtime) == before
