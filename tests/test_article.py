"""Every policy of the source article, evaluated on the default cluster, whole table asserted.

The expected tables are written by hand from the semantics reference, never
computed by the engine. The default cluster (``netpol_lab/data/cluster.yaml``):

- production/frontend (app=frontend, 80/TCP), production/mobile-bff
  (app=mobile-bff, 8080/TCP), production/api (app=api, 8080/TCP and 9090/TCP),
  production/database (app=database, 5432/TCP), production/cache (app=cache,
  6379/TCP); namespace production is labelled name=production, env=production;
- staging/frontend (app=frontend, 80/TCP) and staging/api (app=api, 8080/TCP
  and 9090/TCP); namespace staging is labelled name=staging, env=staging;
- monitoring/prometheus (app=prometheus, 9090/TCP); namespace labelled
  name=monitoring;
- kube-system/coredns (k8s-app=kube-dns, 53/UDP and 53/TCP); its namespace has
  only the automatic kubernetes.io/metadata.name label;
- externals, each serving 443/TCP: partner-api 203.0.113.10, public-web
  198.51.100.20, corp-net 10.0.5.20, corp-vault 10.0.1.20;
- every pod IP is in 10.244.0.0/16.

The table has one row per source (13 endpoints) and declared port of each
destination, external → external left out: 13 × 12 pod ports + 9 pods × 4
external ports = 192 rows. Every article policy selects only
``production/api``, so each expectation below is the set of *denied* rows;
every other row of the 192 must be allowed.
"""

from __future__ import annotations

from itertools import product

import pytest

import netpol_lab as nl

API = "production/api"
PODS = (
    "production/frontend", "production/mobile-bff", API, "production/database",
    "production/cache", "staging/frontend", "staging/api", "monitoring/prometheus",
    "kube-system/coredns",
)
EXTERNALS = ("partner-api", "public-web", "corp-net", "corp-vault")
DECLARED = {
    "production/frontend": ["80/TCP"], "production/mobile-bff": ["8080/TCP"],
    API: ["8080/TCP", "9090/TCP"], "production/database": ["5432/TCP"],
    "production/cache": ["6379/TCP"], "staging/frontend": ["80/TCP"],
    "staging/api": ["8080/TCP", "9090/TCP"], "monitoring/prometheus": ["9090/TCP"],
    "kube-system/coredns": ["53/UDP", "53/TCP"],
    "partner-api": ["443/TCP"], "public-web": ["443/TCP"], "corp-net": ["443/TCP"],
    "corp-vault": ["443/TCP"],
}
ALL_ROWS = {
    (src, dst, port)
    for src in (*PODS, *EXTERNALS)
    for dst in (*PODS, *EXTERNALS)
    if src in PODS or dst in PODS
    for port in DECLARED[dst]
}
OTHERS = tuple(e for e in (*PODS, *EXTERNALS) if e != API)  # every endpoint but api itself


def into_api(sources, ports):
    """Rows ``source → production/api`` for each source and port."""
    return {(src, API, port) for src, port in product(sources, ports)}


def out_of_api(*rows):
    """Rows ``production/api → destination`` given as ``(destination, port)``."""
    return {(API, dst, port) for dst, port in rows}


def table_rows(policies) -> dict[tuple[str, str, str], bool]:
    """The engine's table as ``{(source, destination, "port/PROTO"): allowed}``."""
    table = nl.traffic_table(nl.default_cluster(), policies)
    return {
        (row.source, row.destination, f"{row.port}/{row.protocol}"): bool(row.allowed)
        for row in table.itertuples()
    }


def denied_rows(policies) -> set[tuple[str, str, str]]:
    rows = table_rows(policies)
    assert set(rows) == ALL_ROWS, "the table must have exactly the 192 declared-port rows"
    return {key for key, ok in rows.items() if not ok}


# --- the expected tables, by hand -------------------------------------------------------

# api-ingress: rule 1 frontend pods of production on TCP 8080, rule 2 any pod of a
# namespace labelled name=monitoring on TCP 9090. api itself is reachable (loopback).
API_INGRESS_DENIED = (
    into_api(set(OTHERS) - {"production/frontend"}, ["8080/TCP"])
    | into_api(set(OTHERS) - {"monitoring/prometheus"}, ["9090/TCP"])
)

