"""Fast leveling: priority rules, sampling, a genetic algorithm, all improved by justification.

Every schedule is decoded from an activity list (a precedence-feasible order) by a generation
scheme and then improved by forward-backward justification. The search starts from each priority
rule's list (serial and parallel schemes), then evolves a population of lists: two-point order
crossover and adjacent swaps keep lists precedence-feasible, and each child's list is replaced by
the order of its justified schedule, so good packings are inherited. When tasks differ in priority
the genetic phase is replaced by priority-respecting regret-based sampling, since crossover would
mix priority classes.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from plansmith.scheduling.priorities import Rule, activity_list, ranks, regret_sampler
from plansmith.scheduling.sgs import Placement, parallel_forward, serial_backward, serial_forward

if TYPE_CHECKING:
    from plansmith.scheduling.leveling import LevelingModel, LevelingOptions

POPULATION = 40
MUTATION = 0.05


def makespan(placement: Placement, task_count: int) -> int:
    return max(placement.finish[:task_count], default=0)


def key(placement: Placement, task_count: int) -> tuple[int, int]:
    return makespan(placement, task_count), sum(placement.finish[:task_count])


def justify(model: LevelingModel, placement: Placement, rounds: int = 3) -> tuple[Placement, int]:
    """Forward-backward improvement: right-justify against the makespan, then left-justify in
    order of the right-justified starts; repeat while it shortens. Returns the schedules made."""
    problem, n = model.problem, model.task_count
    order = problem.order
    best = placement
    made = 0
    for _ in range(rounds):
        horizon = makespan(best, n)
        back_order = activity_list(
            order,
            model.successors,
            model.predecessors,
            ranks([-f for f in best.finish], model.priority),
        )
        back = serial_backward(problem, back_order, horizon)
        forward_order = activity_list(
            order, model.predecessors, model.successors, ranks(back.start, model.priority)
        )
        forward = serial_forward(problem, forward_order)
        made += 2
        if key(forward, n) < key(best, n):
            best = forward
        else:
            break
    return best, made


def search_both_cores(
    model: LevelingModel,
    options: LevelingOptions,
    began: float,
    seeds: tuple[Placement, ...] = (),
) -> tuple[Placement, int]:
    """:func:`search` on two cores: a forked worker searches with the next seed and half the
    schedule budget, and the better result wins (ties go to this process), so a seed and a
    budget still decide the result. Falls back to one process where fork is unavailable."""
    forkless = "fork" not in multiprocessing.get_all_start_methods()
    if forkless or options.one_core or model.task_count < 8:
        return search(model, options, began, seeds=seeds)
    total = options.schedules
    half = None if total is None else max(1, total // 2)
    worker_options = replace(options, seed=options.seed + 1, schedules=half)
    own_options = replace(options, schedules=None if total is None else max(1, total - total // 2))
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_worker, args=(model, worker_options, began, sender, seeds))
    worker.start()
    sender.close()
    best, count = search(model, own_options, began, seeds=seeds)
    try:
        position, start, finish, other_count = receiver.recv()
    except EOFError:  # the worker died: keep what this process found
        worker.join()
        return best, count
    worker.join()
    other = Placement(position, start, finish)
    n = model.task_count
    return (other if key(other, n) < key(best, n) else best), count + other_count


def _worker(
    model: LevelingModel,
    options: LevelingOptions,
    began: float,
    sender: Connection,
    seeds: tuple[Placement, ...],
) -> None:
    best, count = search(model, options, began, rules_first=False, seeds=seeds)
    sender.send((best.position, best.start, best.finish, count))
    sender.close()


def search(
    model: LevelingModel,
    options: LevelingOptions,
    began: float,
    *,
    rules_first: bool = True,
    seeds: tuple[Placement, ...] = (),
) -> tuple[Placement, int]:
    """The best schedule found within the budget; deterministic for a seed and a count.

    ``rules_first`` starts from each priority rule's schedule; the second core's worker skips
    that (the main process makes the same schedules) and samples from the start. ``seeds`` are
    schedules found elsewhere (optimal mode's CP-SAT): they join the population first, so the
    search breeds from them."""
    problem, n = model.problem, model.task_count
    rng = random.Random(options.seed)
    stop_at = began + options.time_limit
    budget = options.schedules if options.schedules is not None else 1 << 62
    best: Placement | None = None
    count = 0
    pool: list[tuple[tuple[int, int], list[int]]] = []  # (key, justified activity list)

    def consider(placement: Placement) -> tuple[int, int]:
        nonlocal best, count
        improved, made = justify(model, placement)
        count += 1 + made
        if best is None or key(improved, n) < key(best, n):
            best = improved
        found = key(improved, n)
        pool.append((found, _justified_order(model, improved)))
        return found

    def spent() -> bool:
        if best is None:
            return False
        proven = makespan(best, n) <= model.lower_bound  # nothing shorter exists
        return proven or count >= budget or time.perf_counter() >= stop_at

    for placement in seeds:
        consider(placement)
    for rule in Rule if rules_first else ():
        if spent():
            break
        rank = model.rule_ranks[rule]
        consider(
            serial_forward(
                problem, activity_list(problem.order, model.predecessors, model.successors, rank)
            )
        )
        if spent() or problem.latest is not None or model.uses_priorities:
            continue  # the parallel scheme honours neither "within float" nor priorities
        consider(parallel_forward(problem, rank, model.predecessors, model.successors))
    rules = list(Rule)
    sampler = regret_sampler(rng)

    def sample() -> list[int]:
        rank = model.rule_ranks[rules[rng.randrange(len(rules))]]
        return activity_list(
            problem.order, model.predecessors, model.successors, rank, choose=sampler
        )

    if model.uses_priorities:
        while not spent():
            consider(serial_forward(problem, sample()))
    else:
        while len(pool) < POPULATION and not spent():
            consider(serial_forward(problem, sample()))
        successors = [set(s) for s in model.successors]
        while not spent():
            pool.sort(key=lambda item: item[0])
            del pool[POPULATION:]
            mother = _tournament(pool, rng)
            father = _tournament(pool, rng)
            child = _crossover(mother, father, rng)
            _mutate(child, successors, rng)
            consider(serial_forward(problem, child))
    assert best is not None
    return best, count


def _justified_order(model: LevelingModel, placement: Placement) -> list[int]:
    """The activity list that reproduces a schedule: nodes by start, precedence kept."""
    return activity_list(model.problem.order, model.predecessors, model.successors, placement.start)


def _tournament(pool: list[tuple[tuple[int, int], list[int]]], rng: random.Random) -> list[int]:
    a, b = rng.randrange(len(pool)), rng.randrange(len(pool))
    return pool[min(a, b)][1]  # the pool is sorted: the smaller index is the fitter


def _crossover(mother: list[int], father: list[int], rng: random.Random) -> list[int]:
    """Two-point order crossover: the mother's head, then the father's order for the middle,
    then the mother's order; every list it makes is precedence-feasible when both parents are."""
    size = len(mother)
    q1, q2 = sorted((rng.randrange(size + 1), rng.randrange(size + 1)))
    child = mother[:q1]
    taken = set(child)
    for node in father:
        if len(child) >= q2:
            break
        if node not in taken:
            child.append(node)
            taken.add(node)
    child.extend(node for node in mother if node not in taken)
    return child


def _mutate(sequence: list[int], successors: list[set[int]], rng: random.Random) -> None:
    """Swap neighbours that are not linked, each with a small probability."""
    for k in range(len(sequence) - 1):
        if rng.random() < MUTATION and sequence[k + 1] not in successors[sequence[k]]:
            sequence[k], sequence[k + 1] = sequence[k + 1], sequence[k]
