"""What the demo's operators type into each form: plausible, varied, always valid.

Dates are written as of the day the task is done: never in the future where a form forbids it,
a meeting always ahead of that day.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .network import COOPERATIVES, SERVICE_TYPES, TRAINEESHIPS

Answer = Callable[["Scenario", date], dict[str, Any]]
OUTCOMES = ("occupato", "occupato", "completato", "abbandono", "rifiuto", "perdita_beneficio")
# Partners the demo's Equipe calls (each has a demo operator); the union desk of CISL has none.
PARTNERS = ("azienda_sociale_cremonese", "provincia_cremona", "asst_cremona", "cr_forma", "cgil")


@dataclass
class Scenario:
    """The choices that steer one demo case through the diagrams."""

    rng: random.Random
    target_group: str
    resident: bool = True
    adi: bool = False
    complex_needs: bool = False
    work_ready: bool = False
    l68_status: bool = False
    gg_joined: bool = False  # joined Garanzia Giovani before the referral
    neet: bool = True
    employed: bool = False
    wants_work: bool = True
    identity_consent: bool = False
    extensions: int = 0  # how many times a tirocinio di inclusione is extended
    outcome: str = "occupato"
    service_codes: tuple[str, ...] = ()  # the services a pact chooses (random when empty)
    partners: tuple[str, ...] = field(default=())

    @classmethod
    def draw(cls, rng: random.Random, target_group: str) -> Scenario:
        """Random choices with fixed odds (the caller seeds the generator)."""
        return cls(
            rng=rng,
            target_group=target_group,
            resident=rng.random() < 0.93,
            adi=target_group == "adulti" and rng.random() < 0.5,
            complex_needs=rng.random() < 0.3,
            work_ready=rng.random() < 0.5,
            l68_status=rng.random() < 0.6,
            gg_joined=rng.random() < 0.5,
            neet=rng.random() < 0.85,
            employed=rng.random() < 0.4,
            wants_work=rng.random() < 0.75,
            identity_consent=rng.random() < 0.6,
            extensions=1 if rng.random() < 0.3 else 0,
            outcome=rng.choice([*OUTCOMES, "trasferito"]),
            partners=tuple(rng.sample(PARTNERS, k=rng.randint(2, 4)))
            + (("coop_il_ponte",) if rng.random() < 0.5 else ()),
        )

    def services(self, today: date, allowed: tuple[str, ...] = ()) -> list[dict[str, str]]:
        codes = list(self.service_codes or allowed) or [s.code for s in SERVICE_TYPES]
        if allowed:
            codes = [c for c in codes if c in allowed] or list(allowed)
        k = len(codes) if self.service_codes else self.rng.randint(1, min(3, len(codes)))
        chosen = self.rng.sample(codes, k=k)
        return [_service(c, today + timedelta(days=self.rng.randint(60, 270))) for c in chosen]


def _service(code: str, end: date) -> dict[str, str]:
    found = {"type": code, "end_date": end.isoformat()}
    if code == "inserimento_coop_b":
        found["cooperative"] = COOPERATIVES[0].code
    return found


def _pact(s: Scenario, today: date, kind: str) -> dict[str, Any]:
    return {"patto_date": today.isoformat(), "pact_kind": kind, "services": s.services(today)}


def _analisi(s: Scenario, d: date) -> dict[str, Any]:
    found: dict[str, Any] = {
        "first_meeting_date": d.isoformat(),
        "complex_needs": s.complex_needs,
        "work_ready": s.work_ready,
        "disadvantaged": s.rng.random() < 0.4,
        "employment_status": s.rng.choice(["disoccupato", "inoccupato", "inattivo"]),
        "did": True,
        "did_date": (d - timedelta(days=s.rng.randint(5, 90))).isoformat(),
        "gol_cluster": s.rng.choice(["gol_1", "gol_2", "gol_3", "gol_4", "non_gol"]),
        "needs": ["lavoro", s.rng.choice(["casa", "reddito", "formazione", "famiglia"])],
    }
    if s.target_group == "giovani" and s.gg_joined:
        found["gg_joined_on"] = (d - timedelta(days=s.rng.randint(1, 20))).isoformat()
    return found


def _traineeship(s: Scenario, d: date) -> dict[str, Any]:
    return {
        "start_date": d.isoformat(),
        "host_organization": s.rng.choice(["Forno Esempio srl", "Officina Demo snc"]),
        "convenzione_ref": f"CONV-{s.rng.randint(100, 999)}",
        "convenzione_date": (d - timedelta(days=7)).isoformat(),
        "progetto_formativo_date": (d - timedelta(days=2)).isoformat(),
        "promoter_tutor": "Elena Marino",
        "host_tutor": "Tutor aziendale (demo)",
        "monthly_allowance": s.rng.choice([350, 400, 500]),
        "inail": True,
        "co_date": d.isoformat(),
        "eqf_level": s.rng.choice([2, 3, 4]),
    }


def _proroga(s: Scenario, d: date) -> dict[str, Any]:
    if s.extensions <= 0:
        return {"extend": False}
    s.extensions -= 1
    return {"extend": True, "extension_months": 6, "attested": True}


def _closing(s: Scenario, d: date, traineeship: bool = False) -> dict[str, Any]:
    result = s.rng.choice(["completato", "completato", "interrotto", "assunzione"])
    found = {"result": result, "end_date": d.isoformat()}
    if result == "assunzione" and traineeship:
        found["contract"] = s.rng.choice(["determinato", "indeterminato", "apprendistato"])
    return found


ANSWERS: dict[str, Answer] = {
    "presa_atto": lambda s, d: {
        "resident": s.resident,
        "adi": s.adi,
        **({"pad_date": (d - timedelta(days=20)).isoformat()} if s.adi else {}),
        **(
            {"isee_value": 4800 + s.rng.randint(0, 3000), "isee_date": d.isoformat()}
            if s.adi
            else {}
        ),
    },
    "invio_fuori_ambito": lambda s, d: {"destination": "Ambito di Lodi", "referrer_informed": True},
    "analisi_preliminare": _analisi,
    "patto_servizio_cpi": lambda s, d: _pact(s, d, "patto_servizio"),
    "progetto_sociale": lambda s, d: _pact(s, d, "pais"),
    "patto_congiunto": lambda s, d: _pact(s, d, "gol_4"),
    "convocazione_equipe": lambda s, d: {
        "equipe_partners": list(s.partners or PARTNERS[:2]),
        "meeting_date": (d + timedelta(days=s.rng.randint(7, 20))).isoformat(),
    },
    "contributo_equipe": lambda s, d: {
        "assessment": s.rng.choice(["risorsa", "fragilita", "critica"]),
        "proposed_services": s.rng.sample([t.code for t in SERVICE_TYPES], k=2),
    },
    "sintesi_equipe": lambda s, d: {"meeting_held_on": d.isoformat(), "joint_project": True},
    "conclusione_servizio": _closing,
    "conclusione_tirocinio": lambda s, d: _closing(s, d, traineeship=True),
    "proroga_tirocinio": _proroga,
    "verifica_periodica": lambda s, d: {"review_date": d.isoformat(), "on_track": True},
    "aggiornamento_l68": lambda s, d: {"updated_on": d.isoformat(), "still_available": True},
    "esito_percorso": lambda s, d: {"outcome": s.outcome, "exit_date": d.isoformat()},
    "chiusura": lambda s, d: {"person_informed": True, "data_minimised": True},
    "followup_28_giorni": lambda s, d: {"contacted": True, "employed": s.outcome == "occupato"},
    "followup_6_mesi": lambda s, d: {"contacted": True, "employed": s.outcome == "occupato"},
    "gg_adesione": lambda s, d: {"gg_joined_on": d.isoformat()},
    "gg_presa_in_carico": lambda s, d: {
        "neet_confirmed": s.neet,
        "profiling": s.rng.choice(["basso", "medio", "alto", "molto_alto"]),
    },
    "gg_offerta": lambda s, d: {
        "offer_type": (offer := s.rng.choice(["orientamento", "formazione", "tirocinio"])),
        "offer_date": d.isoformat(),
        "patto_date": d.isoformat(),
        "services": s.services(d, ("formazione",) if offer == "formazione" else ()),
    },
    "gg_patto_ordinario": lambda s, d: _pact(s, d, "patto_servizio"),
    "gg_iscrizione_crforma": lambda s, d: {
        "course": "Operatore della ristorazione",
        "enrolment_date": d.isoformat(),
    },
    "dis_verifica_l68": lambda s, d: {
        "civil_invalidity_pct": 67 if s.l68_status else 30,
        "work_invalidity_pct": 0,
        "final_report": True,
        "l68_category": "art_1" if s.l68_status else "nessuna",
    },
    "dis_iscrizione": lambda s, d: {"registration_date": d.isoformat(), "cpi": "cremona"},
    "dis_inserimento": lambda s, d: {
        "placement": "convenzione_coop_b",
        "agreement_years": 2,
        "patto_date": d.isoformat(),
        "services": s.services(d, ("inserimento_coop_b", "convenzione_l68")),
    },
    "dis_progetto_sil": lambda s, d: {
        "patto_date": d.isoformat(),
        "services": s.services(d, ("tirocinio_inclusione",)),
    },
    "dis_parere_asst": lambda s, d: {"asst_service": "disabilita", "supports_traineeship": True},
    "vio_presa_in_carico": lambda s, d: {
        "consent_confirmed": True,
        "identity_to_case_manager": s.identity_consent,
        "safety_plan": True,
        "employed": s.employed,
        "wants_work_path": s.wants_work,
    },
    "vio_reddito_liberta": lambda s, d: {
        "application_date": d.isoformat(),
        "cav_statement": True,
        "social_service_statement": True,
        "months": 12,
    },
    "vio_congedo": lambda s, d: {"requested": True, "months": 3, "start_date": d.isoformat()},
    "vio_piano_lavoro": lambda s, d: {
        **_pact(s, d, "patto_servizio"),
        "services": s.services(d, ("orientamento", "bilancio_competenze", "formazione")),
    },
}


def answer(element_id: str, scenario: Scenario, today: date) -> dict[str, Any]:
    """The form data for a task; the avvio_* tasks share two shapes (traineeships, others)."""
    if element_id.startswith("avvio_"):
        if element_id.removeprefix("avvio_") in TRAINEESHIPS:
            return _traineeship(scenario, today)
        return {"start_date": today.isoformat()}
    return ANSWERS[element_id](scenario, today)
