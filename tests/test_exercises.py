"""Exercises: the course's exercise files, their solutions, and semantic checking.

Checking is semantic (issue 4): any set of policies that yields the required
traffic passes, and the feedback names each wrong connection with the
engine's explanation and the next hint.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import netpol_lab as nl
from netpol_lab.exercises import (
    DIFFICULTIES,
    TOPICS,
    ExerciseError,
    check,
    counts,
    exercises_dir,
    get_exercise,
    load_exercises,
    parse_exercise,
    validate_exercise,
)
from netpol_lab.lint import lint

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = load_exercises()
IDS = list(EXERCISES)
NO_REFERENCE = (f"the exercise has no reference solution ({SOLUTIONS / 'demo.yaml'} is missing): "
                "only its headline connections can be checked")


def test_default_directory_is_the_repository_folder():
    """The default exercises are the repository's top-level exercises/ folder."""
    assert exercises_dir() == ROOT / "exercises"
    assert {p.stem for p in (ROOT / "exercises").glob("*.yaml")} == set(EXERCISES)


def test_at_least_30_exercises_across_topics_and_difficulties():
    """≥30 exercises; every topic has ≥3, every difficulty level is well represented."""
    assert len(EXERCISES) >= 30
    table = counts(EXERCISES.values())
    for topic in TOPICS:
        assert sum(table[topic].values()) >= 4, topic
        assert all(table[topic][level] >= 1 for level in DIFFICULTIES), topic
    per_level = Counter(ex.difficulty for ex in EXERCISES.values())
    assert set(per_level) == set(DIFFICULTIES)
    assert min(per_level.values()) >= 5
    assert sum(sum(row.values()) for row in table.values()) == len(EXERCISES)


def test_every_exercise_has_one_solution_and_two_or_three_hints():
    assert {p.stem for p in SOLUTIONS.glob("*.yaml")} == set(EXERCISES)
    for ex in EXERCISES.values():
        assert 2 <= len(ex.hints) <= 3, ex.id
        assert ex.statement and ex.title, ex.id


@pytest.mark.parametrize("exercise_id", IDS)
def test_exercise_is_consistent(exercise_id):
    """No connection is required both allowed and denied, loopback is never required
    denied, every endpoint exists, and the given policies alone do not pass."""
    assert validate_exercise(EXERCISES[exercise_id]) == []


@pytest.mark.parametrize("exercise_id", IDS)
def test_solution_passes(exercise_id):
    result = check(EXERCISES[exercise_id], SOLUTIONS / f"{exercise_id}.yaml")
    assert result.passed, result.summary()
    assert result.status == "passed" and result.hint is None and result.reason == ""


@pytest.mark.parametrize("exercise_id", IDS)
def test_starter_fails(exercise_id):
    ex = EXERCISES[exercise_id]
    result = check(ex, ex.starter)
    assert not result.passed
    assert result.wrong or result.problems


def test_feedback_lists_each_wrong_connection_with_the_engine_explanation():
    """A wrong answer names each wrong connection, expected vs actual, and why."""
    ex = get_exercise("ingress-01-frontend-only")
    result = check(ex, ex.starter)
    assert result.status == "failed"
    [wrong] = result.wrong
    assert (wrong.expected, wrong.actual) == (True, False)
    assert wrong.describe() == ("production/frontend → production/api 8080/TCP should be "
                                "allowed, but it is denied")
    expected = nl.evaluate(ex.cluster, nl.load_policies(ex.starter), "production/frontend",
                           "production/api", 8080).explain()
    assert wrong.explanation == expected
    assert "api-ingress has no ingress rules" in wrong.explanation
    text = result.summary()
    assert f"✗ Not yet: 1 of {result.checked} connections" in text
    assert result.checked > 1000  # the whole scope, compared with the reference solution
    assert expected.splitlines()[0] in text
    assert f"Hint: {ex.hints[0]}" in text
    markdown = result.summary("markdown")
    assert markdown.startswith("## ingress-01-frontend-only") and "```" in markdown


def test_hints_progress_with_attempts():
    ex = get_exercise("ingress-01-frontend-only")
    hints = [check(ex, ex.starter, attempt=n).hint for n in (1, 2, 3, 4, 10)]
    assert hints == [ex.hints[0], ex.hints[1], ex.hints[2], ex.hints[2], ex.hints[2]]


def test_checking_is_semantic_any_equivalent_answer_passes():
    """Answers that differ from the reference but yield the same traffic pass."""
    ex = get_exercise("ingress-04-two-sources")
    by_shared_label = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-tier-to-api, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {matchLabels: {tier: web}}}]
      ports: [{port: 8080}]
"""
    assert check(ex, by_shared_label).passed
    two_policies = """
