"""The exercise scope (issue 9): every connection is checked against the reference solution.

The headline connections (``must_allow``/``must_deny``) are what the
statement talks about; the rest of the scope must keep the verdict the
reference solution gives it, so an over-permissive answer fails even when its
headline connections are right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netpol_lab.exercises import (
    ExerciseError,
    check,
    get_exercise,
    load_exercises,
    parse_exercise,
    validate_exercise,
)
from netpol_lab.exercises.format import DontCare, Scope, reference_path, solutions_dir
from netpol_lab.exercises.scope import PROBE_PORTS, expected_traffic, scope_lines, scope_ports

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = load_exercises()
IDS = list(EXERCISES)

MINIMAL = """
id: demo
title: demo
topic: ingress
difficulty: beginner
statement: demo
starter: ""
hints: [one, two]
must_allow: [production/frontend -> production/api 8080]
must_deny: [staging/frontend -> production/api 8080]
"""


def test_solutions_are_found_beside_the_exercises_folder(tmp_path):
    assert solutions_dir() == ROOT / "solutions"
    assert solutions_dir(tmp_path / "exercises") == tmp_path / "solutions"
    ex = EXERCISES["ingress-01-frontend-only"]
    assert reference_path(ex) == ROOT / "solutions" / "ingress-01-frontend-only.yaml"


@pytest.mark.parametrize("exercise_id", IDS)
def test_reference_passes_starter_fails_headline_agrees(exercise_id):
    """For every exercise: the headline connections agree with the reference's table,
    the reference passes the whole scope, the starter fails it."""
    ex = EXERCISES[exercise_id]
    traffic = expected_traffic(ex)
    assert traffic is not None and traffic.size > 100
    reference = check(ex, reference_path(ex))
    assert reference.passed, reference.reason
    assert [w for w in reference.wrong if w.headline] == []  # headline == reference table
    assert not check(ex, ex.starter).passed


def test_over_permissive_answer_outside_the_headline_fails():
    """The issue's example: debugging-01's answer that also opens the api to monitoring."""
    ex = get_exercise("debugging-01-label-typo")
    reference = reference_path(ex).read_text()
    assert check(ex, reference).passed
    assert "podSelector: {}" not in reference
    loaded = check(ex, reference + "\n---\n" + """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: monitoring-too, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {name: monitoring}}}]}]
""")
    assert not loaded.passed
    wrong = [w for w in loaded.wrong if not w.headline]
    assert wrong and all(w.requirement.source.startswith("monitoring/") for w in wrong)
    assert all((w.expected, w.actual) == (False, True) for w in wrong)


def test_all_ports_mistake_is_caught_on_a_probe_port():
    """Dropping ``ports`` opens every port: the probe port 7777 catches it."""
    ex = get_exercise("ingress-01-frontend-only")
    answer = reference_path(ex).read_text().replace(
        "      ports:\n        - protocol: TCP\n          port: 8080\n", "")
    assert "port: 8080" not in answer
    result = check(ex, answer)
    assert not result.passed
    assert {(w.verdict.connection.port, w.verdict.connection.protocol)
            for w in result.wrong} >= {(7777, "TCP"), (9090, "TCP")}


def test_scope_ports_declared_then_probes():
    ex = get_exercise("ingress-01-frontend-only")
    ports = scope_ports(ex)
    declared = {(cp.port, cp.protocol) for ep in ex.cluster.endpoints for cp in ep.ports}
    assert set(ports) == declared | set(PROBE_PORTS) | {(n + 1, p) for n, p in declared}
    assert len(ports) == len(set(ports))


def test_scope_and_dont_care_fields_are_read():
    ex = parse_exercise(MINIMAL + """
scope:
  sources: ["production/*"]
  destinations: [production/api]
  ports: [8080, 53/udp]
  probes: false
dont_care:
  - connection: "production/cache -> production/api"
    reason: the cache never calls anyone
