"""Learning checks for the notebooks: predict a verdict, then see the engine's answer.

Three ipywidgets, thin layers over the core:

- :class:`Predict`: one question ("can A open a connection to B on port P?").
  The learner clicks *allowed* or *denied* first; only then is the verdict
  revealed, with the engine's explanation. The answer key is the engine's
  verdict, never a hand-written one.
- :class:`PredictRound`: several predictions in a row, one at a time, with a
  running score.
- :class:`ExerciseWidget`: an exercise's statement, a YAML editor prefilled
  with the starter, a Check button whose feedback lists each wrong
  connection with its explanation, and a Hint button that reveals the hints
  one by one.

Every widget is usable from Python too (``.answer(...)``, ``.check()``,
``.hint()``), which is how the tests drive them. A learner never sees a
traceback: problems with the input are shown in the widget.

Examples
--------
>>> import netpol_lab as nl
>>> q = Predict("staging/frontend", "production/api", 8080, nl.article_yaml("api-ingress"))
>>> q.revealed
False
>>> q.answer("allowed")
False
>>> q.revealed, q.verdict.allowed
(True, False)
>>> ex = ExerciseWidget("ingress-01-frontend-only")
>>> ex.check().passed
False
>>> len(ex.result.wrong), ex.hint() == ex.exercise.hints[0]
(1, True)
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from .documents import MAX_EDITOR_CHARS, read_text
from .engine import Scenario, Verdict
from .errors import NetpolError
from .exercises import CheckResult, Exercise, check, cluster_lines, get_exercise, problem_line
from .exercises.feedback import LISTED, SHOWN_CAUSES
from .exercises.scope import scope_lines
from .loader import read
from .model import Cluster
from .scenarios import default_cluster

# Okabe-Ito blue and vermillion: distinguishable with every common colour-vision
# deficiency, and always paired with a glyph and a word.
RIGHT_COLOUR = "#0072B2"
WRONG_COLOUR = "#D55E00"
RIGHT_GLYPH = "✓"
WRONG_GLYPH = "✗"

STYLE = f"""<style>
.netpol-exercise-editor textarea, .netpol-quiz pre {{ font-family: ui-monospace, SFMono-Regular,
  Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; line-height: 1.4;
  tab-size: 2; }}
.netpol-exercise-editor textarea {{ white-space: pre; }}
.netpol-quiz pre {{ background: #f6f6f6; padding: 6px 8px; margin: 4px 0; white-space: pre-wrap;
  overflow-wrap: break-word; word-break: normal; max-width: 100%; box-sizing: border-box; }}
