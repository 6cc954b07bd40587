"""Exercise content: every reference answer is exactly as tight as its statement, and lint
agrees with the exercises (issue 9).

The whole-scope check makes the reference solution define what is right, so these tests
pin the content: the tightenings the review made (each tested with the looser answer it
now rejects), the ``dont_care`` and ``blocks_on_purpose`` declarations (each true of the
reference), and the rule that following a lint warning on a reference answer never fails
its exercise.
"""

from __future__ import annotations

import re

import pytest

import netpol_lab as nl
from netpol_lab.engine import Scenario, peer_matches
from netpol_lab.exercises import ExerciseError, check, get_exercise, load_exercises, parse_exercise
from netpol_lab.exercises.format import parse_connection, reference_path
from netpol_lab.exercises.scope import scope_ports
from netpol_lab.lint import lint

EXERCISES = load_exercises()
IDS = sorted(EXERCISES)


def reference(exercise_id: str) -> str:
    return reference_path(EXERCISES[exercise_id]).read_text(encoding="utf-8")


def following(policies, warning):
    """The answer after doing what ``warning`` suggests: its policy replaced by the fix."""
    return [warning.suggestion if p.id == warning.policy else p for p in policies]


@pytest.mark.parametrize("exercise_id", IDS)
def test_following_a_lint_warning_on_the_reference_never_fails_the_exercise(exercise_id):
    """Every lint warning the check shows on a reference answer has a machine-applicable
    fix, and applying that fix still passes: lint never talks a learner out of a right
    answer. (Warnings the exercise blocks on purpose are left out of the check, with a
    note that says why.)"""
    policies = nl.load_policies(reference(exercise_id))
    result = check(exercise_id, policies)
    assert result.passed, result.reason
    for warning in result.warnings:
        assert warning.suggestion is not None, (
            f"{warning.code} appears on the reference with no fix to follow: {warning}")
        followed = check(exercise_id, following(policies, warning))
        assert followed.passed, f"following {warning.code} fails: {followed.reason}"


def test_following_the_dns_warning_used_to_fail_where_dns_is_blocked_on_purpose():
    """The judge can fail: where DNS is blocked on purpose, following NPL401 fails the
    exercise, which is why the check leaves that warning out and says why."""
    policies = nl.load_policies(reference("egress-01-api-to-database"))
    raw = [w for w in lint(EXERCISES["egress-01-api-to-database"].cluster, policies)
           if w.code == "NPL401"]
    assert len(raw) == 1
    assert not check("egress-01-api-to-database", following(policies, raw[0])).passed
    result = check("egress-01-api-to-database", policies)
    assert "NPL401" not in {w.code for w in result.warnings}
    assert any("NPL401" in note and "on purpose" in note for note in result.notes)


def _covered(exercise, entry):
    """The connections of the exercise's scope that a dont_care/blocks_on_purpose entry covers."""
    ports = scope_ports(exercise)
    for src in exercise.cluster.endpoints:
        for dst in exercise.cluster.endpoints:
            if src is dst or not (src.is_pod or dst.is_pod):
                continue
            for number, protocol in ports:
                if entry.covers(src.id, dst.id, number, protocol, dst):
                    yield src.id, dst.id, number, protocol


@pytest.mark.parametrize("exercise_id", [i for i in IDS if EXERCISES[i].blocks_on_purpose])
def test_what_an_exercise_blocks_on_purpose_its_reference_denies(exercise_id):
    """A ``blocks_on_purpose`` entry is true of the reference (every connection it covers
    is denied, unless it is also ``dont_care``) and needed (lint does warn about them on
    the reference)."""
    exercise = EXERCISES[exercise_id]
    policies = nl.load_policies(reference(exercise_id))
    scenario = Scenario(exercise.cluster, [*exercise.given_policies(), *policies])
    for entry in exercise.blocks_on_purpose:
        covered = list(_covered(exercise, entry))
        assert covered, f"{entry.connection} covers nothing in scope"
        opened = [c for c in covered if scenario.evaluate(*c).allowed and not any(
            d.covers(*c, exercise.cluster.endpoint(c[1])) for d in exercise.dont_care)]
        assert not opened, f"{entry.connection}: the reference allows {opened[:3]}"
    warned = {c for w in lint(scenario) for c in w.connections}
    assert any(entry.covers(*_conn(c), None) for c in warned
               for entry in exercise.blocks_on_purpose)