# api-egress: database on TCP 5432, 203.0.113.0/24 on TCP 443, kube-system on UDP 53.
API_EGRESS_DENIED = out_of_api(
    ("production/frontend", "80/TCP"), ("production/mobile-bff", "8080/TCP"),
    ("production/cache", "6379/TCP"), ("staging/frontend", "80/TCP"),
    ("staging/api", "8080/TCP"), ("staging/api", "9090/TCP"),
    ("monitoring/prometheus", "9090/TCP"),
    ("kube-system/coredns", "53/TCP"),  # only UDP 53 is allowed to kube-system
    ("public-web", "443/TCP"), ("corp-net", "443/TCP"), ("corp-vault", "443/TCP"),
)

# api-full-policy: ingress from frontend OR mobile-bff (production) on TCP 8080;
# egress to database 5432, cache 6379, and anyone on UDP/TCP 53.
API_FULL_DENIED = (
    into_api(set(OTHERS) - {"production/frontend", "production/mobile-bff"}, ["8080/TCP"])
    | into_api(OTHERS, ["9090/TCP"])
    | out_of_api(
        ("production/frontend", "80/TCP"), ("production/mobile-bff", "8080/TCP"),
        ("staging/frontend", "80/TCP"), ("staging/api", "8080/TCP"),
        ("staging/api", "9090/TCP"), ("monitoring/prometheus", "9090/TCP"),
        ("partner-api", "443/TCP"), ("public-web", "443/TCP"), ("corp-net", "443/TCP"),
        ("corp-vault", "443/TCP"),
    )
)

# api-or: production frontend pods OR every pod of namespaces name=monitoring, any port.
# staging/frontend is NOT allowed: a podSelector alone means the policy's namespace.
API_OR_ALLOWED_SOURCES = {"production/frontend", "monitoring/prometheus"}
API_OR_DENIED = into_api(set(OTHERS) - API_OR_ALLOWED_SOURCES, ["8080/TCP", "9090/TCP"])

# api-and: frontend pods inside namespaces labelled name=production: only production/frontend.
API_AND_DENIED = into_api(set(OTHERS) - {"production/frontend"}, ["8080/TCP", "9090/TCP"])

# api-from-all-namespaces: every pod of every namespace; externals are not pods.
API_ALL_NS_DENIED = into_api(EXTERNALS, ["8080/TCP", "9090/TCP"])

# api-egress-ipblock: 10.0.0.0/8 except 10.0.1.0/24, every port. All pod IPs are in
# 10.244.0.0/16 (lab choice: ipBlock matches pod IPs); corp-vault 10.0.1.20 is excepted.
API_EGRESS_IPBLOCK_DENIED = out_of_api(
    ("partner-api", "443/TCP"), ("public-web", "443/TCP"), ("corp-vault", "443/TCP"),
)

# api-port-range: TCP 8000-8999 from anywhere: 8080 open to all, 9090 closed to all.
API_PORT_RANGE_DENIED = into_api(OTHERS, ["9090/TCP"])

EXPECTED_DENIED = {
    "api-ingress": API_INGRESS_DENIED,
    "api-egress": API_EGRESS_DENIED,
    "api-full-policy": API_FULL_DENIED,
    "api-or": API_OR_DENIED,
    "api-and": API_AND_DENIED,
    "api-from-all-namespaces": API_ALL_NS_DENIED,
    "api-egress-ipblock": API_EGRESS_IPBLOCK_DENIED,
    "api-port-range": API_PORT_RANGE_DENIED,
}


def test_the_article_has_exactly_these_policies():
    """Issue 2, Done when (article): the course uses every policy of the source article (seed/ingress-egress-article.txt)."""
    assert sorted(nl.article_policies()) == sorted(EXPECTED_DENIED)


