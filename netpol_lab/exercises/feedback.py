"""Feedback on a checked answer: the wrong connections, the result, and how to show them.

The values here are what the widget, the CLI and the grader render; they
carry the engine's verdicts, so every explanation comes from the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import NetpolError
from ..model import Cluster
from .format import Exercise, Requirement

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ..engine import Verdict
    from ..lint import LintWarning
    from .diagnosis import Diagnosis

REASON_LIMIT = 5  # wrong connections named in a one-line reason
LISTED = 10  # wrong connections listed in a summary (a whole scope may have hundreds)
CAUSE_LIMIT = 3  # causes named in a one-line reason
SHOWN_CAUSES = 5  # causes shown in a summary


@dataclass(frozen=True, eq=False)
class WrongConnection:
    """A required connection whose verdict is not the required one.

    ``verdict`` is the engine's :class:`~netpol_lab.engine.Verdict` for it, so
    ``explanation`` says exactly which policy and rule decided. ``headline``
    is True for a connection the exercise names (``must_allow``,
    ``must_deny``, ``expected_table``) and False for one of the rest of the
    scope, whose required verdict is the reference solution's.
    """

    requirement: Requirement
    actual: bool
    verdict: Verdict
    headline: bool = True

    @property
    def expected(self) -> bool:
        return self.requirement.expected

    @property
    def explanation(self) -> str:
        return self.verdict.explain()

    @property
    def reason(self) -> str:
        """The engine's one-line reason for the actual verdict."""
        return self.verdict.reason

    @property
    def connection(self) -> str:
        """``SRC → DST PORT/PROTO`` with a named port resolved: ``9090/TCP (metrics)``."""
        req, conn = self.requirement, self.verdict.connection
        named = f" ({req.port})" if isinstance(req.port, str) else ""
        return f"{req.source} → {req.destination} {conn.port}/{conn.protocol}{named}"

    def describe(self) -> str:
        """``SRC → DST PORT/PROTO should be denied, but it is allowed``."""
        want = "allowed" if self.expected else "denied"
        got = "allowed" if self.actual else "denied"
        return f"{self.connection} should be {want}, but it is {got}"


