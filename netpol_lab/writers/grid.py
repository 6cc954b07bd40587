"""The matrix format: per port, a source × destination grid, as CSV.

Each port starts with a header line ``PORT/PROTO,<destination ids...>``, then
one line per source: its id, then per destination ``1`` (allowed), ``0``
(denied) or ``-`` (external → external, not a connection). A blank line
separates ports. Every pair is shown, whether or not the destination
declares the port: the grid answers what the *policies* allow. Lines are
built as bytes by numpy, so a 5,000-pod grid per port takes a fraction of a
second.
"""

from __future__ import annotations

from typing import TextIO

import numpy as np

from ..rows import TableRows
from .delimited import _cell

CELL = np.frombuffer(b"01-", dtype=np.uint8)


def write_matrix(rows: TableRows, out: TextIO, chunk_sources: int = 512) -> None:
    """Write one grid per port of ``rows`` (its ``--port`` ports, or all declared ones)."""
    r, p = rows.reach, rows.reach.n_pods
    sources, destinations = rows.sources, rows.destinations
    names = [_cell(r.ids[i]) for i in range(len(r.ids))]
    header = ",".join(names[d] for d in destinations)
    for number, (port, protocol) in enumerate(rows.ports):
        if number:
            out.write("\n")
        out.write(f"{port}/{protocol},{header}\n")
        matrix = rows.matrix(number)
        for start in range(0, len(sources), chunk_sources):
            src = sources[start:start + chunk_sources]
            allowed, _, _ = matrix.block(src, destinations)
            code = allowed.astype(np.uint8)
            code[(src >= p)[:, None] & (destinations >= p)[None, :]] = 2
            cells = np.empty((len(src), 2 * len(destinations)), dtype=np.uint8)
            cells[:, 0::2] = ord(",")
            cells[:, 1::2] = CELL[code]
            text = [names[s] + line.decode("ascii")
                    for s, line in zip(src.tolist(), map(bytes, cells), strict=True)]
            out.write("\n".join(text) + "\n")