def test_expected_sizes_are_what_the_prose_says():
    """Issue 2, Done when (article): A guard on the hand-written expectations themselves: the row counts by hand."""
    assert len(ALL_ROWS) == 192
    sizes = {name: len(rows) for name, rows in EXPECTED_DENIED.items()}
    assert sizes == {
        "api-ingress": 22, "api-egress": 11, "api-full-policy": 32, "api-or": 20,
        "api-and": 22, "api-from-all-namespaces": 8, "api-egress-ipblock": 3,
        "api-port-range": 12,
    }


@pytest.mark.parametrize("name", sorted(EXPECTED_DENIED))
def test_article_policy_whole_table(name):
    """Semantics §1–§7 together: each article policy alone on the default cluster.

    The engine's 192-row table must deny exactly the hand-written rows and
    allow every other one (a pod not selected is open, §1; loopback is allowed,
    §7; both ends must allow, §7).
    """
    assert denied_rows([nl.article_policies()[name]]) == EXPECTED_DENIED[name]


def test_article_policies_all_together_are_a_union():
    """Semantics §1: for an isolated pod the allowed traffic is the union of every policy.

    All eight at once: ingress to api is open to every pod (api-from-all-namespaces)
    and to everyone on 8080 (api-port-range), so only externals on 9090 stay denied;
    egress from api is the union of api-egress, api-full-policy and
    api-egress-ipblock, so only public-web and corp-vault stay denied.
    """
    assert denied_rows(list(nl.article_policies().values())) == (
        into_api(EXTERNALS, ["9090/TCP"])
        | out_of_api(("public-web", "443/TCP"), ("corp-vault", "443/TCP"))
    )


def test_and_or_and_empty_namespace_selector_side_by_side():
    """Semantics §4: AND inside one item, OR between items, and ``namespaceSelector: {}``.

    Only the rows into production/api can differ. Per source (both ports
    8080 and 9090 alike): ✓ allowed, ✗ denied.

    ==========================  ======  =======  ==================
    source                      api-or  api-and  from-all-namespaces
    ==========================  ======  =======  ==================
    production/frontend         ✓       ✓        ✓
    monitoring/prometheus       ✓       ✗        ✓
    staging/frontend            ✗       ✗        ✓
    other pods                  ✗       ✗        ✓
    externals                   ✗       ✗        ✗
    ==========================  ======  =======  ==================

    The article's comment "from app A in ANY namespace" for the OR form is the
    classic mistake: a podSelector alone stays in the policy's namespace, so
    staging/frontend is denied by api-or too (Kubernetes API, NetworkPolicyPeer:
    "If namespaceSelector is also set ... Otherwise it selects the pods matching
    podSelector in the policy's own namespace").
    """
    policies = nl.article_policies()
    tables = {name: table_rows([policies[name]])
              for name in ("api-or", "api-and", "api-from-all-namespaces")}
    keys = set(tables["api-or"])
    assert set(tables["api-and"]) == keys == set(tables["api-from-all-namespaces"])

    def changed(a: str, b: str) -> dict[tuple[str, str, str], tuple[bool, bool]]:
        return {k: (tables[a][k], tables[b][k]) for k in keys if tables[a][k] != tables[b][k]}

    assert changed("api-or", "api-and") == {
        ("monitoring/prometheus", API, "8080/TCP"): (True, False),
        ("monitoring/prometheus", API, "9090/TCP"): (True, False),
    }
    others = {"production/mobile-bff", "production/database", "production/cache",
              "staging/frontend", "staging/api", "kube-system/coredns"}
    assert changed("api-and", "api-from-all-namespaces") == {
        (src, API, port): (False, True)
        for src in {*others, "monitoring/prometheus"} for port in ("8080/TCP", "9090/TCP")
    }
    assert changed("api-or", "api-from-all-namespaces") == {
        (src, API, port): (False, True) for src in others for port in ("8080/TCP", "9090/TCP")
    }


def test_article_policies_round_trip_through_their_yaml_text():
    """Issue 2, Done when (article): ``nl.article_yaml(name)`` is the text of the same policy the tables above used."""
    for name, policy in nl.article_policies().items():
        (again,) = nl.load_policies(nl.article_yaml(name))
        assert again == policy
