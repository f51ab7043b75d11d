"""routing.dmn: after the analisi preliminare, which way the case goes (hit policy FIRST)."""

from __future__ import annotations

# (target_group, complex_needs, work_ready) -> route; "-" matches anything.
RULES = (
    ('"violenza"', "-", "-", "violenza", "Violenza: sempre il percorso dedicato (CAV)"),
    ("-", "True", "-", "equipe", "Bisogni complessi: valutazione multidimensionale"),
    ('"disabilita"', "-", "-", "disabilita", "Disabilità: verifica status L. 68"),
    ('"giovani"', "-", "-", "giovani", "Giovani NEET: Garanzia Giovani"),
    ("-", "-", "True", "cpi", "Pronto per il lavoro: patto di servizio al CPI"),
    ("-", "-", "-", "servizio_sociale", "Altrimenti: progetto del servizio sociale"),
)
INPUTS = (
    ("in_target_group", "Gruppo target", "target_group", "string"),
    ("in_complex_needs", "Bisogni complessi", "complex_needs", "boolean"),
    ("in_work_ready", "Pronto per il lavoro", "work_ready", "boolean"),
)


def _rule(index: int, rule: tuple[str, str, str, str, str]) -> str:
    *entries, route, note = rule
    cells = "".join(
        f'<inputEntry id="r{index}_i{n}"><text>{e}</text></inputEntry>'
        for n, e in enumerate(entries)
    )
    return (
        f'    <rule id="rule_{index}"><description>{note}</description>{cells}'
        f'<outputEntry id="r{index}_o"><text>"{route}"</text></outputEntry></rule>'
    )


def _input(spec: tuple[str, str, str, str]) -> str:
    iid, label, expression, kind = spec
    return (
        f'    <input id="{iid}" label="{label}"><inputExpression id="{iid}_e" typeRef="{kind}">'
        f"<text>{expression}</text></inputExpression></input>"
    )


ROUTING_DMN = "\n".join(
    [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="routing_defs" '
        'name="Instradamento" namespace="https://percorsi.example/dmn">',
        '  <decision id="routing" name="Instradamento del caso">',
        '   <decisionTable id="routing_table" hitPolicy="FIRST">',
        *[_input(i) for i in INPUTS],
        '    <output id="out_route" label="Percorso" name="route" typeRef="string" />',
        *[_rule(i, r) for i, r in enumerate(RULES, start=1)],
        "   </decisionTable>",
        "  </decision>",
        "</definitions>",
        "",
    ]
)
