"""Feedback a newcomer found misleading (issue 9 review): each answer gets the right diagnosis.

Each test is a wrong answer the review tried, with the sentence the feedback
must say and the wrong one it used to say instead.
"""

from __future__ import annotations

from pathlib import Path

from netpol_lab.exercises import check, get_exercise

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


def solution(exercise_id: str) -> str:
    return (SOLUTIONS / f"{exercise_id}.yaml").read_text()


def test_egress_isolation_not_asked_for_is_not_called_dns_forgotten():
    """Isolating a data pod for egress breaks all it sends; only DNS pods make it 'DNS'."""
    answer = solution("least-privilege-01-data-tier").replace(
        "  policyTypes:\n    - Ingress\n", "  policyTypes:\n    - Ingress\n    - Egress\n", 1)
    result = check("least-privilege-01-data-tier", answer, attempt=2)
    [diagnosis] = result.diagnoses
    assert diagnosis.trap.startswith("Egress not asked for: data-tier isolates "
                                     "production/database for egress")
    assert "DNS" not in diagnosis.trap
    # examples on ports the destination declares, not probe ports nothing listens on
    example = diagnosis.wrong[0].verdict.connection
    assert any(cp.port == example.port and cp.protocol == example.protocol
               for cp in example.destination.ports)
    assert diagnosis.suggestion.startswith("write `policyTypes: [Ingress]` in data-tier")


def test_selectors_01_with_egress_isolation_is_not_dns_forgotten():
    answer = solution("selectors-01-or-two-items").replace(
        "      app: api\n  ingress:", "      app: api\n  policyTypes: [Ingress, Egress]\n  ingress:")
    [diagnosis] = check("selectors-01-or-two-items", answer).diagnoses
    assert diagnosis.trap.startswith("Egress not asked for: api-or isolates production/api")


def test_dns_forgotten_still_named_when_dns_is_what_is_missing():
    result = check("egress-02-dns-after-default-deny", """
kind: NetworkPolicy
metadata: {name: allow-dns, namespace: production}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 192.0.2.0/24}}], ports: [{protocol: UDP, port: 53}]}]
""")
    trap = next(d.trap for d in result.diagnoses if d.trap)
    assert trap.startswith("DNS forgotten") and "(kube-system/coredns)" in trap


def test_an_egress_peer_without_namespace_selector_is_named_before_dns():
    answer = solution("egress-02-dns-after-default-deny").replace(
        "        - namespaceSelector:\n            matchLabels:\n"
        "              kubernetes.io/metadata.name: kube-system\n          podSelector:",
        "        - podSelector:")
    result = check("egress-02-dns-after-default-deny", answer, attempt=2)
    [diagnosis] = result.diagnoses
    assert diagnosis.trap.startswith("Missing namespaceSelector: allow-dns rule 1's to[0]")
    assert result.hint == diagnosis.trap
    assert "their only egress rule does not admit these" in diagnosis.cause  # not "none of 1"


def test_an_empty_namespace_selector_item_gets_its_own_hint_and_no_contrary_lint():
    answer = solution("selectors-01-or-two-items").replace(
        "        - namespaceSelector:\n            matchLabels:\n              name: monitoring",
        "        - namespaceSelector: {}")
    for attempt in (1, 3):
        result = check("selectors-01-or-two-items", answer, attempt=attempt)
        [diagnosis] = result.diagnoses
        assert diagnosis.trap.startswith("Empty namespaceSelector: from[1]")
        assert result.hint == diagnosis.trap  # not the fixed list's "its own leading dash"
        # NPL201 says "put both selectors in ONE item": the exercise asks for the OR form
        assert not [w for w in result.warnings if w.code == "NPL201"]
        # ports are not the problem: any port is fine for the peers the statement names
        assert "ports" not in diagnosis.cause


def test_a_rule_without_to_is_one_cause_whatever_the_protocol():
    answer = solution("egress-02-dns-after-default-deny")
    answer = answer[:answer.index("    - to:")] + (
        "    - ports:\n        - protocol: UDP\n          port: 53\n"
        "        - protocol: TCP\n          port: 53\n")
    result = check("egress-02-dns-after-default-deny", answer)
    [diagnosis] = result.diagnoses
    assert diagnosis.count == len(result.wrong)
    assert {w.verdict.connection.protocol for w in diagnosis.wrong} == {"UDP", "TCP"}
    assert "for one reason" in result.summary()


def test_the_hint_is_not_repeated_after_its_trap_line():
    ex = get_exercise("selectors-02-and-same-item")
    text = check(ex, ex.starter).summary()
    trap = check(ex, ex.starter).diagnoses[0].trap
    assert text.count(trap) == 1 and "Hint:" not in text


def test_namespace_selector_nested_under_pod_selector_says_where_it_goes():
    import pytest

    import netpol_lab as nl
    from netpol_lab.errors import NetpolError

    text = """
kind: NetworkPolicy
metadata: {name: api-and, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from:
        - podSelector:
            matchLabels: {app: frontend}
            namespaceSelector:
              matchLabels: {name: staging}
"""
    with pytest.raises(NetpolError) as info:
        nl.load_policies(text)
    assert info.value.path == "spec.ingress[0].from[0].podSelector.namespaceSelector"
    assert ("to AND it with the podSelector, write namespaceSelector at the same indentation "
            "as podSelector, in the same item (no dash)") in info.value.message
