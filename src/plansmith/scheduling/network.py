"""The index-based snapshot the passes run on: nodes, typed links and a topological order.

Summary tasks do not take part directly. A link from a summary is a link from all of its leaves,
and a link to a summary is a link to all of its leaves; rather than multiplying edges (a phase of
500 tasks following another would give 250,000), each such end becomes one *gate*: an instant node
that all leaves feed (for a predecessor summary) or that feeds all leaves (for a successor summary).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np

from plansmith.domain.diagnostics import Diagnostic, DocPath, error, warning
from plansmith.domain.model import DependencyType, Project, Task
from plansmith.scheduling.calendars import CalendarBook
from plansmith.scheduling.timeline import Timeline

# (link leaves the predecessor's start, link constrains the successor's finish) per type
_ENDS = {t: (t.from_start, t.to_finish) for t in DependencyType}


@dataclass(frozen=True, slots=True)
class Edge:
    """``succ``'s start (or finish) >= ``pred``'s start (or finish) shifted by ``lag``."""

    pred: int
    pred_finish: bool
    succ: int
    succ_finish: bool
    lag: int
    origin: DocPath = ()


@dataclass(frozen=True)
class Network:
    """Nodes 0..len(project.tasks)-1 are the tasks in WBS order; gates follow.

    Edges are stored as columns indexed by edge number (``pred[k]``, ``lag[k]``...), and each
    node's edges as a slice of one tuple (``in_edges[in_start[j]:in_start[j + 1]]``): a plan of
    10,000 tasks has some 30,000 edges (gates included), and an object per edge or a tuple per
    node, made on every run, cost more than the passes that read them (the allocations alone
    set off the garbage collector dozens of times). ``edges``, ``incoming`` and ``outgoing``
    give the same as objects and per-node tuples, built on first use, for code that prefers
    them."""

    node_task: tuple[int, ...]  # the task a node stands for (a gate: its summary)
    instant: tuple[bool, ...]  # milestones and gates: start == finish, not snapped
    duration: tuple[int, ...]  # working minutes
    timelines: tuple[Timeline, ...]
    project_timeline: Timeline
    pred: tuple[int, ...]  # per edge
    pred_finish: tuple[bool, ...]
    succ: tuple[int, ...]
    succ_finish: tuple[bool, ...]
    lag: tuple[int, ...]
    origins: tuple[DocPath, ...]
    in_edges: tuple[int, ...]  # edge numbers by successor, in edge order
    in_start: tuple[int, ...]  # per node (and one past the last): where its edges start
    out_edges: tuple[int, ...]  # edge numbers by predecessor, in edge order
    out_start: tuple[int, ...]
    order: tuple[int, ...]  # topological order of scheduled nodes (leaves, milestones, gates)
    gate_count: int
    task_index: dict[str, int]  # a task's node by its id
    summaries: tuple[int, ...]  # the summary tasks (nodes without dates of their own)

    @cached_property
    def incoming(self) -> tuple[tuple[int, ...], ...]:
        """Edge numbers into each node."""
        return _per_node(self.in_edges, self.in_start)

    @cached_property
    def outgoing(self) -> tuple[tuple[int, ...], ...]:
        """Edge numbers out of each node."""
        return _per_node(self.out_edges, self.out_start)

    @cached_property
    def edges(self) -> tuple[Edge, ...]:
        return tuple(
            map(
                Edge,
                self.pred,
                self.pred_finish,
                self.succ,
                self.succ_finish,
                self.lag,
                self.origins,
            )
        )


def _per_node(edges: tuple[int, ...], start: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    return tuple(edges[start[j] : start[j + 1]] for j in range(len(start) - 1))


def _group(ends: list[int], node_count: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Edge numbers grouped by the node at one end (in edge order within a node), and where
    each node's group starts (a stable sort and a count, in NumPy)."""
    nodes = np.asarray(ends, dtype=np.int64)
    start = np.zeros(node_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(nodes, minlength=node_count), out=start[1:])
    return tuple(np.argsort(nodes, kind="stable").tolist()), tuple(start.tolist())


def build_network(project: Project) -> tuple[Network | None, list[Diagnostic]]:
    """Check references and links, resolve calendars, order the nodes; None when errors exist."""
    builder = _Builder(project)
    network = builder.build()
    return network, builder.diagnostics


