"""One-to-one matching: a maximum matching that, among all maximum matchings, has the least total cost.

Used by the evaluation to pair predicted with gold events (and tallies) within a report. The sets
are small, so an exact Hungarian algorithm on a square matrix is simple and fast enough.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Costs = Sequence[Sequence[float | None]]  # rows x columns; None: the pair may not match


def match_pairs(costs: Costs) -> list[tuple[int, int]]:
    """``(row, column)`` pairs of a maximum matching of allowed pairs with minimal total cost.

    Forbidden pairs and padding cost ``big``, more than all allowed costs together, so a matching
    with one more real pair always beats any saving in cost; then cost decides.
    """
    rows = len(costs)
    cols = max((len(row) for row in costs), default=0)
    if rows == 0 or cols == 0:
        return []
    allowed = [c for row in costs for c in row if c is not None]
    if not allowed:
        return []
    if min(allowed) < 0:
        raise ValueError("match_pairs: costs must not be negative")
    big = 1.0 + sum(allowed)
    size = max(rows, cols)
    square = [[_cost_at(costs, i, j, big) for j in range(size)] for i in range(size)]
    chosen = hungarian(square)
    return [(i, j) for i, j in enumerate(chosen)
            if i < rows and j < len(costs[i]) and costs[i][j] is not None]


def _cost_at(costs: Costs, i: int, j: int, big: float) -> float:
    if i >= len(costs) or j >= len(costs[i]):
        return big
    cost = costs[i][j]
    return big if cost is None else float(cost)


def hungarian(cost: Sequence[Sequence[float]]) -> list[int]:
    """For a square matrix, the column assigned to each row in a minimum-cost perfect assignment.

    The classic O(n^3) shortest-augmenting-path method with row and column potentials ``u``, ``v``:
    rows join one at a time; each grows a tree of tight edges until it reaches a free column, and
    the path to that column is flipped. Index 0 is a sentinel: rows and columns count from 1.
    """
    n = len(cost)
    u, v = [0.0] * (n + 1), [0.0] * (n + 1)
    row_of = [0] * (n + 1)  # row_of[j]: the row assigned to column j (0: free)
    way = [0] * (n + 1)  # way[j]: the previous column on the augmenting path to column j
    for i in range(1, n + 1):
        row_of[0] = i
        free_column = _grow_tree(cost, u, v, row_of, way)
        _flip_path(free_column, row_of, way)
    chosen = [0] * n
    for j in range(1, n + 1):
        chosen[row_of[j] - 1] = j - 1
    return chosen


def _grow_tree(cost: Sequence[Sequence[float]], u: list[float], v: list[float], row_of: list[int],
               way: list[int]) -> int:
    """Dijkstra-like search from the new row (``row_of[0]``) over reduced costs, updating the
    potentials; returns the first free column reached."""
    n = len(cost)
    min_reduced = [math.inf] * (n + 1)
    used = [False] * (n + 1)
    j0 = 0
    while True:
        used[j0] = True
        i0, delta, j1 = row_of[j0], math.inf, 0
        for j in range(1, n + 1):
            if used[j]:
                continue
            reduced = cost[i0 - 1][j - 1] - u[i0] - v[j]
            if reduced < min_reduced[j]:
                min_reduced[j], way[j] = reduced, j0
            if min_reduced[j] < delta:
                delta, j1 = min_reduced[j], j
        for j in range(n + 1):
            if used[j]:
                u[row_of[j]] += delta
                v[j] -= delta
            else:
                min_reduced[j] -= delta
        j0 = j1
        if row_of[j0] == 0:
            return j0


def _flip_path(j0: int, row_of: list[int], way: list[int]) -> None:
    """Shift every row on the path ending at free column ``j0`` one column along it."""
    while j0 != 0:
        j1 = way[j0]
        row_of[j0] = row_of[j1]
        j0 = j1
