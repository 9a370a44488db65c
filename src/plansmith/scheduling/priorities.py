"""Priority rules and the activity lists they produce.

A rank is lower for a node that should go first. The user's task ``priority`` (1-1000) always
dominates: ranks are ``1000 - priority`` plus the rule's value scaled into [0, 1), so a rule only
orders tasks of equal priority, and higher-priority work gets contested resources first.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Sequence
from enum import StrEnum


class Rule(StrEnum):
    LATEST_FINISH = "lft"
    LATEST_START = "lst"
    MINIMUM_SLACK = "mslk"
    MOST_TOTAL_SUCCESSORS = "mts"
    RANK_POSITIONAL_WEIGHT = "grpw"
    RESOURCE_WEIGHTED = "wrup"


def rule_values(
    rule: Rule,
    *,
    early_start: Sequence[int],
    late_start: Sequence[int],
    late_finish: Sequence[int],
    duration: Sequence[int],
    successors: Sequence[Sequence[int]],
    total_successors: Sequence[int],
    resource_weight: Sequence[float],
) -> list[float]:
    """Raw values, smaller is better."""
    n = len(duration)
    if rule is Rule.LATEST_FINISH:
        return [float(x) for x in late_finish]
    if rule is Rule.LATEST_START:
        return [float(x) for x in late_start]
    if rule is Rule.MINIMUM_SLACK:
        return [float(late_start[j] - early_start[j]) for j in range(n)]
    if rule is Rule.MOST_TOTAL_SUCCESSORS:
        return [-float(x) for x in total_successors]
    if rule is Rule.RANK_POSITIONAL_WEIGHT:
        return [-float(duration[j] + sum(duration[s] for s in successors[j])) for j in range(n)]
    most = max(total_successors, default=1) or 1
    heaviest = max(resource_weight, default=1.0) or 1.0
    return [
        -(0.7 * total_successors[j] / most + 0.3 * resource_weight[j] / heaviest) for j in range(n)
    ]


def ranks(values: Sequence[float], priority: Sequence[int]) -> list[float]:
    """Scale ``values`` into [0, 1) and put the user's priority first."""
    lo = min(values, default=0.0)
    hi = max(values, default=0.0)
    width = (hi - lo) * 1.000001 or 1.0
    return [(1000 - p) + (v - lo) / width for v, p in zip(values, priority, strict=True)]


def reachable(order: Sequence[int], successors: Sequence[Sequence[int]]) -> list[int]:
    """Per node, the nodes its links lead to, as bits of an integer (fast for 10,000s)."""
    reach = [0] * len(successors)
    for j in reversed(order):
        bits = 0
        for s in successors[j]:
            bits |= reach[s] | (1 << s)
        reach[j] = bits
    return reach


def count_total_successors(order: Sequence[int], successors: Sequence[Sequence[int]]) -> list[int]:
    """Transitive successors per node."""
    return [bits.bit_count() for bits in reachable(order, successors)]


def activity_list(
    nodes: Sequence[int],
    predecessors: Sequence[Sequence[int]],
    successors: Sequence[Sequence[int]],
    rank: Sequence[float],
    choose: Callable[[list[tuple[float, int]]], int] | None = None,
) -> list[int]:
    """A precedence-feasible order of ``nodes``: repeatedly take an eligible node, the best-ranked
    one, or the one ``choose`` picks from the (rank, node) candidates."""
    member = set(nodes)
    waiting = {j: sum(1 for p in predecessors[j] if p in member) for j in nodes}
    heap = [(rank[j], j) for j in nodes if waiting[j] == 0]
    heapq.heapify(heap)
    out: list[int] = []
    while heap:
        if choose is None:
            _, j = heapq.heappop(heap)
        else:
            j = choose(heap)
            heap.remove((rank[j], j))
            heapq.heapify(heap)
        out.append(j)
        for s in successors[j]:
            if s in member:
                waiting[s] -= 1
                if waiting[s] == 0:
                    heapq.heappush(heap, (rank[s], s))
    return out


def regret_sampler(
    rng: random.Random, alpha: float = 1.0
) -> Callable[[list[tuple[float, int]]], int]:
    """Regret-based biased random sampling: among the eligible nodes of the best priority class,
    pick with probability proportional to (regret + 1) ** alpha, regret = worst rank - rank."""

    def choose(candidates: list[tuple[float, int]]) -> int:
        best_class = min(int(r) for r, _ in candidates)
        pool = [(r, j) for r, j in candidates if int(r) == best_class]
        if len(pool) == 1:
            return pool[0][1]
        worst = max(r for r, _ in pool)
        weights = [((worst - r) * 100 + 1) ** alpha for r, _ in pool]
        return rng.choices(pool, weights=weights)[0][1]

    return choose
