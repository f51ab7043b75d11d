"""The English words of each deploy problem (engine/spiff/structure.py `named_problem`): the
API's `message`. The UI says the same problems in the reader's language from their `code` and
`params` (web/ui/modelwords.py).
"""

from __future__ import annotations

# English wording of each problem; {name} is the element's name (its kind and place when it has
# none).
MESSAGES = {
    "no_incoming": "{name} has no incoming sequence flow: nothing leads to it",
    "no_outgoing": "{name} has no outgoing sequence flow: a case would stop there",
    "unreachable": "{name} cannot be reached from the start event",
    "no_way_to_end": "no end event can be reached from {name}",
    "no_default": (
        "{name}: every outgoing flow has a condition and none is the default flow; "
        "a case whose data matches no condition would stop"
    ),
    "no_start": "{name} has no start event",
    "bad_timer": "{name}: the timer {value!r} is not {expected}",
    "unknown_call": (
        "{name} calls the process {value!r}, which is neither deployed nor in the upload"
    ),
    "task_no_name": "{name} is a user task without a name: operators would not know it",
    "task_no_form": "{name} is a user task without a form",
    "task_no_due": "{name} is a user task without a due date",
    "task_no_groups": "{name} is a user task that no group can work on",
    "unknown_role": "{name} is offered to {value!r}, which is not a role that works on tasks",
    "unknown_message": "{name} uses the message {value!r}, which the model does not declare",
    "message_not_caught": "{name} sends the message {value!r}, which no process waits for",
    "message_unused": "the message {value!r} is neither sent nor awaited by any process",
    "unknown_helper": "{name} calls {value!r}, which is not a helper model code may use",
    # model code that does not compile (engine/spiff/code_checks.py); {value}: the line of code
    # refused, {detail}: the sandbox's own reason
    "script_invalid": "{name}: the {expected} has an error{at}: «{value}» ({detail})",
    "condition_invalid": "{name}: a condition of its outgoing flows has an error{at}: «{value}» "
    "({detail})",
    "expression_invalid": "{name}: the {expected} has an error{at}: «{value}» ({detail})",
    # task and process properties
    "bad_due": (
        "{name}: the due date (dueIn) {value!r} is not a valid ISO 8601 duration of at most "
        "100 years (e.g. P10D, PT4H, P1M)"
    ),
    "unknown_form": "{name}: the form {value!r} (formKey) is neither in the bundle nor deployed",
    "unknown_assignee": (
        "{name}: the assignee {value!r} must be one of named, case_manager, cav_operator"
    ),
    "bad_priority": (
        "{name}: the priority {value!r} is not a number nor one of low, normal, high, urgent"
    ),
    "priority_out_of_range": (
        "{name}: the priority {value!r} is out of range: use 0 to 1000 or a name"
    ),
    "bad_escalation_action": (
        "{name}: the escalation ladder names the unknown action {value!r}; use one of "
        "notify_assignee, notify_group, notify_coordinators, review_task"
    ),
    "bad_escalation_delay": (
        "{name}: in the escalation ladder, {value!r} is not a valid duration: {detail}"
    ),
    "bad_retention": (
        "{name}: retentionPeriod {value!r} is not a positive ISO 8601 duration such as P10Y"
    ),
    "bad_restricted": "{name}: the property restricted must be true or false, not {value!r}",
    "unknown_organization": (
        "{name}: the organization {value!r} is not an organisation of the network, nor a name "
        "the case data holds (case_owner, a multi-instance item or a form field)"
    ),
    "unknown_service": "{name} calls the service {value!r}, which no handler provides",
    "script_missing": "{name} is a script task without a script: a case would stop there",
    "too_long": "{name}: the {expected} is longer than {size} characters",
    "bad_process_id": (
        "{name}: the process id {value!r} must start with a letter and hold only letters, "
        "digits, _ and - (at most 120)"
    ),
    # references SpiffWorkflow would misread
    "flow_no_source": "{name}: its sourceRef {value!r} names no element of its process",
    "flow_no_target": "{name}: its targetRef {value!r} names no element of its process",
    "unknown_flow_ref": "{name}: {value!r} names no sequence flow",
    # what SpiffWorkflow's parser refuses (SPIFF_REFUSALS)
    "flow_no_condition": (
        "{name} leaves an exclusive gateway without a condition and is not its default flow"
    ),
    "call_no_process": "{name} is a call activity that names no process to call",
    "service_missing": "{name} is a service task that calls no service",
    "subprocess_start": "{name} is a subprocess that needs exactly one start event",
}
# How SpiffWorkflow's parser words the refusals that have a code (the start of its message).
SPIFF_REFUSALS = (
    ("Non-default exclusive outgoing sequence flow without condition", "flow_no_condition"),
    ('No "calledElement" attribute for Call Activity', "call_no_process"),
    ("A Service Task must have an operator", "service_missing"),
    ("Exactly one start event is required in a SubWorkflow", "subprocess_start"),
)
TIMER_KINDS = {
    "timeDuration": "an ISO 8601 duration such as P30D",
    "timeDate": "an ISO 8601 date such as 2026-01-31T09:00:00+01:00",
    "timeCycle": "an ISO 8601 repetition such as R3/P1W",
}
# The kinds of model code, in English.
CODE_KINDS = {
    "script": "script",
    "prescript": "script run before the task",
    "postscript": "script run after the task",
    "condition": "condition",
    "timer": "timer expression",
    "message": "message payload",
    "dueIn": "due date (dueIn) expression",
    "organization": "organization expression",
    "caseOwner": "case owner (caseOwner) expression",
}
# The names Percorsi stores, in English (too long to store: "too_long").
STORED_NAMES = {
    "process_id": "process id",
    "process_name": "process name",
    "element_id": "element id",
    "task_name": "task name",
    "group": "group",
    "form_key": "form key",
}
# A problem's `expected` (a timer's kind, a kind of model code, a stored name) in English.
EXPECTED = {**TIMER_KINDS, **CODE_KINDS, **STORED_NAMES}
