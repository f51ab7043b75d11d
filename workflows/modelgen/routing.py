"""routing.dmn: after the analisi preliminare, which way the case goes.

Hit policy UNIQUE: for every combination of the inputs exactly one rule holds (the table test in
tests/workflows/test_routing.py walks all of them), so no rule can shadow another. Two outputs:
the pathway (`route`) and whether the Equipe di sistema assesses the case as well
(`equipe_needed`): a person with a disability and complex needs still gets the L. 68 check, a
NEET with complex needs keeps the Garanzia Giovani deadlines, each with the Equipe beside it.
Violence never reaches this table: the CAV takes those cases in charge first.
"""

from __future__ import annotations

ANY = "-"
# (target_group, complex_needs, work_ready) -> (route, equipe_needed, note)
RULES = (
    (
        '"disabilita"',
        "True",
        ANY,
        "disabilita",
        "True",
        "Disabilità, bisogni complessi: L. 68 ed Equipe",
    ),
    (
        '"disabilita"',
        "False",
        ANY,
        "disabilita",
        "False",
        "Disabilità: verifica dello status L. 68",
    ),
    (
        '"giovani"',
        "True",
        ANY,
        "giovani",
        "True",
        "Giovani NEET, bisogni complessi: Garanzia Giovani ed Equipe",
    ),
    ('"giovani"', "False", ANY, "giovani", "False", "Giovani NEET: Garanzia Giovani"),
    (
        '"adulti"',
        "True",
        ANY,
        "equipe",
        "True",
        "Adulti, bisogni complessi: valutazione multidimensionale",
    ),
    (
        '"adulti"',
        "False",
        "True",
        "cpi",
        "False",
        "Adulti pronti per il lavoro: patto di servizio al CPI",
    ),
    (
        '"adulti"',
        "False",
        "False",
        "servizio_sociale",
        "False",
        "Adulti: progetto del servizio sociale",
    ),
)
INPUTS = (
    ("in_target_group", "Gruppo target", "target_group", "string"),
    ("in_complex_needs", "Bisogni complessi", "complex_needs", "boolean"),
    ("in_work_ready", "Pronto per il lavoro", "work_ready", "boolean"),
)
OUTPUTS = (
    ("out_route", "Percorso", "route", "string"),
    ("out_equipe", "Valutazione dell'Equipe", "equipe_needed", "boolean"),
)


def _rule(index: int, rule: tuple[str, ...]) -> str:
    *entries, route, equipe, note = rule
    cells = "".join(
        f'<inputEntry id="r{index}_i{n}"><text>{e}</text></inputEntry>'
        for n, e in enumerate(entries)
    )
    outputs = (
        f'<outputEntry id="r{index}_o0"><text>"{route}"</text></outputEntry>'
        f'<outputEntry id="r{index}_o1"><text>{equipe}</text></outputEntry>'
    )
    return f'    <rule id="rule_{index}"><description>{note}</description>{cells}{outputs}</rule>'


def _input(spec: tuple[str, str, str, str]) -> str:
    iid, label, expression, kind = spec
    return (
        f'    <input id="{iid}" label="{label}"><inputExpression id="{iid}_e" typeRef="{kind}">'
        f"<text>{expression}</text></inputExpression></input>"
    )


def _output(spec: tuple[str, str, str, str]) -> str:
    oid, label, name, kind = spec
    return f'    <output id="{oid}" label="{label}" name="{name}" typeRef="{kind}" />'


ROUTING_DMN = "\n".join(
    [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="routing_defs" '
        'name="Instradamento" namespace="https://percorsi.example/dmn">',
        '  <decision id="routing" name="Instradamento del caso">',
        '   <decisionTable id="routing_table" hitPolicy="UNIQUE">',
        *[_input(i) for i in INPUTS],
        *[_output(o) for o in OUTPUTS],
        *[_rule(i, r) for i, r in enumerate(RULES, start=1)],
        "   </decisionTable>",
        "  </decision>",
        "</definitions>",
        "",
    ]
)
