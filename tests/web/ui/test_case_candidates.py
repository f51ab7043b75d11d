"""Naming who leads a case where too many people may: the case page asks for a name, proposes
those who may lead the case as it is typed, and the naming form refuses anyone else."""

from __future__ import annotations

import re
from typing import Any

from engine import Engine
from engine.commands.accounts import create_user
from tests.seed import PASSWORD, Seeded

from .conftest import UiClient, text


def _field(page: str) -> str:
    found = re.search(r'<input type="text"[^>]*id="case_manager-user"[^>]*>', page, re.S)
    assert found is not None, "the search field"
    return found.group(0)


def test_a_small_organisation_chooses_from_a_list(ui: UiClient, seeded: Seeded) -> None:
    ui.login("giulia.rossi")
    page = text(ui.get(f"/cases/{seeded.cases[0]}"))
    assert '<select id="case_manager-user" name="user"' in page
    assert '<option value="luca.ferri" >Luca Ferri</option>' in page
    assert "data-people-url" not in page


def test_a_large_organisation_searches_whom_to_name(
    ui: UiClient, seeded: Seeded, monkeypatch: Any
) -> None:
    reference = seeded.cases[0]
    monkeypatch.setattr("web.ui.cases.CANDIDATES_LISTED", 1)
    ui.login("giulia.rossi")
    page = text(ui.get(f"/cases/{reference}"))
    assert '<option value="luca.ferri"' not in page and '<select id="case_manager-user"' not in page
    field = _field(page)
    url = f"/cases/{reference}/candidates?role=case_manager"
    assert f'data-people-url="{url}"' in field and 'list="case_manager-people"' in field
    assert 'aria-describedby="case_manager-user-hint"' in field
    assert "vengono proposte mentre scrive" in page
    assert ui.get(f"{url}&q=ferri").get_json() == [{"username": "luca.ferri", "name": "Luca Ferri"}]
    assert ui.get(f"{url}&q=ROSSI").get_json() == [
        {"username": "giulia.rossi", "name": "Giulia Rossi"}
    ]
    assert ui.get(f"{url}&q=bassi").get_json() == []  # the Provincia's: no Comune case manager
    assert ui.get(f"{url}&q=%20").get_json() == []
    english = text(ui.get(f"/cases/{reference}", headers={"Accept-Language": "en"}))
    assert "are proposed as you type" in english


def test_the_search_answers_only_whoever_may_manage_the_case(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    reference = seeded.cases[0]
    ui.login("giulia.rossi")
    for role in ("coordinator", ""):
        refused = ui.get(f"/cases/{reference}/candidates?role={role}&q=ferri")
        assert refused.status_code == 400
        assert "case_manager" in text(refused) and "cav_operator" in text(refused)
    as_json = ui.get(
        f"/cases/{reference}/candidates?role=nobody&q=x", headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 400 and "case_manager" in as_json.get_json()["detail"]
    ui.post("/logout")
    ui.login("marco.bassi")  # the Provincia takes no part in the case
    assert ui.get(f"/cases/{reference}/candidates?role=case_manager&q=f").status_code == 404
    assert ui.get("/cases/CR-1999-000001/candidates?role=case_manager&q=f").status_code == 404
    with engine.uow() as uow:
        create_user(
            uow, "eva.equipe", memberships=[("comune_cremona", "equipe_member")], password=PASSWORD
        )
        uow.commit()
    ui.post("/logout")
    ui.login("eva.equipe")
    assert ui.get(f"/cases/{reference}").status_code == 200  # she sees the case, names nobody
    assert ui.get(f"/cases/{reference}/candidates?role=case_manager&q=f").status_code == 403


def test_naming_by_username_goes_through_and_refuses_who_may_not_lead(
    ui: UiClient, seeded: Seeded, monkeypatch: Any
) -> None:
    reference = seeded.cases[0]
    monkeypatch.setattr("web.ui.cases.CANDIDATES_LISTED", 1)
    ui.login("giulia.rossi")
    for typed in ("marco.bassi", "nessuno.qui"):  # not eligible; no such user
        refused = ui.post(
            f"/cases/{reference}/case-manager", {"role": "case_manager", "user": typed}
        )
        assert refused.status_code == 422
        page = text(refused)
        assert 'id="err-case_manager-user"' in page
        assert "Scegliere una persona che possa guidare il caso" in page
        field = _field(page)
        assert f'value="{typed}"' in field and 'aria-invalid="true"' in field  # nothing lost
    named = ui.post(
        f"/cases/{reference}/case-manager", {"role": "case_manager", "user": "luca.ferri"}
    )
    assert named.status_code == 302
    assert 'id="case-manager">Luca Ferri<' in text(ui.get(f"/cases/{reference}"))