kind: NetworkPolicy
metadata: {name: one, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}], ports: [{port: 8080}]}]
---
kind: NetworkPolicy
metadata: {name: two, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: mobile-bff}}}], ports: [{port: 8080}]}]
"""
    assert check(ex, two_policies).passed
    too_wide = by_shared_label.replace("podSelector: {matchLabels: {tier: web}}",
                                       "namespaceSelector: {}")
    result = check(ex, too_wide)
    assert not result.passed
    sources = {w.requirement.source for w in result.wrong}
    assert {"production/database", "staging/frontend"} <= sources  # the headline ones
    assert {"monitoring/prometheus", "staging/api"} <= sources  # and the rest of the scope


def test_invalid_yaml_is_a_failed_check_with_a_reason_not_an_exception():
    ex = get_exercise("ingress-01-frontend-only")
    result = check(ex, "kind: NetworkPolicy\nmetadata: {name: x\n")
    assert result.status == "invalid" and not result.passed and not result.wrong
    assert isinstance(result.problems[0], nl.ParseError)
    assert result.reason.startswith("invalid: ") and "line" in result.reason
    assert "Fix the problem" in result.hint


def test_rejected_field_is_reported_with_its_path():
    ex = get_exercise("ports-01-one-port")
    result = check(ex, ex.starter.replace("port: 9090", "port: 70000"))
    assert result.status == "invalid"
    assert result.problems[0].path == "spec.ingress[0].ports[0].port"
    assert "spec.ingress[0].ports[0].port" in result.summary()


def test_an_answer_without_policies_is_a_problem():
    ex = get_exercise("ingress-01-frontend-only")
    for empty in ("", "# nothing yet\n", []):
        result = check(ex, empty)
        assert result.status == "invalid"
        assert "holds no NetworkPolicy" in result.reason


def test_other_kinds_and_cluster_objects_in_an_answer_are_noted_and_ignored():
    ex = get_exercise("ingress-01-frontend-only")
    answer = (SOLUTIONS / "ingress-01-frontend-only.yaml").read_text() + (
        "---\nkind: Service\nmetadata: {name: api}\n---\nkind: Namespace\n"
        "metadata: {name: staging, labels: {app: frontend}}\n")
    result = check(ex, answer)
    assert result.passed
    assert any("Service api" in n for n in result.notes)
    assert any("cluster objects" in n for n in result.notes)


def test_given_policies_are_applied_with_the_answer():
    """egress-04: the given api-ingress and frontend egress stay in force."""
    ex = get_exercise("egress-04-both-ends-must-allow")
    assert [p.name for p in ex.given_policies()] == ["api-ingress", "frontend-egress"]
    result = check(ex, ex.starter)
    [wrong] = result.wrong
    assert wrong.verdict.egress.status == "denied"
    assert wrong.verdict.ingress.status == "allowed"


def test_named_port_requirement_is_resolved_on_the_destination():
    ex = get_exercise("ports-03-named-port")
    [wrong] = check(ex, ex.starter).wrong
    assert wrong.describe() == ("monitoring/prometheus → production/api 9090/TCP (metrics) "
                                "should be allowed, but it is denied")


def test_expected_table_matches_the_traffic_table_of_the_solution():
    """A whole-table exercise checks every row of the table in scope."""
    ex = get_exercise("least-privilege-03-three-tier-ingress")
    reqs = ex.requirements()
    solution = nl.load_policies(SOLUTIONS / f"{ex.id}.yaml")
    table = nl.traffic_table(ex.cluster, solution)
    table = table[table.destination.str.startswith("production/")]
    assert len(reqs) == len(table)
    actual = {(r.source, r.destination, r.port, r.protocol): r.allowed
              for r in table.itertuples()}
    assert {(r.source, r.destination, r.port, r.protocol): r.expected for r in reqs} == actual
    # every endpoint (13) -> frontend, the 6 other listed rows, and 5 loopback rows of the
    # other production pods' ports (a pod always reaches itself)
    assert sum(r.expected for r in reqs) == 13 + 6 + 5


MINIMAL = """
id: demo
title: demo
topic: ingress
difficulty: beginner
statement: demo
starter: ""
hints: [one, two]
"""


def test_validate_finds_contradictions_loopback_and_unknown_endpoints():
    ex = parse_exercise(MINIMAL + """
must_allow:
  - monitoring/prometheus -> production/api metrics
  - production/nobody -> production/api 8080
must_deny:
  - monitoring/prometheus -> production/api 9090/TCP
  - production/api -> production/api 8080
""")
    problems = "\n".join(validate_exercise(ex))
    assert "required both allowed and denied" in problems
    assert "can always reach itself" in problems
    assert "'production/nobody'" in problems


def test_validate_finds_one_sided_requirements_and_given_only_solutions():
    only_allow = parse_exercise(MINIMAL + "must_allow: [production/frontend -> production/api 80]")
    assert validate_exercise(only_allow) == [
        "no connection is required denied: allowing everything would pass", NO_REFERENCE]
    solved = parse_exercise(MINIMAL + """
given: |
  kind: NetworkPolicy
  metadata: {name: deny, namespace: production}
  spec: {podSelector: {matchLabels: {app: api}}}
