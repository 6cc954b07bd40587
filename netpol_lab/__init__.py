"""netpol_lab: learn Kubernetes NetworkPolicy by evaluating it exactly.

The core (this package without ``widgets``, ``plot`` and ``cli``) reads
NetworkPolicy YAML and a small cluster, decides every connection and explains
why. Heavy modules (pandas, matplotlib, ipywidgets) load only when a function
that needs them is first used, so ``import netpol_lab`` stays fast.

Examples
--------
>>> import netpol_lab as nl
>>> cluster = nl.default_cluster()
>>> policy = nl.article_policies()["api-ingress"]
>>> nl.evaluate(cluster, [policy], "production/frontend", "production/api", 8080).allowed
True
>>> nl.evaluate(cluster, [policy], "staging/frontend", "production/api", 8080).allowed
False
>>> dir(nl) == sorted(set(dir(nl)))   # each name once, also after lazy names were loaded
True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    # errors
    "NetpolError": "errors", "ParseError": "errors", "ValidationError": "errors",
    "UnknownEndpointError": "errors", "InputErrors": "errors",
    # model and policies
    "Cluster": "model", "Namespace": "model", "Pod": "model", "ExternalEndpoint": "model",
    "ContainerPort": "model",
    "NetworkPolicy": "policy", "Rule": "policy", "Peer": "policy", "IPBlock": "policy",
    "PolicyPort": "policy", "LabelSelector": "selectors", "Requirement": "selectors",
    # loading
    "read": "loader", "load": "loader", "load_policies": "loader", "load_cluster": "loader",
    "default_cluster": "scenarios", "article_policies": "scenarios", "article_yaml": "scenarios",
    # evaluation
    "Scenario": "engine", "Verdict": "engine", "Connection": "engine", "evaluate": "engine",
    "traffic_table": "table", "traffic_matrix": "table", "diff": "table",
    "Reachability": "reachability", "iter_table": "reachability",
    "explain_rows": "reachability",
    "LintWarning": "lint",
}

# The function ``lint`` shares its name with its module; bound eagerly so that importing
# ``netpol_lab.lint`` anywhere can never replace the function with the module.
from .lint import lint  # noqa: E402

__all__ = sorted([*_EXPORTS, "lint"])


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'netpol_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    # a set: a lazily loaded name is in globals() once used, and must not be listed twice
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .engine import Connection, Scenario, Verdict, evaluate
    from .errors import InputErrors, NetpolError, ParseError, UnknownEndpointError, ValidationError
    from .lint import LintWarning
    from .loader import load, load_cluster, load_policies, read
    from .model import Cluster, ContainerPort, ExternalEndpoint, Namespace, Pod
    from .policy import IPBlock, NetworkPolicy, Peer, PolicyPort, Rule
    from .reachability import Reachability, explain_rows, iter_table
    from .scenarios import article_policies, article_yaml, default_cluster
    from .selectors import LabelSelector, Requirement
    from .table import diff, traffic_matrix, traffic_table