@dataclass(frozen=True, eq=False)
class CheckResult:
    """The outcome of checking one answer against one exercise.

    Attributes
    ----------
    exercise : Exercise
    passed : bool
        True when the answer is valid and every required connection has the
        required verdict.
    wrong : tuple of WrongConnection
        Each required connection with the wrong verdict, with the engine's
        explanation.
    problems : tuple of NetpolError
        Why the answer could not be checked (invalid YAML, a field the API
        server would reject, no NetworkPolicy at all).
    hint : str or None
        The next hint to show (None when passed).
    checked : int
        How many connections were checked.
    notes : tuple of str
        Things worth saying that do not fail the check (ignored documents).
    attempt : int
        Which attempt this was (1 for the first); hints progress with it.
    diagnoses : tuple of Diagnosis
        The wrong connections grouped by cause (largest group first), each
        with the trap it falls into and a verified suggestion when there is one.
    warnings : tuple of LintWarning
        What :func:`netpol_lab.lint.lint` finds suspicious in the answer's
        own policies (valid, but rarely what was meant); never fails the check.
    """

    exercise: Exercise
    passed: bool
    wrong: tuple[WrongConnection, ...] = ()
    problems: tuple[NetpolError, ...] = ()
    hint: str | None = None
    checked: int = 0
    notes: tuple[str, ...] = ()
    attempt: int = 1
    warnings: tuple[LintWarning, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()

    @property
    def status(self) -> str:
        """``passed``, ``failed`` (wrong traffic) or ``invalid`` (could not be checked)."""
        if self.passed:
            return "passed"
        return "invalid" if self.problems else "failed"

    @property
    def reason(self) -> str:
        """One line saying why the answer failed (empty when it passed)."""
        if self.passed:
            return ""
        if self.problems:
            more = len(self.problems) - 1
            return "invalid: " + problem_line(self.problems[0]) + (
                f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        n = len(self.wrong)
        head = f"{n} of {self.checked} connection{'s' * (self.checked != 1)} wrong"
        if self.diagnoses:
            k = len(self.diagnoses)
            shown = "; ".join(f"{d.cause} (e.g. {d.examples(1)[0]})"
                              for d in self.diagnoses[:CAUSE_LIMIT])
            if k > CAUSE_LIMIT:
                shown += f"; and {k - CAUSE_LIMIT} more cause{'s' * (k - CAUSE_LIMIT > 1)}"
            return f"{head}, {k} cause{'s' * (k != 1)}: {shown}"
        shown = "; ".join(w.describe() for w in self.wrong[:REASON_LIMIT])
        if n > REASON_LIMIT:
            shown += f"; and {n - REASON_LIMIT} more"
        return f"{head}: {shown}"

    def to_dict(self) -> dict:
        """The result as plain data (for JSON output and automated grading).

        Examples
        --------
        >>> from netpol_lab.exercises import check, get_exercise
        >>> ex = get_exercise("ports-01-one-port")
        >>> data = check(ex, ex.starter).to_dict()
        >>> data["status"], data["wrong"][0]["connection"], data["wrong"][0]["headline"]
        ('failed', 'production/frontend → production/api 8080/TCP', True)
        >>> data["checked"] > 1000  # the whole scope, not only the 6 headline connections
        True
        """
        return {
            "exercise": self.exercise.id, "status": self.status, "passed": self.passed,
            "checked": self.checked, "reason": self.reason, "attempt": self.attempt,
            "wrong": [{"connection": w.connection, "expected": "allowed" if w.expected
                       else "denied", "actual": "allowed" if w.actual else "denied",
                       "headline": w.headline, "reason": w.reason,
                       "explanation": w.explanation} for w in self.wrong],
            "causes": [d.to_dict() for d in self.diagnoses],
            "problems": [e.to_dict() for e in self.problems],
            "hint": self.hint, "notes": list(self.notes),
            "warnings": [w.to_dict() for w in self.warnings],
        }

    def _diagnosis_lines(self, md: bool, explained: int) -> list[str]:
        n, k = len(self.wrong), len(self.diagnoses)
        lines = [f"✗ Not yet: {n} of {self.checked} connections have the wrong verdict, "
                 f"{'for one reason' if k == 1 else f'for {k} reasons'}:"]
        said = set()
        for i, d in enumerate(self.diagnoses[:SHOWN_CAUSES], 1):
            cause, *rest = d.lines()
            if self.attempt < 2:  # let the first attempt's thinking be the learner's
                rest = [line for line in rest if not line.startswith("  help: ")]
            rest = [line for line in rest if line not in said]  # one trap, said once
            said.update(line for line in rest if line.startswith("  trap: "))
            lines += ["", f"{i}. **{cause}**" if md else f"{i}. {cause}"]
            lines += ["  " + line for line in rest]
            if i <= explained:
                w = d.wrong[0]
                text = f"why {w.connection} is {'allowed' if w.actual else 'denied'} (engine):"
                body = w.explanation.replace("\n", "\n      ")
                lines += [f"   {text}", "\n   ```\n   " + w.explanation.replace("\n", "\n   ")
                          + "\n   ```" if md else f"      {body}"]
        if k > SHOWN_CAUSES:
            rest = sum(d.count for d in self.diagnoses[SHOWN_CAUSES:])
            more = k - SHOWN_CAUSES
            lines += ["", f"… and {more} more cause{'s' * (more != 1)} ({rest} "
                          f"connection{'s' * (rest != 1)}): fix these first, then check again."]
        return lines

    def summary(self, fmt: str = "text", explained: int = 2) -> str:
        """The feedback as ``text`` or ``markdown``: verdict, the causes of the mistakes, hint.

        The wrong connections come grouped by cause (:class:`~netpol_lab.exercises.diagnosis.Diagnosis`):
        each with its count, a few examples, the course's trap it falls into
        and, from the second attempt on, a verified suggestion when there is
        one; the first example of the
        first ``explained`` causes comes with the engine's full explanation.
        Lint warnings about the answer are listed once it passes, or from the
        second attempt on (they often name the fix).
        """
        md = fmt == "markdown"
        title = f"{self.exercise.id}: {self.exercise.title}"
        lines = [f"## {title}" if md else title, ""]
        if self.passed:
            lines.append(f"✓ Passed: all {self.checked} connections have the required verdict.")
        elif self.problems:
            lines.append("✗ Not checked: the answer has "
                         f"{'a problem' if len(self.problems) == 1 else 'problems'} to fix first.")
            for problem in self.problems:
                text = str(problem)
                lines.append(f"- {text}" if not md else "```\n" + text + "\n```")
        elif self.diagnoses:
            lines += self._diagnosis_lines(md, explained)
        else:
            lines.append(f"✗ Not yet: {len(self.wrong)} of {self.checked} connections have the "
                         "wrong verdict.")
            if len(self.wrong) > explained:
                lines.append(f"(The first {explained} come with the engine's explanation; "
                             "`netpol-lab explain SRC DST PORT` explains any other.)")
            for i, w in enumerate(self.wrong[:max(LISTED, explained)]):
                lines.append("")
                lines.append(f"- **{w.describe()}**" if md else f"- {w.describe()}")
                if i >= explained:
                    continue
                if md:
                    lines.append("\n  ```\n  " + w.explanation.replace("\n", "\n  ") + "\n  ```")
                else:
                    lines.append("    " + w.explanation.replace("\n", "\n    "))
            more = len(self.wrong) - max(LISTED, explained)
            if more > 0:
                lines += ["", f"- … and {more} more"]
        for note in self.notes:
            lines.append(f"Note: {note}")
        if self.warnings and (self.passed or self.attempt >= 2):  # let attempt 1 be the learner's
            lines += ["", "Worth a look (lint, valid but often not what was meant):"]
            lines += [f"- {w}" for w in self.warnings]
        shown = {d.trap for d in self.diagnoses[:SHOWN_CAUSES]} if not self.problems else set()
        if self.hint and self.hint not in shown:  # a trap's hint is already on its `trap:` line
            lines += ["", f"Hint: {self.hint}"]
        return "\n".join(lines).rstrip() + "\n"


def problem_line(error: NetpolError) -> str:
    """A problem on one line, without the file name: where, what, and what was expected.

    Examples
    --------
    >>> problem_line(NetpolError("70000 is out of range", path="spec.ingress[0].ports[0].port",
    ...                          line=20, expected="a number from 1 to 65535", source="a.yaml"))
    'line 20, spec.ingress[0].ports[0].port: 70000 is out of range (expected a number from 1 to 65535)'
    """
    where = ", ".join(part for part in (
        f"document {error.document}" if error.document is not None and error.document > 1
        else "", f"line {error.line}" if error.line is not None else "", error.path) if part)
    text = " ".join(error.message.split()).rstrip(".")
    if where:
        text = f"{where}: {text}"
    if error.expected:
        text += f" (expected {' '.join(error.expected.split()).rstrip('.')})"
    return text


def cluster_lines(cluster: Cluster) -> list[str]:
    """The cluster as text: namespaces with labels, pods with IP, labels and ports, externals.

    Examples
    --------
    >>> from netpol_lab import default_cluster
    >>> lines = cluster_lines(default_cluster())
    >>> lines[1]
    '  production: env=production, kubernetes.io/metadata.name=production, name=production'
    >>> [line for line in lines if "production/api" in line]
    ['  production/api  10.244.1.12  app=api, tier=backend  ports http:8080/TCP, metrics:9090/TCP']
    """
    def labels(mapping: Mapping[str, str]) -> str:
        return ", ".join(f"{k}={v}" for k, v in sorted(mapping.items())) or "(no labels)"

    out = ["namespaces:"]
    out += [f"  {ns.name}: {labels(ns.labels)}" for ns in cluster.namespaces.values()]
    out.append("pods:")
    out += [f"  {p.id}  {p.ip}  {labels(p.labels)}  ports "
            + (", ".join(str(cp) for cp in p.ports) or "none declared") for p in cluster.pods]
    if cluster.externals:
        out.append("outside the cluster:")
        out += [f"  {e.name}  {e.ip}  ports " + (", ".join(str(cp) for cp in e.ports) or "-")
                for e in cluster.externals]
    return out