must_allow: [production/api -> production/frontend 80]
must_deny: [production/frontend -> production/api 8080]
""")
    assert validate_exercise(solved) == [
        "the given policies alone already pass: there is nothing to do", NO_REFERENCE]


@pytest.mark.parametrize(("extra", "field", "message"), [
    ("topic: dns\n", "topic", "unknown topic 'dns'"),
    ("must_allow: [production/frontend to production/api]\n", "", "cannot read the connection"),
    ("colour: blue\n", "colour", "unknown field 'colour'"),
    ("cluster: {pods: [{name: Bad_Name}]}\n", "cluster.pods[0].name", "not a valid"),
])
def test_parse_errors_name_the_field(extra, field, message):
    text = MINIMAL.replace("topic: ingress\n", "") if extra.startswith("topic") else MINIMAL
    with pytest.raises(ExerciseError) as info:
        ex = parse_exercise(text + extra)
        ex.requirements()
    assert info.value.path == field
    assert message in info.value.message


def test_file_name_must_match_id(tmp_path):
    (tmp_path / "other-name.yaml").write_text(MINIMAL)
    with pytest.raises(ExerciseError, match="differs from the file name"):
        load_exercises(tmp_path)


def test_environment_variable_selects_the_exercise_folder(tmp_path, monkeypatch):
    (tmp_path / "demo.yaml").write_text(MINIMAL + "must_allow: [production/a -> production/b 1]")
    monkeypatch.setenv("NETPOL_LAB_EXERCISES", str(tmp_path))
    assert list(load_exercises()) == ["demo"]
    assert get_exercise("demo").hints == ("one", "two")


def test_unknown_exercise_lists_the_close_ones():
    with pytest.raises(ExerciseError) as info:
        get_exercise("ingress-0")
    assert "ingress-01-frontend-only" in str(info.value)
    assert "egress-01" not in info.value.expected


def test_inline_cluster_is_used():
    ex = get_exercise("debugging-02-namespace-label")
    assert ex.cluster_name == "inline"
    assert ex.cluster.namespace_labels("monitoring") == {
        "kubernetes.io/metadata.name": "monitoring"}


def test_lint_warnings_about_the_answer_only_and_from_the_second_attempt():
    """Lint advice covers the learner's policies, not the exercise's given ones."""
    ex = get_exercise("debugging-02-namespace-label")
    first, second = check(ex, ex.starter), check(ex, ex.starter, attempt=2)
    assert [w.code for w in first.warnings] == ["NPL502"]
    assert "NPL502" not in first.summary() and "NPL502" in second.summary()
    given = get_exercise("policy-types-05-someone-elses-policy")
    assert {w.code for w in lint(given.cluster, given.given_policies())} == {"NPL303", "NPL401"}
    result = check(given, SOLUTIONS / f"{given.id}.yaml")
    assert result.passed and result.warnings == ()  # the given policy's traps are not the learner's


def test_whole_table_feedback_groups_the_wrong_rows_by_cause_and_explains_the_first():
    """18 wrong rows with one cause are one diagnosis: count, examples, one explanation."""
    ex = get_exercise("least-privilege-03-three-tier-ingress")
    result = check(ex, ex.starter)
    assert len([w for w in result.wrong if w.headline]) == 18
    [cause] = result.diagnoses
    assert cause.count == len(result.wrong)
    assert cause.cause.startswith("default-deny-ingress isolates the destination for ingress "
                                  "with no ingress rule: ")
    text = result.summary(explained=2)
    assert "for one reason" in text and f"(and {cause.count - 3} more)" in text
    assert all(example in text for example in cause.examples())
    assert text.count("DENIED\n") + text.count("ALLOWED\n") == 1
    assert result.reason.count("e.g.") == 1 and "1 cause:" in result.reason


def test_same_name_replaces_as_kubectl_apply_would():
    """A policy is identified by namespace/name: the answer's replaces a given one."""
    ex = get_exercise("egress-02-dns-after-default-deny")
    open_egress = """
kind: NetworkPolicy
metadata: {name: default-deny-egress, namespace: production}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""
    result = check(ex, open_egress)
    assert any("replaces the already applied policy" in n for n in result.notes)
    assert {w.requirement.destination for w in result.wrong} >= {"partner-api"}  # egress reopened
    twice = (SOLUTIONS / f"{ex.id}.yaml").read_text()
    result = check(ex, twice + "---\n" + twice.replace("port: 53", "port: 5353"))
    assert not result.passed
    assert any("defined twice" in n for n in result.notes)


INERT = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: selects-nothing, namespace: production}
spec:
  podSelector: {matchLabels: {app: no-such-app}}
  policyTypes: [Ingress, Egress]
"""


@pytest.mark.parametrize("exercise_id", IDS)
def test_check_depends_only_on_the_traffic(exercise_id):
    """Reordering the documents or adding a policy that selects no pod changes nothing."""
    ex = EXERCISES[exercise_id]
    docs = (SOLUTIONS / f"{exercise_id}.yaml").read_text().split("\n---\n")
    assert check(ex, "\n---\n".join([*reversed(docs), INERT])).passed
