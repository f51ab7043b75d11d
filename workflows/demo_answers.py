"""What the demo's operators type into each form: plausible, varied, always valid."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .network import SERVICE_TYPES

Answer = Callable[["Scenario", date], dict[str, Any]]


@dataclass
class Scenario:
    """The choices that steer one demo case through the diagrams."""

    rng: random.Random
    target_group: str
    resident: bool
    adi: bool
    complex_needs: bool
    work_ready: bool
    l68_status: bool
    neet: bool
    employed: bool
    wants_work: bool
    outcome: str

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
            neet=rng.random() < 0.85,
            employed=rng.random() < 0.4,
            wants_work=rng.random() < 0.75,
            outcome=rng.choice(
                [
                    "occupato",
                    "occupato",
                    "completato",
                    "abbandono",
                    "rifiuto",
                    "perdita_beneficio",
                    "trasferito",
                ]
            ),
        )

    def services(self, today: date, allowed: tuple[str, ...] = ()) -> list[dict[str, str]]:
        codes = list(allowed) or [s.code for s in SERVICE_TYPES]
        chosen = self.rng.sample(codes, k=self.rng.randint(1, min(3, len(codes))))
        return [
            {"type": c, "end_date": (today + timedelta(days=self.rng.randint(60, 270))).isoformat()}
            for c in chosen
        ]


def _pact(s: Scenario, today: date, kind: str) -> dict[str, Any]:
    return {"patto_date": today.isoformat(), "pact_kind": kind, "services": s.services(today)}


ANSWERS: dict[str, Answer] = {
    "presa_atto": lambda s, d: {
        "resident": s.resident,
        "adi": s.adi,
        **({"pad_date": (d - timedelta(days=20)).isoformat()} if s.adi else {}),
    },
    "invio_fuori_ambito": lambda s, d: {"destination": "Ambito di Lodi", "referrer_informed": True},
    "analisi_preliminare": lambda s, d: {
        "first_meeting_date": d.isoformat(),
        "complex_needs": s.complex_needs,
        "work_ready": s.work_ready,
        "disadvantaged": s.rng.random() < 0.4,
        "needs": ["lavoro", s.rng.choice(["casa", "reddito", "formazione", "famiglia"])],
    },
    "patto_servizio_cpi": lambda s, d: _pact(s, d, "patto_servizio"),
    "progetto_sociale": lambda s, d: _pact(s, d, "pais"),
    "patto_congiunto": lambda s, d: _pact(s, d, "gol_4"),
    "sintesi_equipe": lambda s, d: {"meeting_date": d.isoformat(), "joint_project": True},
    "conclusione_servizio": lambda s, d: {
        "result": s.rng.choice(["completato", "completato", "interrotto", "assunzione"]),
        "end_date": d.isoformat(),
    },
    "verifica_periodica": lambda s, d: {"review_date": d.isoformat(), "on_track": True},
    "aggiornamento_l68": lambda s, d: {"updated_on": d.isoformat(), "still_available": True},
    "esito_percorso": lambda s, d: {"outcome": s.outcome, "exit_date": d.isoformat()},
    "chiusura": lambda s, d: {"person_informed": True, "data_minimised": True},
    "followup_28_giorni": lambda s, d: {"contacted": True, "employed": s.outcome == "occupato"},
    "followup_6_mesi": lambda s, d: {"contacted": True, "employed": s.outcome == "occupato"},
    "gg_presa_in_carico": lambda s, d: {
        "gg_joined_on": d.isoformat(),
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
    """The form data for a task; the avvio_* and contributo_* tasks share one shape each."""
    if element_id.startswith("avvio_"):
        return {"start_date": today.isoformat()}
    if element_id.startswith("contributo_"):
        services = scenario.rng.sample([s.code for s in SERVICE_TYPES], k=2)
        return {"assessment": "fragilita", "proposed_services": services}
    return ANSWERS[element_id](scenario, today)
