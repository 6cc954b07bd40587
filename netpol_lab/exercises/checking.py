"""Checking an answer: evaluate the learner's policies on the exercise's connections.

Checking is *semantic*: the learner's policies (plus any ``given`` policies
already applied in the exercise) are evaluated by the engine, and any set of
policies that yields the required traffic passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import NetpolError
from ..model import Cluster
from ..policy import NetworkPolicy
from .diagnosis import diagnose
from .feedback import CheckResult, WrongConnection
from .format import Exercise, Requirement, _resolved, get_exercise, parse_connection, reference_path
from .scope import ScopeTraffic, expected_traffic, policies_in_force, traffic

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ..engine import Scenario
    from ..lint import LintWarning


def validate_exercise(exercise: Exercise) -> list[str]:
    """What is wrong with an exercise itself (an empty list when it is consistent).

    Checks that every connection can be read and names endpoints and ports
    that exist; that no connection is required both allowed and denied; that
    no pod is required unable to reach itself; that at least one connection
    must be allowed and one denied (so neither "deny everything" nor "allow
    everything" passes); that the ``given`` policies are valid and do not
    already solve the exercise; that the starter is readable; and that there
    are hints.
    """
    out: list[str] = []
    try:
        reqs = exercise.requirements()
    except NetpolError as exc:
        return [str(exc)]
    seen: dict[tuple, Requirement] = {}
    for req in reqs:
        try:
            key = _resolved(exercise.cluster, req)
        except NetpolError as exc:
            out.append(f"{req.text!r}: {exc.message}")
            continue
        for ref in (req.source, req.destination):
            if not _known(exercise.cluster, ref):
                out.append(f"{req.text!r}: {ref!r} is not in the exercise's cluster")
        if key[0] == key[1] and not req.expected:
            out.append(f"{req.text!r}: a pod can always reach itself, it cannot be required "
                       "denied")
        other = seen.get(key)
        if other is not None and other.expected != req.expected:
            out.append(f"{req.text!r} is required both allowed and denied "
                       f"(also as {other.text!r})")
        seen.setdefault(key, req)
    if not any(r.expected for r in reqs):
        out.append("no connection is required allowed: denying everything would pass")
    if not any(not r.expected for r in reqs):
        out.append("no connection is required denied: allowing everything would pass")
    if not exercise.hints:
        out.append("the exercise has no hints")
    try:
        exercise.given_policies()
    except NetpolError as exc:
        out.append(f"the given policies are invalid: {exc}")
        return out
    if not out and check(exercise, [], require_policy=False).passed:
        out.append("the given policies alone already pass: there is nothing to do")
    from ..loader import read

    starter = read(exercise.starter)
    if starter.problems and exercise.topic != "debugging":
        out.append(f"the starter does not parse: {starter.problems[0]}")
    out += _validate_scope(exercise, reqs)
    return out


def _validate_scope(exercise: Exercise, reqs: list[Requirement]) -> list[str]:
    """The reference solution exists and agrees with the headline; the scope is sensible."""
    import fnmatch

    out = []
    ids = [ep.id for ep in exercise.cluster.endpoints]
    scope = exercise.scope
    for name, patterns in (("sources", scope.sources), ("destinations", scope.destinations)):
        for pattern in patterns:
            if not any(fnmatch.fnmatchcase(i, pattern) for i in ids):
                out.append(f"scope.{name}: {pattern!r} matches no endpoint of the cluster")
    for i, entry in enumerate(exercise.dont_care):
        for req in reqs:
            try:
                src, dst, number, protocol = _resolved(exercise.cluster, req)
            except NetpolError:
                continue
            if entry.covers(src, dst, number, protocol, exercise.cluster.endpoint(dst)):
                out.append(f"dont_care[{i}] ({entry.connection}) covers the headline connection "
                           f"{req.text!r}, which the exercise requires "
                           f"{'allowed' if req.expected else 'denied'}")
    path = reference_path(exercise)
    try:
        expected = expected_traffic(exercise)
    except NetpolError as exc:
        return [*out, str(exc)]
    if expected is None:
        return [*out, f"the exercise has no reference solution ({path} is missing): only its "
                      "headline connections can be checked"]
    result = check(exercise, path)
    if result.problems:
        out.append(f"the reference solution {path} is invalid: {result.reason}")
    else:
        out += [f"the reference solution disagrees with the exercise: {w.describe()}"
                for w in result.wrong]
    return out


def _known(cluster: Cluster, ref: str) -> bool:
    import ipaddress

    if any(ep.id == ref for ep in cluster.endpoints):
        return True
    try:
        ipaddress.ip_address(ref)
    except ValueError:
        return False
    return True


# --- checking -----------------------------------------------------------------------------


def check(exercise: Exercise | str, answer: Any, attempt: int = 1,
          require_policy: bool = True) -> CheckResult:
    """Check a learner's answer against an exercise, semantically.

    Parameters
    ----------
    exercise : Exercise or str
        The exercise or its id.
    answer : str, path, NetworkPolicy, list or dict
        The learner's policies: YAML/JSON text, a path to a file, parsed
        policies or manifests as dicts.
    attempt : int
        1 for the first attempt; the hint shown progresses with it.
    require_policy : bool
        When True (the default), an answer without any NetworkPolicy is a
        problem rather than an empty set of policies.

    Returns
    -------
    CheckResult
        Never raises for a bad answer: invalid YAML or a field the API server
        would reject is a failed result whose ``problems`` say why.

    Notes
    -----
    The answer is evaluated together with the exercise's ``given`` policies,
    on the exercise's cluster, by the same engine as everything else
    (semantics reference, sections 1-7); the answer's own cluster objects,
    if any, are ignored. As with ``kubectl apply``, a policy is identified by
    namespace and name: an answer's policy replaces a given one of the same
    name, and of two answer documents with the same name the last one wins.
    """
    from ..engine import Scenario
    from ..loader import read

    if isinstance(exercise, str):
        exercise = get_exercise(exercise)
    if isinstance(answer, (list, tuple)) and all(isinstance(p, NetworkPolicy) for p in answer):
        policies, problems, notes = list(answer), [], []
    else:
        loaded = read(answer)
        policies, problems = loaded.policies, list(loaded.problems)
        notes = [f"{s}; ignored" for s in loaded.skipped]
        if loaded.has_cluster:
            notes.append("the answer's cluster objects (Namespace, Pod, ...) are ignored: "
                         "the exercise's cluster is fixed")
    if not problems and require_policy and not policies:
        problems.append(NetpolError("the answer holds no NetworkPolicy",
                                    expected="at least one document with kind: NetworkPolicy",
                                    example="apiVersion: networking.k8s.io/v1\n"
                                            "kind: NetworkPolicy\n..."))
    hints = exercise.hints
    if problems:
        hint = "Fix the problem shown first: the field path and line say where it is."
        return CheckResult(exercise, False, problems=tuple(problems), hint=hint,
                           notes=tuple(notes), attempt=attempt)
    in_force, applied = policies_in_force(exercise, policies)
    notes += applied
    own = {p.id: p for p in policies}
    scenario = Scenario(exercise.cluster, in_force)
    reqs = exercise.requirements()
    wrong = []
    for req in reqs:
        verdict = scenario.evaluate(req.source, req.destination, req.port, req.protocol)
        if verdict.allowed != req.expected:
            wrong.append(WrongConnection(req, verdict.allowed, verdict))
    checked = len(reqs)
    expected = expected_traffic(exercise)
    actual = None
    if expected is not None:
        scope_wrong, checked, actual = _scope_check(exercise, expected, scenario, reqs)
        wrong += scope_wrong
    else:
        notes.append(f"only the exercise's {len(reqs)} headline connections were checked: its "
                     f"reference solution ({reference_path(exercise).name}) is not in "
                     f"{reference_path(exercise).parent}, so the rest of the scope could not be")
    passed = not wrong
    mine = [p for p in in_force if p.id in own]
    diagnoses: tuple = ()
    if wrong:
        diagnoses = tuple(diagnose(exercise, wrong, mine, in_force, expected, actual,
                                   expected.reference if expected is not None else None))
    hint = None
    if not passed:
        trap = next((d.trap for d in diagnoses if d.trap), None)
        if trap is not None:  # the hint for *this* mistake, not the next one of the list
            hint = trap
        elif hints:
            hint = hints[min(max(attempt, 1), len(hints)) - 1]
    warnings, lint_notes = _lint(scenario, mine, exercise, expected, actual)
    return CheckResult(exercise, passed, tuple(wrong), (), hint, checked,
                       tuple(notes + lint_notes), attempt, warnings, diagnoses)


def _scope_check(exercise: Exercise, expected: ScopeTraffic, scenario: Scenario,
                 headline: list[Requirement]) -> tuple[list[WrongConnection], int, np.ndarray]:
    """The wrong connections of the scope that are not headline ones, and how many were checked.

    The learner's traffic is computed for the whole scope at once (one matrix
    per port); only the wrong connections are explained by the engine.
    """
    ids, actual = traffic(exercise, scenario.policies, expected.ports)
    position = {ident: i for i, ident in enumerate(ids)}
    port_index = {port: k for k, port in enumerate(expected.ports)}
    listed = expected.checked.copy()
    extra = 0
    for req in headline:
        try:
            src, dst, number, protocol = _resolved(exercise.cluster, req)
        except NetpolError:
            continue
        k, s, d = port_index.get((number, protocol)), position.get(src), position.get(dst)
        if None not in (k, s, d) and listed[k, s, d]:
            listed[k, s, d] = False
        else:
            extra += 1
    wrong = []
    for k, s, d in zip(*np.nonzero(listed & (actual != expected.expected)), strict=True):
        number, protocol = expected.ports[k]
        want = bool(expected.expected[k, s, d])
        req = Requirement(ids[s], ids[d], number, protocol, want,
                          f"{ids[s]} → {ids[d]} {number}/{protocol}")
        verdict = scenario.evaluate(ids[s], ids[d], number, protocol)
        wrong.append(WrongConnection(req, verdict.allowed, verdict, headline=False))
    return wrong, expected.size + extra, actual


def _lint(scenario: Scenario, policies: list[NetworkPolicy], exercise: Exercise,
          expected: ScopeTraffic | None = None, actual: np.ndarray | None = None
          ) -> tuple[tuple[LintWarning, ...], list[str]]:
    """Lint warnings about the answer's own policies (the given ones are the exercise's).

    A warning about connections the exercise blocks on purpose is left out:
    following it would fail the exercise. A note says why instead. With the
    exercise's scope traffic, a warning whose fix would turn a connection the
    answer has right into a wrong one is left out too: the exercise
    contradicts that advice (selectors-01 asks for the OR form, so no "put
    both selectors in ONE item").
    """
    from ..lint import lint

    own = {p.id for p in policies}
    try:
        found = [w for w in lint(scenario) if w.policy in own]
    except Exception:  # lint only adds advice: a failure in it must not fail a check
        return (), []
    kept, notes = [], []
    right = None if expected is None or actual is None else (
        (actual == expected.expected) & expected.checked)
    for w in found:
        why = _blocked_on_purpose(exercise, w)
        if why is None and right is not None and w.suggestion is not None:
            edited = [w.suggestion if p.id == w.suggestion.id else p for p in scenario.policies]
            try:
                _, after = traffic(exercise, edited, expected.ports)
            except Exception:  # pragma: no cover - lint's own suggestion is a valid policy
                after = expected.expected
            if (right & (after != expected.expected)).any():
                continue  # following this advice would fail the exercise
        if why is None:
            kept.append(w)
        else:
            notes.append(f"lint {w.code} on {w.policy} is not shown: the connections it is "
                         f"about stay closed on purpose here. {why}")
    return tuple(kept), list(dict.fromkeys(notes))


def _blocked_on_purpose(exercise: Exercise, warning: LintWarning) -> str | None:
    """The reason when every connection ``warning`` is about is blocked on purpose."""
    if not warning.connections or not exercise.blocks_on_purpose:
        return None
    endpoints = {ep.id: ep for ep in exercise.cluster.endpoints}
    reasons = []
    for text in warning.connections:
        req = parse_connection(text)
        entry = next((b for b in exercise.blocks_on_purpose
                      if b.covers(req.source, req.destination, req.port, req.protocol,
                                  endpoints.get(req.destination))), None)
        if entry is None:
            return None
        reasons.append(entry.reason)
    return " ".join(dict.fromkeys(reasons))
