"""Monte Carlo with resource leveling: each iteration's durations are leveled, one at a time.

Leveling is a search, not a formula, so it cannot be vectorised over iterations the way the
critical-path passes are; each iteration levels a copy of the plan with its sampled durations
(fast mode, a fixed number of schedules so the answer depends only on the seed). The batches still
run on both cores, and each leveling stays on one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from plansmith.analytics.montecarlo import Simulation
from plansmith.analytics.tally import Tally
from plansmith.domain.model import Project, Task
from plansmith.scheduling.leveling import LevelingOptions, level_project, level_variant


class LeveledBatches:
    def __init__(self, model: Simulation, options: LevelingOptions) -> None:
        self.model = model
        # A fixed number of schedules and no time limit: the answer must not depend on speed.
        self.options = replace(options, one_core=True, explain=False, time_limit=1e9)
        base = level_project(model.project, self.options).schedule
        self.finish_zero = model.passes.net.project_timeline.work_at(base.finish)
        self.base_finish = base.finish
        # A milestone's promised date, when no deadline is given, is its leveled planned date.
        targets = [
            t if t.kind != "planned" else replace(t, limit=base.tasks[t.task].finish)
            for t in model.targets
        ]
        self.model = model = replace(model, targets=targets)

    def run(self, seed: np.random.SeedSequence, count: int, latin: bool) -> Tally:
        model = self.model
        rng = np.random.default_rng(seed)
        draw = model.uncertainty.draw(rng, count, latin=latin)
        project = model.project
        tasks = project.tasks
        finish = np.zeros(count, dtype=np.int64)
        critical = np.zeros(len(tasks), dtype=np.int64)
        hits = np.zeros(len(model.targets), dtype=np.int64)
        leaves = [j for j, t in enumerate(tasks) if not t.is_summary and not t.is_milestone]
        network = model.passes.net
        # A leaf sampled to zero minutes would turn into a milestone for the leveler: keep 1.
        durations = np.maximum(draw.duration, 1)
        durations[[j for j in range(len(network.node_task)) if j not in set(leaves)]] = 0
        for i in range(count):
            changed: list[Task] = list(tasks)
            column = [int(d) for d in durations[:, i]]
            for j in leaves:
                if column[j] != tasks[j].duration:
                    changed[j] = replace(tasks[j], duration=column[j])
            variant: Project = replace(project, tasks=tuple(changed))
            seed_i = int(rng.integers(0, 2**31 - 1))
            leveled = level_variant(
                variant,
                replace(network, duration=tuple(column)),
                replace(self.options, seed=seed_i),
            ).schedule
            finish[i] = leveled.finish
            for j, scheduled in enumerate(leveled.tasks):
                if scheduled.critical and not tasks[j].is_summary:
                    critical[j] += 1
            for k, target in enumerate(model.targets):
                hits[k] += leveled.tasks[target.task].finish <= target.limit
        vt_work = np.array(
            [model.passes.net.project_timeline.work_at(int(f)) for f in finish], dtype=np.int64
        )
        return model.tally(draw, finish, vt_work - self.finish_zero, critical, hits)
