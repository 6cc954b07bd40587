"""Quiz widgets as Python objects: predict before reveal, scoring, exercise checking, hints.

The answer key of every prediction is the engine's verdict (issue 4), and a
learner never meets a traceback: bad input shows up as a problem in the widget.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

import netpol_lab as nl
from netpol_lab.exercises import get_exercise, load_exercises
from netpol_lab.quiz import ExerciseWidget, Predict, PredictRound

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
INGRESS = nl.article_yaml("api-ingress")


def shown_text(widget) -> str:
    """Everything a widget tree currently displays (HTML values, labels, button captions)."""
    parts = []
    for attr in ("value", "description"):
        value = getattr(widget, attr, None)
        if isinstance(value, str):
            parts.append(value)
    for child in getattr(widget, "children", ()):
        parts.append(shown_text(child))
    return "\n".join(parts)


def test_verdict_is_hidden_until_the_learner_answers():
    q = Predict("staging/frontend", "production/api", 8080, INGRESS)
    assert not q.revealed and q.choice is None and q.correct is None
    assert q.verdict.reason not in html.unescape(shown_text(q))
    assert "DENIED" not in shown_text(q)
    assert q.answer("denied") is True
    assert q.revealed and q.correct
    text = html.unescape(shown_text(q))
    assert "✓ Right:" in text and "denied" in text
    assert q.verdict.explain() in text
    assert q.allowed_button.disabled and q.denied_button.disabled


def test_wrong_prediction_says_so_with_glyph_and_words():
    q = Predict("production/frontend", "production/api", 8080, INGRESS)
    assert q.answer("denied") is False
    text = html.unescape(q.feedback.value)
    assert "✗ Not quite:" in text and "the connection is <b>allowed</b>" in text
    assert "allowed by api-ingress rule 1" in text
    assert q.answer("allowed") is False  # only the first answer counts


@pytest.mark.parametrize(("source", "destination", "port", "protocol"), [
    ("production/frontend", "production/api", 8080, "TCP"),
    ("monitoring/prometheus", "production/api", "metrics", "TCP"),
    ("monitoring/prometheus", "production/api", 8080, "TCP"),
    ("production/api", "kube-system/coredns", 53, "UDP"),
    ("partner-api", "production/api", 9090, "TCP"),
])
def test_answer_key_comes_from_the_engine(source, destination, port, protocol):
    engine = nl.evaluate(nl.default_cluster(), nl.load_policies(INGRESS), source, destination,
                         port, protocol)
    right = Predict(source, destination, port, INGRESS, protocol=protocol)
    wrong = Predict(source, destination, port, INGRESS, protocol=protocol)
    assert right.verdict.allowed == engine.allowed
    assert right.answer(engine.allowed) is True
    assert wrong.answer(not engine.allowed) is False


def test_clicking_the_buttons_answers():
    q = Predict("production/frontend", "production/api", 8080, INGRESS)
    q.allowed_button.click()
    assert q.correct is True and q.allowed_button.description.startswith("▶")


def test_questions_are_written_from_the_connection_or_given():
    q = Predict("production/api", "kube-system/coredns", 53, [], protocol="UDP")
    assert q.question == ("Can production/api open a connection to kube-system/coredns on "
                          "UDP 53?")
    named = Predict("monitoring/prometheus", "production/api", "metrics", INGRESS)
    assert "its port 'metrics'" in named.question
    custom = Predict("production/frontend", "production/api", 8080, INGRESS,
                     question="Will the web tier reach the API?")
    assert "Will the web tier reach the API?" in shown_text(custom)


def test_invalid_policies_show_a_problem_not_an_exception():
    q = Predict("production/frontend", "production/api", 8080, "kind: NetworkPolicy\n  bad: [")
    assert q.verdict is None and q.problems
    assert q.allowed_button.disabled
    assert q.answer("allowed") is None and not q.revealed
    assert "This question cannot be asked" in q.feedback.value


def test_unknown_endpoint_is_a_problem():
    q = Predict("production/nobody", "production/api", 8080, INGRESS)
    assert q.verdict is None
    assert "no pod or external endpoint called 'production/nobody'" in html.unescape(
        q.feedback.value)


def test_bad_choice_is_refused():
    with pytest.raises(ValueError, match="'allowed' or 'denied'"):
        Predict("production/frontend", "production/api", 8080, INGRESS).answer("maybe")


def test_round_keeps_score_and_moves_on_only_after_an_answer():
    r = PredictRound([
        ("production/frontend", "production/api", 8080),
        ("production/api", "kube-system/coredns", 53, "UDP"),
        {"source": "staging/frontend", "destination": "production/api", "port": 8080,
         "question": "And the staging frontend?"},
    ], INGRESS)
    assert len(r.predicts) == 3 and r.index == 0
    assert r.next_button.disabled
    assert r.answer("allowed") is True
    assert not r.next_button.disabled
    assert r.status.value == "Score: 1 of 1 answered."
    assert r.next() and r.current is r.predicts[1]
    assert r.answer("denied") is False  # DNS is open: nothing isolates these pods for egress
    assert r.next()
    assert "And the staging frontend?" in shown_text(r)
    assert r.answer("denied") is True
    assert r.finished and r.score == 2 and not r.next()
    assert r.status.value == "Round over: 2 of 3 right."
    assert r.progress.value == "<b>Question 3 of 3</b>"


def test_round_with_bad_input_shows_problems():
    r = PredictRound([("production/frontend", "production/api")], INGRESS)
    assert r.predicts == [] and "3 or 4 items" in str(r.problems[0])
    assert r.answer("allowed") is None
    broken = PredictRound([("a", "b", 1)], "kind: NetworkPolicy\nmetadata: {name: x\n")
    assert broken.problems and "This round cannot start" in shown_text(broken)


def test_exercise_widget_shows_statement_starter_and_checks():
    w = ExerciseWidget("ingress-01-frontend-only")
    assert w.editor.value == w.exercise.starter
    assert "netpol-exercise-editor" in w.editor._dom_classes
    assert "Only the frontend may call the API" in shown_text(w)
    result = w.check()
    assert result is w.result and not result.passed and w.attempts == 1
    text = html.unescape(w.feedback.value)
    assert "✗ Not yet:" in text
    for wrong in result.wrong:
        assert wrong.connection in text
        assert wrong.explanation in text
    assert "1 connection that must be open" in text
    assert "Stuck? Press <b>Hint</b> for a nudge (3 hints left)." in text
    w.hint()
    assert "(2 hints left)" in w.feedback.value
    w.editor.value = (SOLUTIONS / "ingress-01-frontend-only.yaml").read_text()
    w.check_button.click()
    assert w.result.passed and w.attempts == 2
    assert "✓ Passed:" in w.feedback.value


def test_exercise_widget_invalid_yaml_shows_a_problem():
    w = ExerciseWidget(get_exercise("ports-01-one-port"))
    w.editor.value = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nspec: [\n"
    result = w.check()
    assert result.status == "invalid"
    assert "Not checked yet" in w.feedback.value and "line" in w.feedback.value
    w.editor.value = w.exercise.starter.replace("port: 9090", "port: http-alt-name-too-long")
    assert w.check().problems[0].path == "spec.ingress[0].ports[0].port"


def test_hints_are_revealed_one_by_one():
    w = ExerciseWidget("selectors-01-or-two-items")
    hints = w.exercise.hints
    assert w.hint_button.description == f"Hint ({len(hints)} left)"
    assert w.hint() == hints[0]
    assert "Hint 1 of 2" in w.hints_box.value and "Hint 2" not in w.hints_box.value
    w.hint_button.click()
    assert w.revealed_hints == list(hints)
    assert w.hint_button.disabled and w.hint() is None


def test_reset_and_given_policies():
    w = ExerciseWidget("egress-04-both-ends-must-allow")
    assert "Policies already applied" in shown_text(w)
    w.editor.value = "changed"
    w.check()
    w.reset_button.click()
    assert w.editor.value == w.exercise.starter and w.feedback.value == "" and w.result is None


def test_unknown_exercise_is_shown_not_raised():
    w = ExerciseWidget("no-such-exercise")
    assert w.exercise is None and w.check() is None and w.hint() is None
    assert w.check_button.disabled
    assert "This exercise cannot be shown" in shown_text(w)


def test_every_exercise_renders_and_its_starter_gives_feedback():
    """Notebooks leave exercises unsolved: Check on the starter must show feedback."""
    for ex in load_exercises().values():
        w = ExerciseWidget(ex)
        result = w.check()
        assert result is not None and not result.passed, ex.id
        assert w.feedback.value.count("✗") >= 1


def test_exercise_widget_shows_the_cluster_with_namespace_labels():
    """debugging-02 is about namespace labels: the learner must be able to see them."""
    inline = shown_text(ExerciseWidget("debugging-02-namespace-label"))
    assert "this exercise's own cluster" in inline
    assert "monitoring: kubernetes.io/metadata.name=monitoring\n" in html.unescape(inline)
    default = html.unescape(shown_text(ExerciseWidget("ipblock-03-pod-ip-caveat")))
    assert "the course's default cluster" in default
    assert "production/api  10.244.1.12  app=api, tier=backend" in default


def test_exercise_widget_names_the_headline_not_a_sample_of_the_scope():
    """The intro lists the statement's connections and says the rest of the scope is
    checked, without listing it (a learner could tune an answer to a list of samples)."""
    w = ExerciseWidget("debugging-01-label-typo")
    text = shown_text(w)
    assert "everything else in scope as the statement says" in text
    for connection in w.exercise.must_allow + w.exercise.must_deny:
        assert str(connection).split(" -> ")[0] in text
    assert "kube-system/coredns → monitoring/prometheus" not in text
    assert "7777/TCP" in text  # the probe ports are named, not the connections


def test_exercise_widget_names_the_trap_at_once_and_suggests_a_fix_from_the_second_check():
    w = ExerciseWidget("selectors-02-and-same-item")
    w.check()
    first = html.unescape(w.feedback.value)
    assert "for 2 reasons" in first and "Trap:" in first and "AND split into OR" in first
    assert first.count("Trap:") == 1  # both causes are the same trap: said once
    assert "Help:" not in first
    w.check()
    assert "Help:</i> put from[0] and from[1]" in html.unescape(w.feedback.value)
