"""Shared fixtures: the default cluster, and policies written as short YAML snippets.

Tests across the suite ask the same kind of question: "with this policy, may
A open a connection to B on port P?". These fixtures keep such a test to a few
lines of YAML and one assertion:

- ``cluster``: the course's default cluster (``nl.default_cluster()``);
- ``policy(spec, name="p", namespace="production")``: one NetworkPolicy from
  the YAML of its ``spec`` alone (the header is written for you);
- ``policies(text)``: every policy of a YAML text (dedented first);
- ``verdict(policies, src, dst, port, protocol="TCP", cluster=None)``: the
  :class:`~netpol_lab.Verdict`, on the default cluster unless one is given;
- ``allowed(...)``: the same arguments, just the boolean.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable

import pytest

import netpol_lab as nl

HEADER = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: {namespace}
spec:
"""


def build_policy(spec: str, name: str = "p", namespace: str = "production") -> nl.NetworkPolicy:
    """One policy from the YAML of its ``spec`` (any indentation; it is dedented)."""
    body = textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")
    (policy,) = nl.load_policies(HEADER.format(name=name, namespace=namespace) + body + "\n")
    return policy


def as_list(policies: nl.NetworkPolicy | Iterable[nl.NetworkPolicy]) -> list[nl.NetworkPolicy]:
    """A single policy or an iterable of them, as a list."""
    if isinstance(policies, nl.NetworkPolicy):
        return [policies]
    return list(policies)


@pytest.fixture
def cluster() -> nl.Cluster:
    """The course's default cluster."""
    return nl.default_cluster()


@pytest.fixture
def policy() -> Callable[..., nl.NetworkPolicy]:
    """Factory: ``policy(spec_yaml, name="p", namespace="production")``."""
    return build_policy


@pytest.fixture
def policies() -> Callable[[str], list[nl.NetworkPolicy]]:
    """Factory: every policy of a (dedented) YAML text."""
    return lambda text: nl.load_policies(textwrap.dedent(text))


@pytest.fixture
def verdict() -> Callable[..., nl.Verdict]:
    """Factory: ``verdict(policies, src, dst, port, protocol="TCP", cluster=None)``."""

    def run(policies, src, dst, port, protocol="TCP", cluster=None) -> nl.Verdict:
        return nl.evaluate(cluster or nl.default_cluster(), as_list(policies), src, dst, port,
                           protocol)

    return run


@pytest.fixture
def allowed(verdict) -> Callable[..., bool]:
    """Factory: like ``verdict`` but only whether the connection is allowed."""
    return lambda *args, **kwargs: verdict(*args, **kwargs).allowed
