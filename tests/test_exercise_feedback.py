"""Feedback that names the mistake (issue 9): causes, the course's traps, verified fixes.

Each test gives a typical wrong answer and checks that the feedback names
*that* mistake in a sentence or two (and not a neighbouring one), and that a
suggested edit really fixes the connections without breaking others.
"""

from __future__ import annotations

import pytest

from netpol_lab.exercises import check, get_exercise

MONITORING_TOO = """
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}},
                    {namespaceSelector: {matchLabels: {name: monitoring}}}],
             ports: [{port: 8080}]}]
"""


def first(exercise_id: str, answer: str | None = None, attempt: int = 2):
    ex = get_exercise(exercise_id)
    result = check(ex, ex.starter if answer is None else answer, attempt=attempt)
    assert not result.passed and result.diagnoses
    return result, result.diagnoses[0]


@pytest.mark.parametrize(("exercise_id", "trap"), [
    ("selectors-02-and-same-item", "AND split into OR: from[0] and from[1]"),
    ("egress-02-dns-after-default-deny", "DNS forgotten"),
    ("egress-04-both-ends-must-allow", "Both ends must allow"),
    ("policy-types-01-egress-ignored", "policyTypes: api-egress has egress rules but "
                                       "policyTypes ['Ingress']"),
    ("policy-types-02-default-adds-ingress", "policyTypes default: api-egress has no "
                                             "policyTypes"),
    ("ipblock-03-pod-ip-caveat", "ipBlock used for pods"),
    ("ports-03-named-port", "Named port: allow-scrape rule 1 names the port 'metric'"),
    ("ports-04-port-range", "endPort: api-port-range rule 1's range 8000-8099 does not "
                            "include 8999"),
    ("debugging-05-wrong-namespace", "Wrong namespace: database-ingress is in namespace "
                                     "default"),
    ("debugging-01-label-typo", "Selector typo: api-ingress rule 1's from[0] podSelector asks "
                                "for app=front-end"),
    ("debugging-02-namespace-label", "Label key: api-ingress rule 2's from[0] namespaceSelector "
                                     "asks for name=monitoring"),
    ("selectors-03-namespace-not-pod", "Pod or namespace: allow-scraping rule 1's from[0] has "
                                       "a podSelector name=monitoring"),
])
def test_the_starters_trap_is_named_and_its_hint_given(exercise_id, trap):
    result, diagnosis = first(exercise_id)
    assert diagnosis.trap.startswith(trap)
    assert result.hint == diagnosis.trap  # the hint for this mistake, not the next of a list
    assert diagnosis.trap in result.summary()


def test_missing_namespace_selector_is_named_with_its_fix():
    answer = """
kind: NetworkPolicy
metadata: {name: allow-scrape, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: prometheus}}}], ports: [{port: 9090}]}]
"""
    result, _ = first("ports-03-named-port", answer)
    [diagnosis] = [d for d in result.diagnoses if d.trap]  # the others: pods left open
    assert diagnosis.trap.startswith("Missing namespaceSelector: allow-scrape rule 1's from[0] "
                                     "has a podSelector alone")
    assert diagnosis.suggestion.startswith(
        "add `namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}` to "
        "from[0] of rule 1 of allow-scrape")
    assert diagnosis.suggestion.endswith("checked: it fixes this connection and changes "
                                         "nothing else in scope")


def test_a_peer_too_many_is_one_cause_with_its_rule_item_and_a_verified_removal():
    _, diagnosis = first("ingress-01-frontend-only", MONITORING_TOO)
    assert diagnosis.cause == ("api-ingress, ingress rule 1 (spec.ingress[0]): from[1] admits "
                               "every pod in namespaces name=monitoring: 1 connection that must "
                               "stay closed")
    assert diagnosis.path == "api-ingress spec.ingress[0].from[1]"
    assert diagnosis.trap is None  # two OR items may be meant: AND would not fix this
    assert diagnosis.suggestion.startswith("remove from[1] from rule 1 of api-ingress")
    fixed = MONITORING_TOO.replace(",\n                    {namespaceSelector: {matchLabels: "
                                   "{name: monitoring}}}", "")
    assert check("ingress-01-frontend-only", fixed).passed  # the suggestion really fixes it


def test_a_rule_without_ports_is_named_as_such():
    answer = MONITORING_TOO.replace(",\n             ports: [{port: 8080}]", "").replace(
        ",\n                    {namespaceSelector: {matchLabels: {name: monitoring}}}", "")
    _, diagnosis = first("ingress-01-frontend-only", answer)
    assert "on every port, as the rule has no `ports`" in diagnosis.cause
    assert "7777/TCP" in " ".join(w.connection for w in diagnosis.wrong)
    assert diagnosis.suggestion.startswith(
        "add `ports: [{protocol: TCP, port: 8080}]` to rule 1 of api-ingress")


def test_suggestions_wait_for_the_second_attempt_traps_do_not():
    ex = get_exercise("selectors-02-and-same-item")
    one, two = check(ex, ex.starter, attempt=1), check(ex, ex.starter, attempt=2)
    assert "help: " not in one.summary() and "help: put from[0] and from[1]" in two.summary()
    assert "trap: AND split into OR" in one.summary()


def test_suggestions_never_break_a_right_connection():
    """Every suggestion shown for the starters was verified on the whole scope: applying it
    removes wrong connections and adds none (checked here by its own promise)."""
    from netpol_lab.exercises import load_exercises

    shown = 0
    for ex in load_exercises().values():
        result = check(ex, ex.starter, attempt=2)
        for d in result.diagnoses:
            if d.suggestion:
                shown += 1
                assert "changes nothing else in scope" in d.suggestion
    assert shown >= 8


def test_causes_are_in_json_and_grouped_counts_add_up():
    result, _ = first("empty-selectors-01-same-namespace")
    data = result.to_dict()
    assert sum(c["count"] for c in data["causes"]) == len(result.wrong) == len(data["wrong"])
    assert all(c["examples"] for c in data["causes"])


def test_suggestions_have_a_budget_so_a_huge_answer_stays_fast(monkeypatch):
    """Each candidate edit costs a whole-scope evaluation: a check tries at most
    SUGGESTION_BUDGET of them, largest causes first."""
    from netpol_lab.exercises import diagnosis

    ex = get_exercise("selectors-02-and-same-item")
    monkeypatch.setattr(diagnosis, "SUGGESTION_BUDGET", 1)
    result = check(ex, ex.starter, attempt=2)
    assert [d.suggestion is not None for d in result.diagnoses] == [True, False]
    monkeypatch.setattr(diagnosis, "SUGGESTION_BUDGET", 40)
    assert all(d.suggestion for d in check(ex, ex.starter, attempt=2).diagnoses)
