"""Checking an answer: evaluate the learner's policies on the exercise's connections.

Checking is *semantic*: the learner's policies (plus any ``given`` policies
already applied in the exercise) are evaluated by the engine, and any set of
policies that yields the required traffic passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import NetpolError
from ..model import Cluster
from ..policy import NetworkPolicy
from .feedback import CheckResult, WrongConnection
from .format import Exercise, Requirement, _resolved, get_exercise

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
    by_id: dict[str, NetworkPolicy] = {}
    for policy in policies:  # as with kubectl apply, a later document of the same name wins
        if policy.id in by_id:
            notes.append(f"policy {policy.id} is defined twice in the answer; the last one "
                         "wins, as with kubectl apply")
        by_id[policy.id] = policy
    policies = list(by_id.values())
    given = []
    for policy in exercise.given_policies():
        if policy.id in by_id:
            notes.append(f"your policy {policy.id} replaces the already applied policy of the "
                         "same name, as kubectl apply would")
        else:
            given.append(policy)
    scenario = Scenario(exercise.cluster, [*given, *policies])
    reqs = exercise.requirements()
    wrong = []
    for req in reqs:
        verdict = scenario.evaluate(req.source, req.destination, req.port, req.protocol)
        if verdict.allowed != req.expected:
            wrong.append(WrongConnection(req, verdict.allowed, verdict))
    passed = not wrong
    hint = None
    if not passed and hints:
        hint = hints[min(max(attempt, 1), len(hints)) - 1]
    return CheckResult(exercise, passed, tuple(wrong), (), hint, len(reqs), tuple(notes),
                       attempt, _lint(scenario, policies))


def _lint(scenario: Scenario, policies: list[NetworkPolicy]) -> tuple[LintWarning, ...]:
    """Lint warnings about the answer's own policies (the given ones are the exercise's)."""
    from ..lint import lint

    own = {p.id for p in policies}
    try:
        return tuple(w for w in lint(scenario) if w.policy in own)
    except Exception:  # lint only adds advice: a failure in it must not fail a check
        return ()
