"""Mutation tests (issue 9): the exercise checker proven by the wrong answers it rejects.

For every exercise, the reference answer is rewritten systematically
(:mod:`netpol_lab.exercises.mutants`): over-permissive and other wrong
variants must fail whenever they change a verdict in scope, equivalent
rewrites must pass. The oracle that says whether a variant changes a verdict
is the full matrix product (or, on a few exercises, the per-connection
engine), not the checker's own path.
"""

from __future__ import annotations

from collections import Counter

import pytest

from netpol_lab.exercises import check, get_exercise, load_exercises
from netpol_lab.exercises.mutants import EQUIVALENT_KINDS, WRONG_KINDS, judge, mutants

EXERCISES = load_exercises()
IDS = list(EXERCISES)
JUDGED = {}


def judged(exercise_id: str):
    if exercise_id not in JUDGED:
        JUDGED[exercise_id] = judge(EXERCISES[exercise_id])
    return JUDGED[exercise_id]


@pytest.mark.parametrize("exercise_id", IDS)
def test_wrong_variants_fail_and_equivalents_pass(exercise_id):
    results = judged(exercise_id)
    wrong = [j for j in results if not j.mutant.equivalent]
    disagree = [(j.mutant.kind, j.mutant.where, j.changed, j.passed)
                for j in results if not j.agrees]
    assert disagree == []
    assert wrong, "the generator produced no wrong variant"
    assert any(j.changed and not j.passed for j in wrong), "no variant was rejected"
    for j in results:
        if j.mutant.equivalent:  # the rewrite really is equivalent, and it passes
            assert (j.changed, j.passed) == (0, True), (j.mutant.kind, j.mutant.where)


def test_every_kind_of_variant_is_generated_somewhere():
    kinds = Counter(m.kind for ex in EXERCISES.values() for m in mutants(ex))
    assert set(WRONG_KINDS) <= set(kinds), set(WRONG_KINDS) - set(kinds)
    assert set(EQUIVALENT_KINDS) <= set(kinds), set(EQUIVALENT_KINDS) - set(kinds)


def test_equivalents_exist_wherever_the_reference_has_a_selector_or_two_rules():
    """Every exercise gets at least one equivalent rewrite, except the two whose reference
    is a bare default deny (``podSelector: {}``, no rules, policyTypes written out) and
    the two whose one rule has one peer and no ports, with only empty selectors to
    rewrite (stay-in-cluster: ``namespaceSelector: {}``; block-metadata: one ipBlock)."""
    without = {ex_id for ex_id in IDS if not any(m.equivalent for m in mutants(EXERCISES[ex_id]))}
    assert without == {"ingress-03-namespace-default-deny",
                       "empty-selectors-04-deny-both-directions",
                       "empty-selectors-06-stay-in-cluster",
                       "egress-05-block-metadata"}


@pytest.mark.parametrize("exercise_id", ["debugging-01-label-typo", "ports-04-port-range",
                                         "least-privilege-05-shop"])
def test_the_per_connection_engine_agrees_as_oracle(exercise_id):
    results = judge(EXERCISES[exercise_id], oracle="engine")
    assert results and all(j.agrees for j in results)
    assert [j.changed for j in results] == [j.changed for j in judged(exercise_id)]


def test_a_mutant_that_opens_everything_is_explained_not_just_failed():
    ex = get_exercise("ingress-01-frontend-only")
    [mutant] = [m for m in mutants(ex) if m.kind == "namespaceSelector-all"]
    result = check(ex, list(mutant.manifests))
    assert not result.passed
    assert all((w.expected, w.actual) == (False, True) for w in result.wrong)
