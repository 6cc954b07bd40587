"""Rows as text, fast: each row is a source piece, a column piece and a tail.

A row's text is ``source piece + column piece + tail``: the source piece is
per source endpoint, the column piece per (destination, port) column of one
source's rows, and the tail per distinct (reason, egress decider, ingress
decider), of which a table has few. Sources of one kind (the same classes in
the factored matrices) have the same column pieces and tails, so each kind is
formatted once and each source's rows are one ``str.join``: that is what lets
the CSV writer pass millions of rows a second in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ..rows import REASONS, TableRows

Tail = Callable[[bool, str, str, str], str]


class Pieces:
    """The three kinds of pieces of a row format, and the blocks of rows they make.

    Parameters
    ----------
    rows : TableRows
    source : callable(id) -> str
    column : callable(destination id, port, protocol) -> str
    tail : callable(allowed, reason, egress decider, ingress decider) -> str
    """

    def __init__(self, rows: TableRows, source: Callable[[str], str],
                 column: Callable[[str, int, str], str], tail: Tail) -> None:
        self.rows = rows
        ids = rows.ids
        self._source = np.array([source(i) for i in ids] or [""], dtype=object)
        dst, key = rows.columns()
        self._column = np.array([column(ids[d], *rows.ports[k]) for d, k in zip(dst, key,
                                                                                 strict=True)]
                                or [""], dtype=object)
        self._tail_of = tail
        self._tails: dict[int, str] = {}
        self._width_e = len(rows.labels("egress")) + 1
        self._width_i = len(rows.labels("ingress")) + 1

    def _tail(self, key: int) -> str:
        text = self._tails.get(key)
        if text is None:
            rest, ingress = divmod(key, self._width_i)
            reason, egress = divmod(rest, self._width_e)
            text = self._tails[key] = self._tail_of(
                reason < 3, REASONS[reason], self.rows.label("egress", egress - 1),
                self.rows.label("ingress", ingress - 1))
        return text

    def _line(self, allowed: np.ndarray, reason: np.ndarray, egress: np.ndarray,
              ingress: np.ndarray, connected: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """One kind of source's kept columns and their pieces (column + tail)."""
        keep = connected.copy()
        if self.rows.only == "allowed":
            keep &= allowed
        elif self.rows.only == "denied":
            keep &= ~allowed
        kept = np.flatnonzero(keep)
        keys = ((reason[kept].astype(np.int64) * self._width_e + egress[kept] + 1)
                * self._width_i + ingress[kept] + 1)
        distinct, inverse = np.unique(keys, return_inverse=True)
        tails = np.array([self._tail(k) for k in distinct.tolist()] or [""], dtype=object)
        pieces = [c + t for c, t in zip(self._column[kept].tolist(),
                                        tails[inverse.ravel()].tolist(), strict=True)]
        return kept, pieces

    def texts(self, chunk_rows: int = 50_000, cache_pieces: int = 500_000) -> Iterator[str]:
        """The rows' text, a chunk of sources at a time.

        Each kind of source (:meth:`TableRows.kinds`) is formatted once: a
        source's text is then its own piece joined between its kind's pieces
        (``src + src.join(pieces)``, one C call), with its loopback rows
        patched in. Kinds are cached up to ``cache_pieces`` pieces; each text
        holds the rows of about ``chunk_rows // columns`` sources.
        """
        rows, p = self.rows, self.rows.reach.n_pods
        chunk_sources = max(1, chunk_rows // max(1, len(rows.columns()[0])))
        kind, examples = rows.kinds()
        loops = rows.loopback_columns()
        keep_loopback = rows.only != "denied"
        loop_tail = self._tail((0 * self._width_e + 0) * self._width_i + 0)
        cache: dict[int, tuple[np.ndarray, list[str]]] = {}
        cached = 0
        sources = rows.sources
        for start in range(0, len(sources), chunk_sources):
            src = sources[start:start + chunk_sources]
            kinds = kind[start:start + chunk_sources]
            if cached > cache_pieces:
                cache, cached = {}, 0
            missing = sorted(set(kinds.tolist()) - cache.keys())
            if missing:
                reps = examples[missing]
                allowed, reason, egress, ingress = rows.grid(reps)
                connected = rows.connected(reps)
                for i, k in enumerate(missing):
                    cache[k] = self._line(allowed[i], reason[i], egress[i], ingress[i],
                                          connected[i])
                    cached += len(cache[k][1])
            out = []
            for s, k in zip(src.tolist(), kinds.tolist(), strict=True):
                kept, pieces = cache[k]
                if s < p and s in loops:
                    pieces = list(pieces)
                    for j in reversed(loops[s]):
                        at = int(np.searchsorted(kept, j))
                        present = at < len(kept) and kept[at] == j
                        if present and keep_loopback:
                            pieces[at] = self._column[j] + loop_tail
                        elif present:
                            del pieces[at]
                        elif keep_loopback:
                            pieces.insert(at, self._column[j] + loop_tail)
                if pieces:
                    prefix = self._source[s]
                    out.append(prefix + prefix.join(pieces))
            yield "".join(out)
