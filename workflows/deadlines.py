"""Deadline arithmetic the diagrams call from dueIn and timer expressions (whitelisted helpers),
and the longest a service may last.

Traineeships (tirocini) in Lombardy [law]:
- Tirocinio di inclusione ("tirocini di orientamento, formazione e inserimento/reinserimento
  finalizzati all'inclusione sociale, all'autonomia delle persone e alla riabilitazione"):
  Accordo Stato-Regioni of 22 January 2015 (Rep. Atti n. 7/CSR), adopted in Lombardy by
  d.g.r. 25 July 2016 n. X/5451. At most 24 months, extendable (or repeatable) when the public
  service that has the person in charge attests that it is needed.
- Tirocinio extracurricolare: Accordo Stato-Regioni of 25 May 2017, adopted in Lombardy by
  d.g.r. 17 January 2018 n. X/7763 ("Indirizzi regionali in materia di tirocini", in force from
  9 June 2018 with d.d.u.o. 7 May 2018 n. 6286). At most 6 months for competences of EQF levels
  2-3, 12 months for EQF level 4 or higher and in every case for disadvantaged people, 24 months
  for people with disabilities under L. 68/1999 art. 1 c. 1 (so the cap follows L. 68 status,
  not the target group).
What was verified, and how: the durations of the 2015 Accordo from two published summaries of
it (a labour-law firm's note of 17 April 2015 and a job centre's note of 2020); that d.g.r.
X/5451/2016 is the Lombard act on tirocini di inclusione from a Lombard Comune's service page
(its own text, and so any Lombard deviation from the Accordo's durations, was not reached);
the durations of d.g.r. X/7763/2018 from a university placement office's summary of it.
Agreements with type-B cooperatives and L. 68 agreements last 1-5 years (DOMAIN.md); any other
service is capped at 12 months [proposal].
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from engine.durations import parse_duration

from .network import SERVICES_BY_CODE

INCLUSION_MAX = "P24M"  # Accordo 22/01/2015; d.g.r. X/5451/2016
EXTRACURRICULAR_MAX = {"eqf_2_3": "P6M", "eqf_4": "P12M", "disadvantaged": "P12M", "l68": "P24M"}
AGREEMENT_MAX = "P5Y"  # type-B cooperative agreements and L. 68 agreements: 1-5 years
OTHER_SERVICE_MAX = "P12M"


def as_date(value: Any) -> date:
    """A date from an ISO date string (as forms store it) or a date; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise ValueError(f"{value!r} is not a date")


def due_after(start: Any, duration: str) -> date:
    """The day `duration` after the date `start` (a deadline runs to the end of that day)."""
    moment = datetime.combine(as_date(start), time(0, 0), UTC)
    return parse_duration(duration).after(moment).date()


def start_of(day: Any) -> str:
    """The first moment of a day, as a timer date (naive ISO, read in UTC)."""
    return datetime.combine(as_date(day), time(0, 0)).isoformat()


def latest_end(services: Any, fallback: str) -> date | str:
    """The latest planned end date among the chosen services, or the fallback duration."""
    ends = [as_date(s["end_date"]) for s in services or [] if s.get("end_date")]
    return max(ends) if ends else fallback


def max_service_length(
    service_type: str,
    l68_status: bool,
    disadvantaged: bool,
    eqf_level: int | None = None,
    extension_months: int | None = None,
) -> str:
    """The longest a service may last from its start, as an ISO duration (see the module).

    `extension_months` is an extension of a tirocinio di inclusione attested by the service
    in charge: the new cap, counted from when the extension is granted."""
    if service_type == "tirocinio_inclusione":
        return f"P{int(extension_months)}M" if extension_months else INCLUSION_MAX
    if service_type == "tirocinio_extracurricolare":
        if l68_status:
            return EXTRACURRICULAR_MAX["l68"]
        if disadvantaged:
            return EXTRACURRICULAR_MAX["disadvantaged"]
        return EXTRACURRICULAR_MAX["eqf_4" if (eqf_level or 0) >= 4 else "eqf_2_3"]
    if service_type in ("inserimento_coop_b", "convenzione_l68"):
        return AGREEMENT_MAX
    if service_type not in SERVICES_BY_CODE:
        raise ValueError(f"unknown service type {service_type!r}")
    return OTHER_SERVICE_MAX
