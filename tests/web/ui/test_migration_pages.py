"""The model page (/models/<id>): a coordinator chooses the cases, maps what the new version
lacks, sees the dry run (in batches, with progress) and confirms; the cases then show their
new version. Operators may not open it; a malformed default is named beside its field."""

from __future__ import annotations

import re

from engine import Engine
from tests.engine import migration_models as models
from tests.seed import PROCESS, Seeded
from tests.support import Driver
from tests.web.ui.conftest import UiClient, text

PAGE = f"/models/{PROCESS}"


def deploy_renamed(engine: Engine) -> None:
    """Version 2: the first task is renamed (presa_atto -> presa_in_carico)."""
    Driver(engine).deploy(files=models.ui_referral_renamed(), as_user="clara.conti")


def run_to_the_end(ui: UiClient, location: str) -> str:
    """Advance the run as its page does, batch by batch, then read its page."""
    for _ in range(50):
        progress = ui.post(f"{location}/advance", headers={"Accept": "application/json"}).json
        assert progress is not None
        if progress["done"]:
            break
    return text(ui.get(location))


def test_dry_run_then_confirm_moves_the_cases(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    deploy_renamed(engine)
    ui.login("clara.conti")
    page = text(ui.get(PAGE))
    assert "Spostare i casi in corso su un'altra versione" in page
    assert 'name="map.presa_atto"' in page and "Presa in carico" in page

    unmapped = ui.post(f"{PAGE}/migrations", {"to": "2", "from": "", "timers": "keep"})
    assert unmapped.status_code == 302
    refused = run_to_the_end(ui, unmapped.location)
    assert "Non spostabile</strong>: 6" in refused
    assert "«Presa d&#39;atto» (da svolgere) non ha un elemento corrispondente" in refused
    assert 'id="confirm-run"' not in refused

    mapped = ui.post(
        f"{PAGE}/migrations",
        {"to": "2", "from": "1", "timers": "keep", "map.presa_atto": "presa_in_carico"},
    )
    checked = run_to_the_end(ui, mapped.location)
    assert "Si può spostare</strong>: 6" in checked
    assert re.search(r'id="confirm-run">\s*Sposta 6 casi', checked)
    assert Driver(engine).case(seeded.cases[0])["version"] == 1  # a dry run changes nothing

    confirmed = ui.post(f"{mapped.location}/confirm")
    assert confirmed.status_code == 302 and confirmed.location != mapped.location
    done = run_to_the_end(ui, confirmed.location)
    assert "Spostato</strong>: 6" in done
    assert Driver(engine).case(seeded.cases[0])["version"] == 2
    case_page = text(ui.get(f"/cases/{seeded.cases[0]}"))
    assert "versione 2" in case_page and "Presa in carico" in case_page
    assert "Lo spostamento di questi casi è già stato confermato." in run_to_the_end(
        ui, mapped.location
    )


def test_the_page_filters_cases_and_names_form_errors(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    deploy_renamed(engine)
    ui.login("clara.conti")
    bad = ui.post(f"{PAGE}/migrations", {"to": "2", "defaults": "isee 0", "timers": "keep"})
    assert bad.status_code == 422
    assert "Riga 1: scrivi nome = valore." in text(bad)
    nobody = ui.post(f"{PAGE}/migrations", {"to": "2", "timers": "keep", "target_group": "nessuno"})
    assert nobody.status_code == 422
    assert "Nessun caso in corso corrisponde alla scelta" in text(nobody)
    one = ui.post(
        f"{PAGE}/migrations", {"to": "2", "timers": "keep", "references": seeded.cases[1]}
    )
    only = run_to_the_end(ui, one.location)
    assert "1 caso scelto" in only and "Non spostabile</strong>: 1" in only
    assert f'data-reference="{seeded.cases[1]}"' in only


def test_operators_may_not_open_the_model_page(ui: UiClient, seeded: Seeded) -> None:
    ui.login("giulia.rossi")
    assert ui.get(PAGE).status_code == 403
