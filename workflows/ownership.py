"""Who owns a case: the organisation that follows it, found from where the person lives.

- the Comune di Cremona for its residents;
- the Azienda Sociale del Cremonese (ASC) for residents of the other 47 Comuni of the Ambito,
  whose social service it runs;
- the anti-violence centre (CAV) for a woman referred to the violence pathway: the CAV that
  referred her, the one she chose, else the network's CAV;
- for a person not resident in the Ambito, the Comune di Cremona, the Ambito's lead body, which
  checks competence and routes the case out [proposal].
The bundled pathway names `case_owner_for` in its `caseOwner` process property.
"""

from __future__ import annotations

from .comuni import CREMONA, in_ambito
from .network import CAVS

COMUNE_CREMONA = "comune_cremona"
ASC = "azienda_sociale_cremonese"


def social_service_for(comune: str | None) -> str:
    """The social service of a Comune of the Ambito (the Comune di Cremona's outside it)."""
    if comune == CREMONA or not in_ambito(comune):
        return COMUNE_CREMONA
    return ASC


def case_owner_for(
    target_group: str | None, comune: str | None, referring_organization: str | None
) -> str:
    """The organisation that owns a new case (see the module)."""
    if target_group == "violenza":
        return referring_organization if referring_organization in CAVS else CAVS[0]
    return social_service_for(comune)
