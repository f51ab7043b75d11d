"""Deploy problems a coordinator can act on: model code that does not compile, task and process
properties that cannot be used, references that lead nowhere. Each comes back from the API with
a code, its parameters and an English message naming the element, and from the Modeler's check
in the reader's language, never as Python's English or an element's id."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import pytest
from flask.testing import FlaskClient

from engine import Engine
from tests.support import FIXTURES, checked, modeler_check, open_ui_session

SCRIPT = (FIXTURES / "script_task.bpmn").read_text(encoding="utf-8")
CONDITION = (FIXTURES / "condition.bpmn").read_text(encoding="utf-8")
TIMER = (FIXTURES / "timer_expression.bpmn").read_text(encoding="utf-8")
FILL = '<spiffworkflow:property name="candidateGroups" value="case_manager" />'
PROCESS = '<bpmn:process id="script_task" name="Script task" isExecutable="true">'


def script(source: str, xml: str = SCRIPT) -> str:
    return xml.replace("SCRIPT", escape(source))


def task_property(name: str, value: str) -> str:
    """The script task model with one more property on its user task «Fill»."""
    added = f"<spiffworkflow:property name={quoteattr(name)} value={quoteattr(value)} />"
    return script("x = 1").replace(FILL, FILL + added, 1)


def process_property(name: str, value: str) -> str:
    """The script task model with a property on its process «Script task»."""
    added = (
        "<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property "
        f"name={quoteattr(name)} value={quoteattr(value)} /></spiffworkflow:properties>"
        "</bpmn:extensionElements>"
    )
    return script("x = 1").replace(PROCESS, PROCESS + added, 1)


def unnamed(xml: str, element: str, name: str) -> str:
    """The model with the element `element` drawn without a name, as bpmn-js gives it an id."""
    return xml.replace(f' name="{name}"', "", 1).replace(f'"{element}"', '"Activity_0x1b2"')


def test_a_script_that_does_not_compile_is_said_by_its_line(
    network: Engine, client: FlaskClient
) -> None:
    xml = script("punteggio = 3\nif punteggio = 10:\n    esito = 'alto'")
    body, texts = checked(network, client, xml)
    [found] = body["errors"]
    assert (found["element_id"], found["code"], found["name"]) == (
        "compute",
        "script_invalid",
        "Compute",
    )
    assert found["params"] == {
        "name": "Compute",
        "value": "if punteggio = 10:",
        "kind": "script",
        "line": "2",
        "hint": "equals",
    }
    assert found["message"] == (
        "Compute: the script has an error at line 2: «if punteggio = 10:» "
        "(invalid syntax. Maybe you meant '==' or ':=' instead of '='?)"
    )
    assert texts == [
        "Lo script di «Compute» ha un errore alla riga 2: «if punteggio = 10:». "
        "Per confrontare due valori si scrive «==», non «=»."
    ]
    _body, english = checked(network, client, xml, "en")
    assert english == [
        "The script of “Compute” has an error at line 2: “if punteggio = 10:”. "
        "To compare two values write “==”, not “=”."
    ]


def test_an_unnamed_script_task_with_a_bracket_left_open_is_said_by_its_place(
    network: Engine, client: FlaskClient
) -> None:
    xml = unnamed(script("totale = len([1, 2)"), "compute", "Compute")
    body, texts = checked(network, client, xml)
    [found] = body["errors"]
    said = "the unnamed script task after «Fill»"
    assert (found["element_id"], found["code"], found["label"]) == (
        "Activity_0x1b2",
        "script_invalid",
        {"kind": "scriptTask", "after": ["Fill"]},
    )
    assert found["params"]["line"] == ""  # one line: no line number to say
    assert found["message"].startswith(f"{said}: the script has an error: «totale = len([1, 2)»")
    assert "Activity_0x1b2" not in found["message"]
    assert texts == [
        "Lo script di attività script senza nome dopo «Fill» ha un errore: "
        "«totale = len([1, 2)». Una parentesi è chiusa con un tipo di parentesi diverso."
    ]


@pytest.mark.parametrize(
    ("condition", "hint", "said"),
    [
        ("punteggio = 10", "Per confrontare due valori si scrive «==», non «=».", "punteggio = 10"),
        ("esito == 'si", "Un testo tra virgolette non viene chiuso.", "esito == 'si"),
        ("esito in ('si', 'no'", "Una parentesi aperta non viene chiusa.", "esito in ('si', 'no'"),
        ("import os", "«import» non è ammesso: si usano le funzioni a disposizione dei modelli.",
         "import os"),
        ("eta >>= 18", "", "eta >>= 18"),
    ],
)  # fmt: skip
def test_a_gateway_condition_that_does_not_compile_is_quoted(
    network: Engine, client: FlaskClient, condition: str, hint: str, said: str
) -> None:
    body, texts = checked(network, client, CONDITION.replace("CONDITION", escape(condition)))
    [found] = body["errors"]
    assert (found["element_id"], found["code"]) == ("gw", "condition_invalid")
    assert found["label"] == {"kind": "exclusiveGateway", "after": ["Fill"]}
    assert found["message"].startswith(
        "the unnamed exclusive gateway after «Fill»: a condition of its outgoing flows has an "
        f"error: «{said}» ("
    )
    assert texts == [
        f"Una condizione in uscita da gateway esclusivo senza nome dopo «Fill» ha un errore: "
        f"«{said}»." + (f" {hint}" if hint else "")
    ]


def test_a_timer_expression_that_does_not_compile_is_quoted(
    network: Engine, client: FlaskClient
) -> None:
    body, texts = checked(network, client, TIMER.replace("TIMER", "'P' + giorni +"))
    [found] = body["errors"]
    assert (found["element_id"], found["code"], found["params"]["kind"]) == (
        "wait",
        "expression_invalid",
        "timer",
    )
    assert found["message"].startswith("Wait: the timer expression has an error: «'P' + giorni +»")
    assert texts == ["L'espressione del timer di «Wait» ha un errore: «'P' + giorni +»."]


@pytest.mark.parametrize(
    ("name", "value", "code", "message", "text"),
    [
        (
            "dueIn", "P3X", "bad_due",
            "Fill: the due date (dueIn) 'P3X' is not a valid ISO 8601 duration of at most 100 "
            "years (e.g. P10D, PT4H, P1M)",
            "«Fill»: la scadenza «P3X» non è una durata valida di al massimo 100 anni (per "
            "esempio P10D per 10 giorni, PT4H per 4 ore, P1M per un mese).",
        ),
        (
            "dueIn", "giorni +", "expression_invalid",
            "Fill: the due date (dueIn) expression has an error: «giorni +» (invalid syntax at "
            "statement: 'giorni +')",
            "L'espressione della scadenza di «Fill» ha un errore: «giorni +». Scrivi una durata "
            "(per esempio P10D per 10 giorni) o un'espressione sui dati del caso.",
        ),
        (
            "organization", "comune cremona", "expression_invalid",
            "Fill: the organization expression has an error: «comune cremona» (invalid syntax "
            "at statement: 'comune cremona')",
            "L'espressione dell'organizzazione titolare di «Fill» ha un errore: «comune "
            "cremona». Scrivi il codice di un'organizzazione della rete (per esempio "
            "comune_cremona) o un'espressione sui dati del caso.",
        ),
        (
            "organization", "comune_cremna", "unknown_organization",
            "Fill: the organization 'comune_cremna' is not an organisation of the network, nor "
            "a name the case data holds (case_owner, a multi-instance item or a form field)",
            "«Fill»: «comune_cremna» non è un'organizzazione della rete né un dato del caso "
            "(l'organizzazione titolare, l'elemento di un'attività ripetuta o un campo di un "
            "modulo).",
        ),
        (
            "priority", "whenever", "bad_priority",
            "Fill: the priority 'whenever' is not a number nor one of low, normal, high, urgent",
            "«Fill»: la priorità «whenever» non è un numero né una delle priorità previste "
            "(bassa, normale, alta, urgente).",
        ),
        (
            "priority", "5000", "priority_out_of_range",
            "Fill: the priority '5000' is out of range: use 0 to 1000 or a name",
            "«Fill»: la priorità «5000» è fuori dall'intervallo: usa un numero da 0 a 1000 o una "
            "delle priorità previste.",
        ),
        (
            "assignee", "boss", "unknown_assignee",
            "Fill: the assignee 'boss' must be one of named, case_manager, cav_operator",
            "«Fill»: l'assegnazione «boss» non esiste; si può assegnare alla persona nominata "
            "nel caso, al case manager o all'operatrice del Centro antiviolenza.",
        ),
        (
            "formKey", "colloquio", "unknown_form",
            "Fill: the form 'colloquio' (formKey) is neither in the bundle nor deployed",
            "«Fill» usa il modulo «colloquio», che non è né pubblicato né caricato insieme.",
        ),
        (
            "escalation", "P1D:shout", "bad_escalation_action",
            "Fill: the escalation ladder names the unknown action 'shout'; use one of "
            "notify_assignee, notify_group, notify_coordinators, review_task",
            "«Fill»: i solleciti usano l'azione «shout», che non esiste; le azioni sono: avvisa "
            "l'assegnatario, avvisa il gruppo, avvisa i coordinatori dell'organizzazione, apri "
            "un riesame al Comitato tecnico operativo.",
        ),
        (
            "escalation", "tre giorni:notify_group", "bad_escalation_delay",
            "Fill: in the escalation ladder, 'tre giorni' is not a valid duration: 'tre giorni' "
            "is not an ISO 8601 duration such as P30D or P6M",
            "«Fill»: nei solleciti «tre giorni» non è una durata valida di al massimo 100 anni "
            "(per esempio P3D per 3 giorni).",
        ),
    ],
)  # fmt: skip
def test_a_task_property_that_cannot_be_used_is_said_in_words(
    network: Engine,
    client: FlaskClient,
    name: str,
    value: str,
    code: str,
    message: str,
    text: str,
) -> None:
    body, texts = checked(network, client, task_property(name, value))
    [found] = body["errors"]
    assert (found["element_id"], found["name"], found["code"]) == ("fill", "Fill", code)
    assert found["message"] == message
    assert texts == [text]


@pytest.mark.parametrize(
    ("name", "value", "code", "message", "text"),
    [
        (
            "retentionPeriod", "dieci anni", "bad_retention",
            "Script task: retentionPeriod 'dieci anni' is not a positive ISO 8601 duration such "
            "as P10Y",
            "«Script task»: il periodo di conservazione «dieci anni» non è una durata positiva "
            "(per esempio P10Y per 10 anni).",
        ),
        (
            "restricted", "forse", "bad_restricted",
            "Script task: the property restricted must be true or false, not 'forse'",
            "«Script task»: la proprietà «Riservato» vale «forse», ma può essere solo true (sì) "
            "o false (no).",
        ),
        (
            "caseOwner", "titolare(", "expression_invalid",
            "Script task: the case owner (caseOwner) expression has an error: «titolare(» "
            "('(' was never closed at statement: 'titolare(')",
            "L'espressione del titolare del caso di «Script task» ha un errore: «titolare(». "
            "Una parentesi aperta non viene chiusa.",
        ),
        (
            "escalation", "P1D:shout", "bad_escalation_action",
            "Script task: the escalation ladder names the unknown action 'shout'; use one of "
            "notify_assignee, notify_group, notify_coordinators, review_task",
            "«Script task»: i solleciti usano l'azione «shout», che non esiste; le azioni sono: "
            "avvisa l'assegnatario, avvisa il gruppo, avvisa i coordinatori "
            "dell'organizzazione, apri un riesame al Comitato tecnico operativo.",
        ),
    ],
)  # fmt: skip
def test_a_process_property_that_cannot_be_used_is_said_in_words(
    network: Engine,
    client: FlaskClient,
    name: str,
    value: str,
    code: str,
    message: str,
    text: str,
) -> None:
    body, texts = checked(network, client, process_property(name, value))
    [found] = body["errors"]
    assert (found["element_id"], found["name"], found["code"]) == (
        "script_task",
        "Script task",
        code,
    )
    assert found["message"] == message
    assert texts == [text]


def test_a_service_task_calling_no_service_is_said_in_words(
    network: Engine, client: FlaskClient
) -> None:
    xml = script("x = 1").replace(
        '<bpmn:scriptTask id="compute" name="Compute">',
        '<bpmn:serviceTask id="compute" name="Compute"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="send_fax"><spiffworkflow:parameters />'
        "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements>",
    )
    xml = xml.replace("<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>", "</bpmn:serviceTask>")
    body, texts = checked(network, client, xml)
    [found] = body["errors"]
    assert (found["element_id"], found["code"]) == ("compute", "unknown_service")
    assert found["message"] == "Compute calls the service 'send_fax', which no handler provides"
    assert texts == ["«Compute» richiama il servizio «send_fax», che Percorsi non offre."]


def test_a_flow_leading_nowhere_is_said_by_its_place(network: Engine, client: FlaskClient) -> None:
    xml = script("x = 1").replace(
        'sourceRef="compute" targetRef="review"', 'sourceRef="compute" targetRef="Activity_0zz"'
    )
    body, texts = checked(network, client, xml)
    [found] = body["errors"]
    assert (found["element_id"], found["code"], found["label"]) == (
        "f3",
        "flow_no_target",
        {"kind": "sequenceFlow", "after": ["Compute"]},
    )
    assert found["message"] == (
        "the unnamed flow from «Compute»: its targetRef 'Activity_0zz' names no element of "
        "its process"
    )
    assert texts == ["Flusso senza nome da «Compute» non arriva ad alcun elemento del processo."]


@pytest.mark.parametrize("script", ["<bpmn:script>  </bpmn:script>", ""])
def test_a_script_task_without_a_script_is_refused(
    network: Engine, client: FlaskClient, script: str
) -> None:
    xml = SCRIPT.replace("<bpmn:script>SCRIPT</bpmn:script>", script)
    body, texts = checked(network, client, unnamed(xml, "compute", "Compute"))
    [found] = body["errors"]
    assert (found["element_id"], found["code"]) == ("Activity_0x1b2", "script_missing")
    assert found["message"] == (
        "the unnamed script task after «Fill» is a script task without a script: a case would "
        "stop there"
    )
    assert texts == [
        "Attività script senza nome dopo «Fill» è un'attività script senza script: un caso si "
        "fermerebbe lì."
    ]


def test_a_name_too_long_to_store_is_said_cut_short(network: Engine, client: FlaskClient) -> None:
    xml = script("x = 1").replace('name="Fill"', f'name="{"Colloquio " * 30}"')
    body, texts = checked(network, client, xml)
    [found] = body["errors"]
    said = ("Colloquio " * 8)[:79] + "…"
    assert (found["element_id"], found["code"], found["label"]) == (
        "fill",
        "too_long",
        {"name": said},
    )
    assert (found["params"]["kind"], found["params"]["size"]) == ("task_name", "255")
    assert found["message"] == f"{said}: the task name is longer than 255 characters"
    assert texts == [f"«{said}»: il nome dell'attività supera i 255 caratteri."]


def test_a_process_id_the_modeler_cannot_publish_is_said_in_words(
    network: Engine, client: FlaskClient
) -> None:
    xml = script("x = 1").replace('id="script_task"', 'id="1 percorso"')
    [found] = modeler_check(network, client, xml)
    assert (found["code"], found["name"], found["params"]["value"]) == (
        "bad_process_id",
        "Script task",
        "1 percorso",
    )
    assert found["text"] == (
        "«Script task»: l'identificativo del processo «1 percorso» deve iniziare con una "
        "lettera e contenere solo lettere, cifre, _ e - (al massimo 120)."
    )


@pytest.mark.parametrize(
    ("kind", "source", "text"),
    [
        ("script", "x = 1\ny = (2", "Ha un errore alla riga 2: «y = (2». "
         "Una parentesi aperta non viene chiusa."),
        ("condition", "esito = 'si'", "Ha un errore: «esito = 'si'». "
         "Per confrontare due valori si scrive «==», non «=»."),
        ("expression", "().__class__", "Ha un errore: «().__class__». "
         "I nomi che iniziano con «_» non sono ammessi."),
    ],
)  # fmt: skip
def test_trying_code_that_does_not_compile_says_the_line_and_the_mistake(
    network: Engine, client: FlaskClient, kind: str, source: str, text: str
) -> None:
    open_ui_session(client, network, "clara")
    with client.session_transaction() as session:
        session["csrf_token"] = "token"
    tried = client.post(
        "/models/check",
        json={"kind": kind, "source": source},
        headers={"X-CSRF-Token": "token", "Accept-Language": "it"},
    )
    assert tried.status_code == 200
    assert (tried.get_json()["outcome"], tried.get_json()["text"]) == ("refused", text)
