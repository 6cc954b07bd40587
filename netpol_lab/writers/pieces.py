"""Rows as text, fast: each row is a source piece, a column piece and a tail.

A row's text is ``source piece + column piece + tail``: the source piece is
per source endpoint, the column piece per (destination, port) column of one
source's rows, and the tail per distinct (reason, egress decider, ingress
decider), of which a chunk of rows has few. Each piece is formatted once; a
chunk of rows (:meth:`TableRows.chunks <netpol_lab.rows.TableRows.chunks>`)
is then gathered from object arrays of pieces and joined in one C call: that
is what lets the CSV writer pass millions of rows a second in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

import numpy as np

from ..rows import REASONS, TableRows

Tail = Callable[[bool, str, str, str], str]
CHUNK_ROWS = 250_000
"""About how many rows each text of :meth:`Pieces.texts` holds (and so each ``write``)."""


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
        self._column = np.array([column(ids[d], *rows.ports[k])
                                 for d, k in zip(dst, key, strict=True)] or [""], dtype=object)
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

    def blobs(self, chunk_rows: int | None = None) -> Iterator[bytes]:
        """The rows as UTF-8, about ``chunk_rows`` rows at a time.

        :meth:`TableRows.chunks` gives each row as a source, a column and a
        tail id; the text is then three gathers from object arrays of
        ready-made pieces, one ``str.join`` and one encode: no Python code runs
        per row. (``bytes.join`` would be slower: it takes a buffer view of
        every piece.)
        """
        for src, local, column, tail, keys in self.rows.chunks(chunk_rows or CHUNK_ROWS):
            tails = np.array([self._tail(k) for k in keys.tolist()], dtype=object)
            parts = np.empty((len(local), 3), dtype=object)
            parts[:, 0] = self._source[src[local]]
            parts[:, 1] = self._column[column]
            parts[:, 2] = tails[tail]
            yield "".join(parts.ravel().tolist()).encode()


def write_blobs(out: TextIO, blobs: Iterable[bytes]) -> None:
    """Write UTF-8 ``blobs`` to a text stream: to its byte buffer when it has one.

    A terminal or a file (``sys.stdout``) takes the bytes as they are, which saves
    encoding hundreds of megabytes again; a ``StringIO`` gets them decoded.
    """
    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "")
    if buffer is None or encoding != "utf8":
        for blob in blobs:
            out.write(blob.decode())
        return
    out.flush()
    for blob in blobs:
        buffer.write(blob)
    buffer.flush()
