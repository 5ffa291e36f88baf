"""Accuracy at matched compute: the Pareto frontier of top-1 against MACs.

A network is on the frontier when no other network is at least as accurate for no more
multiply-adds (and strictly better in one of the two). This is how the EfficientNet paper
(Tan & Le 2019, Table 2 and Fig. 5) compares models, rather than accuracy per MAC, which
rewards tiny networks whatever their accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence


def pareto_front(rows: Sequence[dict]) -> list[dict]:
    """The rows with a known ``top1`` that no other row dominates, cheapest first."""
    known = sorted((r for r in rows if r["top1"] is not None),
                   key=lambda r: (r["macs"], -r["top1"]))
    front, best = [], float("-inf")
    for row in known:
        if row["top1"] > best:
            front.append(row)
            best = row["top1"]
    return front
