"""Exercises: a task, a cluster, a starter policy, and the traffic that must result.

An exercise is a data file (``exercises/<id>.yaml``) that says what the
learner's policies must achieve, never how. Checking is *semantic*: the
learner's policies (plus any ``given`` policies already applied in the
exercise) are evaluated by the engine on every required connection, and any
set of policies that yields the required traffic passes.

The file format::

    id: ingress-01-frontend-only        # must equal the file name without .yaml
    title: Only the frontend may call the API
    topic: ingress                      # one of TOPICS
    difficulty: beginner                # beginner, intermediate or advanced
    concepts: [ingress-rule, pod-selector, port]   # optional: what it needs (netpol_lab.syllabus)
    statement: |
      What to do, in prose.
    cluster: default                    # or an inline compact cluster (see loader.py)
    given: |                            # optional: policies already applied, read-only
      ...
    starter: |                          # the YAML the learner starts from
      apiVersion: networking.k8s.io/v1
      ...
    must_allow:                         # connections: "SOURCE -> DESTINATION PORT[/PROTOCOL]"
      - production/frontend -> production/api 8080/TCP
    must_deny:
      - staging/frontend -> production/api 8080
    expected_table:                     # optional, instead of or besides the two lists
      sources: ["production/*"]         # glob patterns; default: every endpoint
      destinations: ["*"]
      ports: [8080, 53/UDP]             # default: each destination's declared ports
      allowed:                          # rows of that table that must be allowed;
        - "production/frontend -> production/api 8080"   # every other row must be denied
        - "* -> production/frontend"    # no port: every port of the table for that pair
    scope:                              # optional: what else is checked (defaults shown)
      sources: ["*"]                    # glob patterns over endpoint ids
      destinations: ["*"]
      ports: [80, 8080, 53/UDP]         # default: every port declared in the cluster
      probes: true                      # also 7777 on TCP/UDP/SCTP, DNS, declared ports + 1
    dont_care:                          # optional: connections whose verdict does not matter
      - connection: "production/* -> kube-system/* 53/UDP"   # globs; no port: every port
        reason: DNS is not what this exercise is about      # shown to the learner
    blocks_on_purpose:                  # optional: kept closed although lint would open them
      - connection: "production/api -> kube-system/coredns"  # globs; no port: every port
        reason: DNS comes in a later exercise  # lint about exactly these is left out, with this
    hints:
      - the first, gentle hint
      - a more precise one
      - nearly the answer

``must_allow``, ``must_deny`` and ``expected_table`` are the *headline*
connections, the ones the statement talks about. Every other connection of
the scope (by default: every source × destination of the cluster, pods and
external endpoints, on every declared port plus probe ports; see
:mod:`netpol_lab.exercises.scope`) must have the verdict it has under the
exercise's **reference solution**, ``solutions/<id>.yaml`` beside the
exercises folder, except the ``dont_care`` ones. An over-permissive answer
(one more peer, no ``ports``) therefore fails even where the statement's
headline connections all look right.

A source or destination is ``namespace/pod``, an external endpoint's name, or
an IP address. The port is a number or the name of one of the destination's
container ports; the protocol defaults to TCP. A pod reaching itself is always
allowed (policies never block loopback), so an exercise can never require it
denied; in an expected table those rows are expected allowed.

Examples
--------
>>> ex = parse_exercise('''
... id: demo
... title: Only the frontend may call the API
... topic: ingress
... difficulty: beginner
... statement: Isolate production/api; let production/frontend in on TCP 8080.
... starter: ""
... must_allow: ["production/frontend -> production/api 8080"]
... must_deny: ["staging/frontend -> production/api 8080"]
... hints: [Select the api pods., Allow one peer on one port.]
... ''')
>>> validate_exercise(ex)  # doctest: +ELLIPSIS
['the exercise has no reference solution (.../solutions/demo.yaml is missing): only its headline connections can be checked']
>>> answer = '''
... apiVersion: networking.k8s.io/v1
... kind: NetworkPolicy
... metadata: {name: api, namespace: production}
... spec:
...   podSelector: {matchLabels: {app: api}}
...   ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 8080}]}]
... '''
>>> result = check(ex, answer)
>>> result.passed
False
>>> for wrong in result.wrong:
...     print(wrong.describe())
staging/frontend → production/api 8080/TCP should be denied, but it is allowed
>>> print(result.diagnoses[0].cause)  # grouped by the rule and item that admitted them
api, ingress rule 1 (spec.ingress[0]): from[0] admits every pod in every namespace: 1 connection that must stay closed
>>> result.hint  # the hint for this mistake, rather than the next of the exercise's list
"Empty namespaceSelector: from[0] is `namespaceSelector: {}`, which selects every namespace, so it admits every pod of the cluster. A podSelector alone stays in the policy's own namespace (production)."
>>> check(ex, answer.replace("{}", "{matchLabels: {env: staging}}")).hint  # no known trap
'Select the api pods.'
>>> check(ex, answer.replace("namespaceSelector: {}",
...                          "podSelector: {matchLabels: {app: frontend}}")).passed
True
>>> check(ex, answer.replace("namespaceSelector", "podSelector")).passed  # also right
True
"""


from .checking import check, validate_exercise
from .feedback import CheckResult, WrongConnection, cluster_lines, problem_line
from .format import (
    CONNECTION_EXAMPLE,
    DIFFICULTIES,
    ENV_VAR,
    FIELDS,
    TOPICS,
    Exercise,
    ExerciseError,
    ExpectedTable,
    Requirement,
    counts,
    exercises_dir,
    get_exercise,
    load_exercises,
    parse_connection,
    parse_exercise,
)

__all__ = [
    "CONNECTION_EXAMPLE", "DIFFICULTIES", "ENV_VAR", "FIELDS", "TOPICS", "CheckResult",
    "Exercise", "ExerciseError", "ExpectedTable", "Requirement", "WrongConnection", "check",
    "cluster_lines", "counts", "exercises_dir", "get_exercise", "load_exercises",
    "parse_connection", "parse_exercise", "problem_line", "validate_exercise",
]
