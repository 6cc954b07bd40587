"""The course's built-in cluster and the source article's policies.

The default cluster (``data/cluster.yaml``) has the article's three-tier app
in ``production`` (frontend, mobile-bff, api, database, cache), look-alike
pods in ``staging`` (so that AND-vs-OR mistakes show), ``prometheus`` in
``monitoring``, ``coredns`` in ``kube-system``, and four external endpoints,
one inside the article's ``203.0.113.0/24`` and three outside it.

Examples
--------
>>> cluster = default_cluster()
>>> [p.id for p in cluster.pods][:3]
['production/frontend', 'production/mobile-bff', 'production/api']
>>> sorted(article_policies())[:3]
['api-and', 'api-egress', 'api-egress-ipblock']
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .loader import load_cluster, load_policies
from .model import Cluster
from .policy import NetworkPolicy


def data_text(name: str) -> str:
    """The text of one of the package's data files (``cluster.yaml``, ``article.yaml``)."""
    return (Path(__file__).parent / "data" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_cluster() -> Cluster:
    """The course's default cluster (a fresh parse once, then shared: it is immutable)."""
    return load_cluster(data_text("cluster.yaml"))


def article_policies() -> dict[str, NetworkPolicy]:
    """The article's policies by name: api-ingress, api-egress, api-full-policy, api-or, ..."""
    return {p.name: p for p in load_policies(data_text("article.yaml"))}


def article_yaml(name: str) -> str:
    """The YAML text of one article policy, comment included, for editors and notebooks."""
    for chunk in data_text("article.yaml").split("\n---\n")[1:]:
        if f"\n  name: {name}\n" in chunk:
            return chunk.strip() + "\n"
    raise KeyError(f"no article policy named {name!r}; there are {sorted(article_policies())}")