.netpol-quiz-right {{ border-left: 6px solid {RIGHT_COLOUR}; padding: 4px 10px;
  background: #E4F0F8; }}
.netpol-quiz-wrong {{ border-left: 6px solid {WRONG_COLOUR}; padding: 4px 10px;
  background: #FBE9DD; }}
.netpol-quiz-note {{ border-left: 6px solid #999; padding: 4px 10px; background: #f2f2f2; }}
.netpol-quiz-question {{ font-size: 1.05em; margin: 4px 0; }}
.netpol-quiz .widget-html-content {{ line-height: 1.45; }}
.netpol-quiz .widget-html-content p {{ margin: 0.4em 0; }}
.netpol-quiz-badge {{ display: inline-block; border: 1px solid #888; border-radius: 3px;
  padding: 0 5px; margin-right: 4px; font-size: 0.85em; }}
</style>"""


def _esc(text: Any) -> str:
    return html.escape(str(text))


def _pre(text: str) -> str:
    return f"<pre>{_esc(text)}</pre>"


def _box(kind: str, body: str) -> str:
    return f'<div class="netpol-quiz-{kind}">{body}</div>'


def markdown_html(text: str) -> str:
    """A small, safe subset of markdown: paragraphs, ``- `` lists, `code` and **bold**.

    Examples
    --------
    >>> markdown_html("Use `podSelector: {}`.\\n\\n- one\\n- **two**")
    '<p>Use <code>podSelector: {}</code>.</p><ul><li>one</li><li><b>two</b></li></ul>'
    """
    def inline(line: str) -> str:
        out = _esc(line)
        out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
        return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)

    parts = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.split("\n")
        items: list[str] = []
        para: list[str] = []
        for line in lines:
            if line.lstrip().startswith("- "):
                if para:
                    parts.append("<p>" + " ".join(para) + "</p>")
                    para = []
                items.append(inline(line.lstrip()[2:]))
            elif items and line.startswith("  "):
                items[-1] += " " + inline(line.strip())
            else:
                if items:
                    parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
                    items = []
                para.append(inline(line.strip()))
        if para:
            parts.append("<p>" + " ".join(para) + "</p>")
        if items:
            parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
    return "".join(parts)


def _problems_html(problems: Sequence[NetpolError], heading: str) -> str:
    items = "".join(f"<li>{_pre(str(p))}</li>" for p in problems)
    return _box("wrong", f"<b>{WRONG_GLYPH} {_esc(heading)}</b><ul>{items}</ul>")


def _scenario(policies: Any, cluster: Cluster | None) -> tuple[Scenario | None, list]:
    """Compile the policies (YAML, path, objects or a Scenario) without raising."""
    if isinstance(policies, Scenario):
        return policies, []
    try:
        loaded = read(policies)
        if loaded.problems:
            return None, list(loaded.problems)
        base = cluster if cluster is not None else (
            loaded.cluster() if loaded.has_cluster else default_cluster())
        return Scenario(base, loaded.policies), []
    except NetpolError as exc:
        return None, [exc]


CHOICES = {"allowed": True, "allow": True, "yes": True, "denied": False, "deny": False,
           "no": False}


class Predict(widgets.VBox):
    """Predict one verdict, then see the engine's answer and explanation.

    Parameters
    ----------
    source, destination : str
        ``namespace/pod``, an external endpoint's name, or an IP address.
    port : int or str
        A number, ``"53/UDP"``, or the name of one of the destination's ports.
    policies : YAML text, path, list of NetworkPolicy, or a Scenario
        The policies in force (a Scenario brings its own cluster).
    cluster : Cluster, optional
        Default: the course's default cluster.
    protocol : str
        ``TCP`` (default), ``UDP`` or ``SCTP``.
    question : str, optional
        The question to show; by default it is written from the connection.

    Attributes
    ----------
    verdict : Verdict or None
        The engine's verdict (the answer key); None when the question cannot
        be asked (see ``problems``).
    choice : bool or None
        The learner's prediction (True for allowed) once given.
    revealed : bool
        Whether the verdict is shown.
    correct : bool or None
        Whether the prediction was right, once given.
    """

    def __init__(self, source: str, destination: str, port: int | str, policies: Any,
                 cluster: Cluster | None = None, protocol: str = "TCP",
                 question: str | None = None) -> None:
        self.source, self.destination, self.port, self.protocol = (source, destination, port,
                                                                   protocol)
        self.verdict: Verdict | None = None
        self.problems: list[NetpolError] = []
        self.choice: bool | None = None
        self.revealed = False
        self._callbacks: list[Callable[[Predict], None]] = []
        scenario, self.problems = _scenario(policies, cluster)
        if scenario is not None:
            try:
                self.verdict = scenario.evaluate(source, destination, port, protocol)
            except NetpolError as exc:
                self.problems = [exc]
        shown_port = port if not isinstance(port, int) else f"{protocol} {port}"
        if isinstance(port, str) and "/" not in port and not port.isdigit():
            shown_port = f"its port {port!r}"
        self.question = question or (f"Can {source} open a connection to {destination} on "
                                     f"{shown_port}?")
        self.allowed_button = widgets.Button(description=f"{RIGHT_GLYPH} allowed",
                                             tooltip="predict: the connection is allowed")
        self.denied_button = widgets.Button(description=f"{WRONG_GLYPH} denied",
                                            tooltip="predict: the connection is denied")
        self.allowed_button.on_click(lambda _b: self._click(True))
        self.denied_button.on_click(lambda _b: self._click(False))
        self.feedback = widgets.HTML()
        header = widgets.HTML(f'<div class="netpol-quiz-question"><b>Predict:</b> '
                              f"{_esc(self.question)}</div>")
        if scenario is not None and self.verdict is not None:
            names = ", ".join(p.name for p in scenario.policies) or "none"
            header.value += f"<div><small>Policies in force: {_esc(names)}</small></div>"
        if self.problems:
            self.allowed_button.disabled = self.denied_button.disabled = True
            self.feedback.value = _problems_html(self.problems, "This question cannot be asked:")
        super().__init__([widgets.HTML(STYLE), header,
                          widgets.HBox([self.allowed_button, self.denied_button]),
                          self.feedback])
        self.add_class("netpol-quiz")

    @property
    def correct(self) -> bool | None:
        if self.choice is None or self.verdict is None:
            return None
        return self.choice == self.verdict.allowed

    def on_answer(self, callback: Callable[[Predict], None]) -> None:
        """Call ``callback(self)`` once the learner has answered."""
        self._callbacks.append(callback)

    def answer(self, choice: bool | str) -> bool | None:
        """Give a prediction (``"allowed"``/``"denied"`` or a bool); returns whether it was right.

        Only the first answer counts; later calls return the first result.
        """
        if isinstance(choice, str):
            key = choice.strip().lower()
            if key not in CHOICES:
                raise ValueError(f"answer with 'allowed' or 'denied', not {choice!r}")
            choice = CHOICES[key]
        self._click(bool(choice))
        return self.correct

    def _click(self, choice: bool) -> None:
        if self.revealed or self.verdict is None:
            return
        try:
            self.choice = choice
            self.revealed = True
            self.allowed_button.disabled = self.denied_button.disabled = True
            picked = self.allowed_button if choice else self.denied_button
            picked.description = "▶ " + picked.description
            self.feedback.value = self._feedback_html()
            for callback in self._callbacks:
                callback(self)
        except Exception as exc:  # last resort: show it, never a traceback
            self.feedback.value = _box("wrong", f"Something went wrong inside netpol_lab: "
                                                f"{_esc(type(exc).__name__)}: {_esc(exc)}")

    def _feedback_html(self) -> str:
        verdict = self.verdict
        assert verdict is not None
        word = "allowed" if verdict.allowed else "denied"
        if self.correct:
            head = f"<b>{RIGHT_GLYPH} Right:</b> the connection is <b>{word}</b>."
        else:
            head = f"<b>{WRONG_GLYPH} Not quite:</b> the connection is <b>{word}</b>."
        body = (f"{head}<div>{_esc(verdict.reason)}</div>"
                f"<details open><summary>The engine's explanation</summary>"
                f"{_pre(verdict.explain())}</details>")
        return _box("right" if self.correct else "wrong", body)


def _question(item: Mapping | Sequence) -> dict:
    if isinstance(item, Mapping):
        known = {"source", "destination", "port", "protocol", "question"}
        unknown = set(item) - known
        if unknown:
            raise NetpolError(f"unknown question field {sorted(unknown)[0]!r}",
                              expected="source, destination, port, protocol, question")
        return dict(item)
    if not 3 <= len(item) <= 4:
        raise NetpolError(f"a question tuple has 3 or 4 items, not {len(item)}",
                          expected="(source, destination, port) or (source, destination, "
                                   "port, protocol)")
    return dict(zip(("source", "destination", "port", "protocol"), item, strict=False))


class PredictRound(widgets.VBox):
    """Several predictions in a row, one at a time, with a score.

    Parameters
    ----------
    questions : list of dict or tuple
        Each ``{"source", "destination", "port", "protocol"?, "question"?}`` or
        ``(source, destination, port[, protocol])``.
    policies : YAML text, path, list of NetworkPolicy, or a Scenario
        The policies in force for every question.
    cluster : Cluster, optional

    Attributes
    ----------
    predicts : list of Predict
    index : int
        The question shown (0-based).
    score : int
        How many answers were right so far.
    answered : int
    finished : bool
        True once every question is answered.

    Examples
    --------
    >>> import netpol_lab as nl
    >>> r = PredictRound([("production/frontend", "production/api", 8080),
    ...                   {"source": "staging/frontend", "destination": "production/api",
    ...                    "port": 8080}], nl.article_yaml("api-ingress"))
    >>> r.answer("allowed"), r.next(), r.answer("allowed")
    (True, True, False)
    >>> r.score, r.finished, r.status.value
    (1, True, 'Round over: 1 of 2 right.')
    """

    def __init__(self, questions: Sequence[Mapping | Sequence], policies: Any,
                 cluster: Cluster | None = None) -> None:
        self.predicts: list[Predict] = []
        self.problems: list[NetpolError] = []
        self.index = 0
        scenario, self.problems = _scenario(policies, cluster)
        if scenario is not None:
            try:
                specs = [_question(q) for q in questions]
            except NetpolError as exc:
                self.problems, specs = [exc], []
            for spec in specs:
                predict = Predict(spec["source"], spec["destination"], spec["port"], scenario,
                                  protocol=spec.get("protocol") or "TCP",
                                  question=spec.get("question"))
                predict.on_answer(lambda _p: self._refresh())
                self.predicts.append(predict)
        self.status = widgets.Label()
        self.progress = widgets.HTML()
        self.next_button = widgets.Button(description="Next question ▶", disabled=True)
        self.next_button.on_click(lambda _b: self.next())
        self.slot = widgets.Box([self.predicts[0]] if self.predicts else [])
        problems = widgets.HTML(_problems_html(self.problems, "This round cannot start:")
                                if self.problems else "")
        super().__init__([widgets.HTML(STYLE), problems, self.progress, self.slot,
                          widgets.HBox([self.next_button, self.status])])
        self.add_class("netpol-quiz")
        self._refresh()

    @property
    def current(self) -> Predict | None:
        return self.predicts[self.index] if self.predicts else None

    @property
    def answered(self) -> int:
        return sum(p.revealed for p in self.predicts)

    @property
    def score(self) -> int:
        return sum(bool(p.correct) for p in self.predicts)

    @property
    def finished(self) -> bool:
        return bool(self.predicts) and self.answered == len(self.predicts)

    def answer(self, choice: bool | str) -> bool | None:
        """Answer the current question; returns whether the prediction was right."""
        return self.current.answer(choice) if self.current else None

    def next(self) -> bool:
        """Show the next question; False when there is none."""
        if self.index + 1 >= len(self.predicts):
            return False
        self.index += 1
        self.slot.children = [self.predicts[self.index]]
        self._refresh()
        return True

    def _refresh(self) -> None:
        n = len(self.predicts)
        if not n:
            self.status.value = "No questions."
            return
        self.progress.value = f"<b>Question {self.index + 1} of {n}</b>"
        current = self.predicts[self.index]
        self.next_button.disabled = not current.revealed or self.index + 1 >= n
        if self.finished:
            self.status.value = f"Round over: {self.score} of {n} right."
        else:
            self.status.value = f"Score: {self.score} of {self.answered} answered."


class ExerciseWidget(widgets.VBox):
    """An exercise in the notebook: statement, editor, Check, feedback and hints.

    Parameters
    ----------
    exercise : Exercise or str
        The exercise or its id (looked up with
        :func:`~netpol_lab.exercises.get_exercise`).

    Attributes
    ----------
    exercise : Exercise or None
    editor : ipywidgets.Textarea
        Prefilled with the starter (CSS class ``netpol-exercise-editor``).
    result : CheckResult or None
        The last check's result.
    attempts : int
        How many times Check was pressed.
    revealed_hints : list of str
        The hints revealed so far, in order.
    problems : list of NetpolError
        Why the exercise could not be shown (an unknown id, say).
    """

    def __init__(self, exercise: Exercise | str) -> None:
        self.result: CheckResult | None = None
        self.attempts = 0
        self.revealed_hints: list[str] = []
        self.problems: list[NetpolError] = []
        self.exercise: Exercise | None = None
        try:
            self.exercise = get_exercise(exercise) if isinstance(exercise, str) else exercise
        except NetpolError as exc:
            self.problems = [exc]
        ex = self.exercise
        starter = ex.starter if ex else ""
        lines = min(max(starter.count("\n") + 2, 10), 40)
        self.editor = widgets.Textarea(value=starter, layout=widgets.Layout(
            width="100%", height=f"{lines * 1.45:.1f}em"))
        self.editor.add_class("netpol-exercise-editor")
        self.check_button = widgets.Button(description="Check", button_style="primary",
                                           tooltip="check your policy against the exercise")
        self.hint_button = widgets.Button(description="Hint", tooltip="reveal the next hint")
        self.reset_button = widgets.Button(description="Reset to starter",
                                           tooltip="put the starter policy back in the editor")
        self.check_button.on_click(lambda _b: self.check())
        self.hint_button.on_click(lambda _b: self.hint())
        self.reset_button.on_click(lambda _b: self.reset())
        self.feedback = widgets.HTML()
        self.hints_box = widgets.HTML()
        if ex is None:
            self.check_button.disabled = self.hint_button.disabled = True
            self.reset_button.disabled = True
            self.editor.disabled = True
            intro = widgets.HTML(_problems_html(self.problems, "This exercise cannot be shown:"))
        else:
            intro = widgets.HTML(self._intro_html(ex))
        self._update_hint_button()
        super().__init__([widgets.HTML(STYLE), intro, self.editor,
                          widgets.HBox([self.check_button, self.hint_button, self.reset_button]),
                          self.feedback, self.hints_box])
        self.add_class("netpol-quiz")

    @staticmethod
    def _intro_html(ex: Exercise) -> str:
        badges = "".join(f'<span class="netpol-quiz-badge">{_esc(b)}</span>'
                         for b in (ex.topic, ex.difficulty))
        parts = [f"<h3>{_esc(ex.title)}</h3><div>{badges}<code>{_esc(ex.id)}</code></div>",
                 markdown_html(ex.statement)]
        if ex.given.strip():
            given = ex.given.strip()
            opened = " open" if given.count("\n") < 20 else ""
            parts.append(f"<details{opened}><summary>Policies already applied (read-only: your "
                         f"policies are added to them)</summary>{_pre(given)}</details>")
        try:
            lines = ex.requirement_lines() + scope_lines(ex)
        except NetpolError as exc:
            return "".join(parts) + _problems_html([exc], "The exercise file is wrong:")
        rows = "".join(f"<li><code>{_esc(line)}</code></li>" for line in lines)
        parts.append("<details><summary>What the check looks at: the statement's connections, "
                     f"then everything else in scope</summary><ul>{rows}</ul></details>")
        which = ("this exercise's own cluster (not the course's default one)"
                 if ex.cluster_name == "inline" else "the course's default cluster")
        parts.append(f"<details{' open' * (ex.cluster_name == 'inline')}><summary>The cluster: "
                     f"{which}</summary>{_pre(chr(10).join(cluster_lines(ex.cluster)))}"
                     "</details>")
        return "".join(parts)

    def check(self) -> CheckResult | None:
        """Check the editor's policy; shows and returns the result (never raises)."""
        if self.exercise is None:
            return None
        self.attempts += 1
        try:
            text, _ = read_text(self.editor.value, max_bytes=MAX_EDITOR_CHARS)
            self.result = check(self.exercise, text, attempt=self.attempts)
            self.feedback.value = self._feedback_html(self.result)
        except NetpolError as exc:  # too long to check while the kernel waits
            self.result = None
            self.feedback.value = _box("wrong", _esc(str(exc)))
        except Exception as exc:  # last resort: show it, never a traceback
            self.result = None
            self.feedback.value = _box("wrong", "Something went wrong inside netpol_lab while "
                                       f"checking: {_esc(type(exc).__name__)}: {_esc(exc)}")
        return self.result

    def _feedback_html(self, result: CheckResult) -> str:
        if result.passed:
            body = (f"<b>{RIGHT_GLYPH} Passed:</b> all {result.checked} connections have the "
                    "required verdict.")
            notes = "".join(f"<div><small>Note: {_esc(n)}</small></div>" for n in result.notes)
            return _box("right", body + notes + self._warnings_html(result))
        if result.problems:
            items = "".join(f"<li><b>{_esc(problem_line(p))}</b>"
                            + (_pre(p.example) if p.example else "") + "</li>"
                            for p in result.problems)
            body = (f"<b>{WRONG_GLYPH} Not checked yet:</b> fix "
                    f"{'this problem' if len(result.problems) == 1 else 'these problems'} "
                    f"first.<ul>{items}</ul>")
        elif result.diagnoses:
            k = len(result.diagnoses)
            shown = result.diagnoses[:SHOWN_CAUSES]
            items = "".join(self._diagnosis_html(d, i, result.attempt,  # one trap, said once
                                                 trap=d.trap not in {e.trap for e in shown[:i]})
                            for i, d in enumerate(shown))
            if k > SHOWN_CAUSES:
                rest = sum(d.count for d in result.diagnoses[SHOWN_CAUSES:])
                more = k - SHOWN_CAUSES
                items += (f"<li>… and {more} more cause{'s' * (more != 1)} ({rest} "
                          f"connection{'s' * (rest != 1)}): fix these first, then check "
                          "again.</li>")
            body = (f"<b>{WRONG_GLYPH} Not yet:</b> {len(result.wrong)} of {result.checked} "
                    f"connections have the wrong verdict, "
                    f"{'for one reason' if k == 1 else f'for {k} reasons'}.<ol>{items}</ol>")
        else:
            items = "".join(
                f"<li><b>{_esc(w.describe())}</b><details{' open' * (i < 3)}><summary>why "
                f"(the engine's explanation)</summary>{_pre(w.explanation)}</details></li>"
                for i, w in enumerate(result.wrong[:LISTED]))
            more = len(result.wrong) - LISTED
            if more > 0:
                items += f"<li>… and {more} more</li>"
            body = (f"<b>{WRONG_GLYPH} Not yet:</b> {len(result.wrong)} of {result.checked} "
                    f"connections have the wrong verdict.<ul>{items}</ul>")
        left = len(result.exercise.hints) - len(self.revealed_hints)
        if left:
            body += (f"<div>Stuck? Press <b>Hint</b> for a nudge ({left} "
                     f"hint{'s' * (left != 1)} left).</div>")
        body += "".join(f"<div><small>Note: {_esc(n)}</small></div>" for n in result.notes)
        return _box("wrong", body + self._warnings_html(result))

    @staticmethod
    def _diagnosis_html(d, i: int, attempt: int, trap: bool = True) -> str:
        """One cause: what admitted or failed the connections, examples, trap, verified help."""
        more = f" (and {d.count - 3} more)" if d.count > 3 else ""
        parts = [f"<b>{_esc(d.cause)}.</b>",
                 f"<div><small>e.g. {_esc('; '.join(d.examples()))}{more}</small></div>"]
        if d.trap and trap:
            parts.append(f"<div><i>Trap:</i> {_esc(d.trap)}</div>")
        if d.suggestion and attempt >= 2:  # let the first attempt's thinking be the learner's
            parts.append(f"<div><i>Help:</i> {_esc(d.suggestion)}</div>")
        w = d.wrong[0]
        parts.append(f"<details{' open' * (i == 0)}><summary>why {_esc(w.connection)} is "
                     f"{'allowed' if w.actual else 'denied'} (the engine's explanation)"
                     f"</summary>{_pre(w.explanation)}</details>")
        return "<li>" + "".join(parts) + "</li>"

    @staticmethod
    def _warnings_html(result: CheckResult) -> str:
        if not result.warnings:
            return ""
        n = len(result.warnings)
        items = "".join(f"<li><code>{_esc(w.code)}</code> {_esc(w.policy)} "
                        f"<code>{_esc(w.path)}</code>: {_esc(w.message)} <i>Fix:</i> "
                        f"{_esc(w.fix)}</li>" for w in result.warnings)
        return (f"<details><summary>Lint found {n} thing{'s' * (n != 1)} worth a look (valid, "
                f"but often not what was meant)</summary><ul>{items}</ul></details>")

    def hint(self) -> str | None:
        """Reveal the next hint; returns it (None when all are shown)."""
        if self.exercise is None or len(self.revealed_hints) >= len(self.exercise.hints):
            return None
        text = self.exercise.hints[len(self.revealed_hints)]
        self.revealed_hints.append(text)
        n = len(self.exercise.hints)
        self.hints_box.value = _box("note", "".join(
            f"<div><b>Hint {i} of {n}:</b> {markdown_html(h)}</div>"
            for i, h in enumerate(self.revealed_hints, 1)))
        self._update_hint_button()
        if self.result is not None and not self.result.passed:
            self.feedback.value = self._feedback_html(self.result)  # "n hints left" changed
        return text

    def reset(self) -> None:
        """Put the starter back in the editor and clear the feedback."""
        if self.exercise is not None:
            self.editor.value = self.exercise.starter
            self.feedback.value = ""
            self.result = None

    def _update_hint_button(self) -> None:
        total = len(self.exercise.hints) if self.exercise else 0
        left = total - len(self.revealed_hints)
        self.hint_button.description = f"Hint ({left} left)" if left else "No more hints"
        self.hint_button.disabled = left == 0