class _Builder:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.tasks = project.tasks
        self.index = {task.id: i for i, task in enumerate(self.tasks)}
        self.summary = [task.is_summary for task in self.tasks]
        self.diagnostics: list[Diagnostic] = []
        # the edges, column by column (see Network)
        self.pred: list[int] = []
        self.pred_finish: list[bool] = []
        self.succ: list[int] = []
        self.succ_finish: list[bool] = []
        self.lag: list[int] = []
        self.origins: list[DocPath] = []
        self.gates: dict[tuple[int, str], int] = {}
        self.gate_task: list[int] = []
        self._leaves: dict[int, list[int]] = {}

    def build(self) -> Network | None:
        book = CalendarBook(self.project)
        resource_ids = {resource.id for resource in self.project.resources}
        timelines: list[Timeline | None] = []
        for task, summary in zip(self.tasks, self.summary, strict=True):
            if summary:
                self._check_summary(task)
            for assignment in task.assignments:
                if assignment.resource not in resource_ids:
                    self.diagnostics.append(
                        error(
                            "unknown_resource",
                            f"task '{task.id}' is assigned to unknown resource "
                            f"'{assignment.resource}'",
                            f"task:{task.id}",
                            assignment.origin,
                        )
                    )
            timelines.append(None if summary else book.task_timeline(task))
        project_timeline = book.project_timeline()
        for j, task in enumerate(self.tasks):
            if task.dependencies:
                self._add_links(j, task)
        self.diagnostics.extend(book.diagnostics)
        task_count = len(self.tasks)
        node_count = task_count + len(self.gate_task)
        in_edges, in_start = _group(self.succ, node_count)
        out_edges, out_start = _group(self.pred, node_count)
        scheduled = [j for j in range(task_count) if not self.summary[j]]
        scheduled.extend(range(task_count, node_count))
        order = self._topological_order(scheduled, in_start, out_edges, out_start)
        if len(order) < len(scheduled):
            self._report_cycles(set(scheduled) - set(order), _per_node(in_edges, in_start))
        if any(d.is_error for d in self.diagnostics) or project_timeline is None:
            return None
        gates = len(self.gate_task)
        return Network(
            node_task=(*range(task_count), *self.gate_task),
            instant=(*[task.is_milestone for task in self.tasks], *([True] * gates)),
            duration=(*(task.duration for task in self.tasks), *([0] * gates)),
            timelines=tuple(
                project_timeline if tl is None else tl for tl in [*timelines, *([None] * gates)]
            ),
            project_timeline=project_timeline,
            pred=tuple(self.pred),
            pred_finish=tuple(self.pred_finish),
            succ=tuple(self.succ),
            succ_finish=tuple(self.succ_finish),
            lag=tuple(self.lag),
            origins=tuple(self.origins),
            in_edges=in_edges,
            in_start=in_start,
            out_edges=out_edges,
            out_start=out_start,
            order=tuple(order),
            gate_count=gates,
            task_index=self.index,
            summaries=tuple(j for j in range(task_count) if self.summary[j]),
        )

    def _check_summary(self, task: Task) -> None:
        """Keys whose meaning does not carry to the tasks under a summary are refused, not
        dropped."""
        refused = [
            key
            for key, value in (("must_start_on", task.must_start_on), ("assign", task.assignments))
            if value
        ]
        for key in refused:
            self.diagnostics.append(
                error(
                    "invalid_on_summary",
                    f"summary task '{task.id}' cannot have {key}; put it on the tasks under it",
                    f"task:{task.id}",
                    (*task.origin, key),
                )
            )

    # -- links ---------------------------------------------------------------------------------

    def _add_links(self, j: int, task: Task) -> None:
        seen: set[tuple[str, DependencyType]] = set()
        summary = self.summary
        for dep in task.dependencies:
            p = self.index.get(dep.predecessor)
            if p is None or p == j or summary[p] or summary[j]:  # else a link between leaves
                problem = self._link_problem(task, j, p, dep.predecessor)
                if problem:
                    self.diagnostics.append(error(*problem, f"task:{task.id}", dep.origin))
                    continue
            assert p is not None
            key = (dep.predecessor, dep.type)
            if key in seen:
                self.diagnostics.append(
                    warning(
                        "duplicate_dependency",
                        f"task '{task.id}' lists {dep.type.value} on '{dep.predecessor}' twice; "
                        "the first one is used",
                        f"task:{task.id}",
                        dep.origin,
                    )
                )
                continue
            seen.add(key)
            from_start, to_finish = _ENDS[dep.type]
            pred, pred_finish = (
                self._gate(p, "from-start" if from_start else "from-finish")
                if summary[p]
                else (p, not from_start)
            )
            succ, succ_finish = (
                self._gate(j, "to-finish" if to_finish else "to-start")
                if summary[j]
                else (j, to_finish)
            )
            self.pred.append(pred)
            self.pred_finish.append(pred_finish)
            self.succ.append(succ)
            self.succ_finish.append(succ_finish)
            self.lag.append(dep.lag)
            self.origins.append(dep.origin)

    def _link_problem(
        self, task: Task, j: int, p: int | None, predecessor: str
    ) -> tuple[str, str] | None:
        """The code and message of an error that keeps a dependency out of the network."""
        if p is None:
            return "unknown_task", f"task '{task.id}' depends on unknown task '{predecessor}'"
        if p == j:
            return "self_dependency", f"task '{task.id}' depends on itself"
        # only a summary can be an ancestor
        if (self.summary[p] and self._is_ancestor(p, j)) or (
            self.summary[j] and self._is_ancestor(j, p)
        ):
            return (
                "dependency_on_own_summary",
                f"task '{task.id}' and '{predecessor}' are in the same branch of the WBS; a "
                "summary already spans its children",
            )
        return None

    def _is_ancestor(self, a: int, b: int) -> bool:
        parent = self.tasks[b].parent
        target = self.tasks[a].id
        while parent is not None:
            if parent == target:
                return True
            parent = self.tasks[self.index[parent]].parent
        return False

    def leaves(self, s: int) -> list[int]:
        if s not in self._leaves:
            out: list[int] = []
            for child in self.tasks[s].children:
                c = self.index[child]
                out.extend(self.leaves(c) if self.summary[c] else [c])
            self._leaves[s] = out
        return self._leaves[s]

    def _gate(self, s: int, kind: str) -> tuple[int, bool]:
        key = (s, kind)
        if key not in self.gates:
            g = len(self.tasks) + len(self.gate_task)
            self.gates[key] = g
            self.gate_task.append(s)
            finish = kind.endswith("finish")
            leaves = self.leaves(s)
            count = len(leaves)
            if kind.startswith("from"):  # every leaf -> the gate
                self.pred += leaves
                self.pred_finish += [finish] * count
                self.succ += [g] * count
                self.succ_finish += [False] * count
            else:  # the gate -> every leaf
                self.pred += [g] * count
                self.pred_finish += [False] * count
                self.succ += leaves
                self.succ_finish += [finish] * count
            self.lag += [0] * count
            self.origins += [()] * count
        return self.gates[key], False

    # -- order and cycles ----------------------------------------------------------------------

    def _topological_order(
        self,
        scheduled: list[int],
        in_start: tuple[int, ...],
        out_edges: tuple[int, ...],
        out_start: tuple[int, ...],
    ) -> list[int]:
        """Kahn's order; nodes on or after a cycle are left out."""
        indegree = [b - a for a, b in pairwise(in_start)]
        succ = self.succ
        ready = deque(j for j in scheduled if indegree[j] == 0)
        order: list[int] = []
        while ready:
            j = ready.popleft()
            order.append(j)
            for k in out_edges[out_start[j] : out_start[j + 1]]:
                s = succ[k]
                indegree[s] -= 1
                if indegree[s] == 0:
                    ready.append(s)
        return order

    def _report_cycles(self, remaining: set[int], incoming: tuple[tuple[int, ...], ...]) -> None:
        """Name each cycle once, walking back along links from nodes that never became ready."""
        visited: set[int] = set()
        for start in sorted(remaining):
            path: list[int] = []
            edges_on_path: list[int] = []
            position: dict[int, int] = {}
            node = start
            while node not in visited:
                visited.add(node)
                position[node] = len(path)
                path.append(node)
                edge = next(k for k in incoming[node] if self.pred[k] in remaining)
                edges_on_path.append(edge)
                node = self.pred[edge]
            if node not in position:
                continue  # reached a cycle reported already
            cycle_nodes = list(reversed(path[position[node] :]))
            cycle_edges = edges_on_path[position[node] :]
            names: list[str] = []
            for n in cycle_nodes:
                name = self._node_name(n)
                if not names or names[-1] != name:
                    names.append(name)
            if len(names) > 1 and names[0] == names[-1]:
                names.pop()
            where = next((k for k in cycle_edges if self.origins[k]), cycle_edges[0])
            owner = self.tasks[self._node_task(self.succ[where])].id
            self.diagnostics.append(
                error(
                    "dependency_cycle",
                    "dependency cycle: " + " -> ".join([*names, names[0]]),
                    f"task:{owner}",
                    self.origins[where],
                )
            )

    def _node_task(self, node: int) -> int:
        return node if node < len(self.tasks) else self.gate_task[node - len(self.tasks)]

    def _node_name(self, node: int) -> str:
        return self.tasks[self._node_task(node)].id