""")
    assert ex.scope == Scope(("production/*",), ("production/api",), ("8080", "53/udp"), False)
    assert ex.dont_care == (DontCare("production/cache -> production/api",
                                     "the cache never calls anyone"),)
    assert scope_ports(ex) == [(8080, "TCP"), (53, "UDP")]


def test_dont_care_connections_are_not_checked(tmp_path):
    """A connection marked dont_care is left out of the scope, and its reason is shown."""
    (tmp_path / "exercises").mkdir()
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "demo.yaml").write_text("""
kind: NetworkPolicy
metadata: {name: api, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}], ports: [{port: 8080}]}]
""")
    text = MINIMAL + """
dont_care:
  - connection: "production/cache -> production/api"
    reason: the cache never calls anyone
"""
    (tmp_path / "exercises" / "demo.yaml").write_text(text)
    ex = load_exercises(tmp_path / "exercises")["demo"]
    assert validate_exercise(ex) == []
    cache_too = (tmp_path / "solutions" / "demo.yaml").read_text().replace(
        "{app: frontend}}}]", "{app: frontend}}}, {podSelector: {matchLabels: {app: cache}}}]")
    assert check(ex, cache_too).passed
    db_too = cache_too.replace("app: cache", "app: database")
    result = check(ex, db_too)
    assert not result.passed
    assert {w.requirement.source for w in result.wrong} == {"production/database"}
    assert any("the cache never calls anyone" in line for line in scope_lines(ex))
    assert expected_traffic(ex).ignored == len(scope_ports(ex))


def test_validate_reports_dont_care_over_a_headline_connection_and_bad_scope(tmp_path):
    ex = parse_exercise(MINIMAL + """
scope: {sources: ["nowhere/*"]}
dont_care:
  - {connection: "staging/* -> production/api 8080", reason: whatever}
""")
    problems = "\n".join(validate_exercise(ex))
    assert "scope.sources: 'nowhere/*' matches no endpoint" in problems
    assert "dont_care[0] (staging/* -> production/api 8080) covers the headline" in problems
    assert "has no reference solution" in problems


def test_validate_reports_a_reference_that_disagrees_with_the_headline(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "demo.yaml").write_text("""
kind: NetworkPolicy
metadata: {name: api, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{ports: [{port: 8080}]}]
""")
    (tmp_path / "exercises" / "demo.yaml").write_text(MINIMAL)
    ex = load_exercises(tmp_path / "exercises")["demo"]
    assert validate_exercise(ex) == [
        "the reference solution disagrees with the exercise: staging/frontend → production/api "
        "8080/TCP should be denied, but it is allowed"]


@pytest.mark.parametrize(("extra", "field", "message"), [
    ("scope: [a]\n", "scope", "scope must be a mapping"),
    ("scope: {colour: blue}\n", "scope.colour", "unknown field 'colour'"),
    ("scope: {ports: [http]}\n", "scope.ports[0]", "'http' is not a port"),
    ("scope: {ports: [80/ICMP]}\n", "scope.ports[0]", "ICMP"),
    ("scope: {probes: maybe}\n", "scope.probes", "true or false"),
    ("dont_care: {connection: a}\n", "dont_care", "must be a list"),
    ("dont_care: [a -> b]\n", "dont_care[0]", "must be a mapping"),
    ("dont_care: [{connection: a -> b}]\n", "dont_care[0].reason", "has no 'reason'"),
    ("dont_care: [{connection: a -> b, reason: x, why: y}]\n", "dont_care[0].why",
     "unknown field"),
    ("dont_care: [{connection: nonsense, reason: x}]\n", "dont_care[0].connection",
     "cannot read the connection"),
])
def test_scope_and_dont_care_errors_name_the_field(extra, field, message):
    with pytest.raises(ExerciseError) as info:
        parse_exercise(MINIMAL + extra)
    assert info.value.path == field
    assert message in str(info.value)


def test_without_a_reference_the_check_says_it_checked_only_the_headline(tmp_path):
    """A hand-out copied without solutions/ still checks the headline, and says so."""
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "demo.yaml").write_text(MINIMAL)
    ex = load_exercises(tmp_path / "exercises")["demo"]
    result = check(ex, """
kind: NetworkPolicy
metadata: {name: api, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{ports: [{port: 8080}]}]
""")
    assert result.checked == 2 and not result.passed
    assert any("only the exercise's 2 headline connections were checked" in n
               for n in result.notes)