def _conn(text):
    req = parse_connection(text)
    return req.source, req.destination, req.port, req.protocol


@pytest.mark.parametrize("exercise_id", [i for i in IDS if EXERCISES[i].dont_care])
def test_dont_care_connections_really_do_not_matter(exercise_id):
    """Each ``dont_care`` entry covers connections in scope, and flipping them (opening or
    closing) in the reference's answer is what the entry is for: the reference passes
    either way because the check leaves them out."""
    exercise = EXERCISES[exercise_id]
    for entry in exercise.dont_care:
        assert list(_covered(exercise, entry)), f"{entry.connection} covers nothing in scope"
        assert len(entry.reason.split()) >= 8, "a dont_care reason is a sentence for learners"


# --- the tightenings of the review, each with the looser answer it rejects ---------------

DATA_TIER_BOTH_PORTS = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: data-tier, namespace: production}
spec:
  podSelector: {matchLabels: {tier: data}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}, {port: 6379}]}]
"""
DNS_PEER = ("    - to:\n        - namespaceSelector:\n            matchLabels:\n"
            "              kubernetes.io/metadata.name: kube-system\n"
            "          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n")


def _both_ports_on_both_data_pods(text: str) -> str:
    """least-privilege-03 in its old shape: the data pods share one policy and both ports."""
    text = re.sub(r"podSelector:\n    matchLabels:\n      app: (database|cache)\n",
                  "podSelector:\n    matchLabels:\n      tier: data\n", text)
    return text.replace("port: 6379", "port: 6379\n        - protocol: TCP\n          port: 5432")


LOOSE = {
    # exercise: how the looser answer is made from the reference
    "least-privilege-01-data-tier": lambda text: DATA_TIER_BOTH_PORTS,
    "least-privilege-03-three-tier-ingress": _both_ports_on_both_data_pods,
    "least-privilege-04-three-tier-egress": lambda text: text.replace(
        "cidr: 203.0.113.10/32", "cidr: 203.0.113.0/24"),
    "ports-03-named-port": lambda text: text.replace("port: metrics", "port: 9090"),
    "least-privilege-02-article-api-full-policy": lambda text: text.replace(DNS_PEER, "    -\n"),
    "debugging-03-dns-broken": lambda text: text.replace(DNS_PEER, "    -\n"),
    "egress-01-api-to-database": lambda text: text.replace("      ports:", (
        "    - to: [{namespaceSelector: {}}]\n      ports: [{protocol: UDP, port: 53}]\n"
        "    - to: [{podSelector: {matchLabels: {app: database}}}]\n      ports:"), 1),
}


@pytest.mark.parametrize("exercise_id", sorted(LOOSE))
def test_a_looser_answer_than_the_statement_fails(exercise_id):
    """The review tightened these references to their statements; the looser answer that
    used to be the reference (or that a hint used to accept) now fails, on the connections
    it opens too many."""
    text = reference(exercise_id)
    loose = LOOSE[exercise_id](text)
    assert loose != text
    result = check(exercise_id, loose)
    assert result.problems == ()
    assert not result.passed
    assert all(not w.expected for w in result.wrong), result.reason


TIGHTER_OR_EQUAL = [
    # right answers that differ from the reference only where the exercise does not care
    ("debugging-04-other-end", "    - ports:\n",
     "    - to:\n        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "
     "kube-system}}\n          podSelector: {matchLabels: {k8s-app: kube-dns}}\n      ports:\n"),
    ("ipblock-02-except", "              - 10.0.1.0/24\n",
     "              - 10.0.1.0/24\n              - 10.244.0.0/16\n"),
    ("egress-03-article-api-egress", "          port: 53\n",
     "          port: 53\n        - protocol: TCP\n          port: 53\n"),
    ("least-privilege-01-data-tier", None, None),
]


@pytest.mark.parametrize("exercise_id, old, new", TIGHTER_OR_EQUAL,
                         ids=[c[0] for c in TIGHTER_OR_EQUAL])
def test_right_answers_beside_the_reference_pass(exercise_id, old, new):
    """Where the statement leaves a choice (``dont_care``), or where another form is exact
    too (named ports on ``tier: data``), the other right answer passes."""
    text = reference(exercise_id)
    if old is None:  # least-privilege-01 with one policy and named ports, as hint 3 says
        text = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                "metadata: {name: data-tier, namespace: production}\nspec:\n"
                "  podSelector: {matchLabels: {tier: data}}\n  policyTypes: [Ingress]\n"
                "  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}],\n"
                "             ports: [{port: postgres}, {port: redis}]}]\n")
    else:
        assert old in text
        text = text.replace(old, new, 1)
    result = check(exercise_id, text)
    assert result.passed, result.reason


def test_ports_03_hints_do_not_accept_the_number():
    """The statement asks for the port named metrics and no other port: no hint may offer
    9090 as an equal alternative."""
    hints = " ".join(get_exercise("ports-03-named-port").hints)
    assert "or the number 9090" not in hints
    assert "9090 on every pod" in hints


@pytest.mark.parametrize("exercise_id", IDS)
def test_dns_rules_of_references_reach_the_dns_pods_only(exercise_id):
    """Where a reference opens DNS (a rule with port 53), the rule's peers are the DNS pods
    and nothing else, as the statements say ("the coredns pods"), except where the
    exercise marks DNS to other destinations as not mattering."""
    exercise = EXERCISES[exercise_id]
    dns = {ep.id for ep in exercise.cluster.endpoints if any(cp.port == 53 for cp in ep.ports)}
    for policy in nl.load_policies(reference(exercise_id)):
        for rule in policy.egress:
            if not any(entry.port == 53 for entry in rule.ports):
                continue
            if not rule.peers:
                assert exercise.dont_care, f"{policy.id}: port 53 to every destination"
                continue
            reached = {ep.id for ep in exercise.cluster.endpoints
                       if any(peer_matches(peer, policy.namespace, ep, exercise.cluster)
                              for peer in rule.peers)}
            assert reached <= dns, f"{policy.id}: DNS rule also reaches {reached - dns}"
            for peer in rule.peers:
                assert peer.ip_block is not None or (
                    peer.pod_selector is not None and not peer.pod_selector.is_empty), (
                    f"{policy.id}: a DNS peer picks a whole namespace, not the DNS pods")


CLOSING = re.compile(r"nothing else|anything else|nothing outside|nobody else|everyone else|everything else|no other|"
                     r"nowhere else|stays? (?:out|as|closed|in force)|must not|not even|"
                     r"nothing (?:may|in|but)|only|never|is denied|must stay", re.IGNORECASE)


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_statement_says_what_else_must_stay_closed(exercise_id):
    """Least privilege is the course's principle, and the check compares the whole scope:
    every statement says in words what else stays closed (a guard for new exercises, not
    a proof of good prose)."""
    assert CLOSING.search(" ".join(EXERCISES[exercise_id].statement.split())), (
        "the statement does not say what else must stay closed")


MINIMAL = """\
id: demo
title: Demo
topic: egress
difficulty: beginner
statement: Only the database, nothing else.
must_allow: ["production/api -> production/database 5432"]
must_deny: ["production/api -> production/cache 6379"]
hints: [one]
"""


@pytest.mark.parametrize("value, path", [
    ("blocks_on_purpose: DNS", "blocks_on_purpose"),
    ("blocks_on_purpose: [DNS]", "blocks_on_purpose[0]"),
    ("blocks_on_purpose: [{connection: production/api -> kube-system/coredns}]",
     "blocks_on_purpose[0].reason"),
    ("blocks_on_purpose: [{connection: 'api coredns', reason: no DNS here}]",
     "blocks_on_purpose[0].connection"),
    ("blocks_on_purpose: [{connection: a -> b, reason: x, code: NPL401}]",
     "blocks_on_purpose[0].code"),
])
def test_blocks_on_purpose_errors_name_the_field(value, path):
    """A wrong ``blocks_on_purpose`` is an error with its field path, never a traceback."""
    with pytest.raises(ExerciseError) as info:
        parse_exercise(MINIMAL + value + "\n")
    assert info.value.path == path


def test_blocks_on_purpose_is_read():
    ex = parse_exercise(MINIMAL + "blocks_on_purpose:\n  - connection: production/api -> "
                        "kube-system/coredns\n    reason: no   DNS here\n")
    (entry,) = ex.blocks_on_purpose
    assert entry.reason == "no DNS here"
    assert entry.covers("production/api", "kube-system/coredns", 53, "UDP")
    assert not entry.covers("production/frontend", "kube-system/coredns", 53, "UDP")
