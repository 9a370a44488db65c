"""The index-based snapshot the passes run on: nodes, typed links and a topological order.

Summary tasks do not take part directly. A link from a summary is a link from all of its leaves,
and a link to a summary is a link to all of its leaves; rather than multiplying edges (a phase of
500 tasks following another would give 250,000), each such end becomes one *gate*: an instant node
that all leaves feed (for a predecessor summary) or that feeds all leaves (for a successor summary).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from plansmith.domain.diagnostics import Diagnostic, DocPath, error, warning
from plansmith.domain.model import Project, Task
from plansmith.scheduling.calendars import CalendarBook
from plansmith.scheduling.timeline import Timeline


@dataclass(frozen=True, slots=True)
class Edge:
    """``succ``'s start (or finish) >= ``pred``'s start (or finish) shifted by ``lag``."""

    pred: int
    pred_finish: bool
    succ: int
    succ_finish: bool
    lag: int
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Network:
    """Nodes 0..len(project.tasks)-1 are the tasks in WBS order; gates follow."""

    node_task: tuple[int, ...]  # the task a node stands for (a gate: its summary)
    instant: tuple[bool, ...]  # milestones and gates: start == finish, not snapped
    duration: tuple[int, ...]  # working minutes
    timelines: tuple[Timeline, ...]
    project_timeline: Timeline
    edges: tuple[Edge, ...]
    incoming: tuple[tuple[int, ...], ...]  # edge indices per node
    outgoing: tuple[tuple[int, ...], ...]
    order: tuple[int, ...]  # topological order of scheduled nodes (leaves, milestones, gates)
    gate_count: int


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
        self.diagnostics: list[Diagnostic] = []
        self.edges: list[Edge] = []
        self.gates: dict[tuple[int, str], int] = {}
        self.gate_task: list[int] = []
        self._leaves: dict[int, list[int]] = {}

    def build(self) -> Network | None:
        book = CalendarBook(self.project)
        resource_ids = {resource.id for resource in self.project.resources}
        timelines: list[Timeline | None] = []
        for task in self.tasks:
            if task.is_summary:
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
            calendar = None if task.is_summary else book.task_calendar(task)
            timelines.append(book.timeline(calendar) if calendar is not None else None)
        project_timeline = (
            book.timeline(book.project_calendar) if book.project_calendar is not None else None
        )
        for j in range(len(self.tasks)):
            self._add_links(j)
        self.diagnostics.extend(book.diagnostics)
        node_count = len(self.tasks) + len(self.gate_task)
        incoming: list[list[int]] = [[] for _ in range(node_count)]
        outgoing: list[list[int]] = [[] for _ in range(node_count)]
        for k, edge in enumerate(self.edges):
            outgoing[edge.pred].append(k)
            incoming[edge.succ].append(k)
        scheduled = [j for j, task in enumerate(self.tasks) if not task.is_summary]
        scheduled.extend(range(len(self.tasks), node_count))
        order = self._topological_order(scheduled, incoming, outgoing)
        if any(d.is_error for d in self.diagnostics) or project_timeline is None:
            return None
        node_timelines = [
            tl if tl is not None else project_timeline
            for tl in [*timelines, *([None] * len(self.gate_task))]
        ]
        return Network(
            node_task=(*range(len(self.tasks)), *self.gate_task),
            instant=(
                *(task.is_milestone for task in self.tasks),
                *([True] * len(self.gate_task)),
            ),
            duration=(*(task.duration for task in self.tasks), *([0] * len(self.gate_task))),
            timelines=tuple(node_timelines),
            project_timeline=project_timeline,
            edges=tuple(self.edges),
            incoming=tuple(tuple(x) for x in incoming),
            outgoing=tuple(tuple(x) for x in outgoing),
            order=tuple(order),
            gate_count=len(self.gate_task),
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

    def _add_links(self, j: int) -> None:
        task = self.tasks[j]
        seen: set[tuple[str, str]] = set()
        for dep in task.dependencies:
            subject = f"task:{task.id}"
            p = self.index.get(dep.predecessor)
            if p is None:
                self.diagnostics.append(
                    error(
                        "unknown_task",
                        f"task '{task.id}' depends on unknown task '{dep.predecessor}'",
                        subject,
                        dep.origin,
                    )
                )
                continue
            if p == j:
                self.diagnostics.append(
                    error(
                        "self_dependency",
                        f"task '{task.id}' depends on itself",
                        subject,
                        dep.origin,
                    )
                )
                continue
            if self._is_ancestor(p, j) or self._is_ancestor(j, p):
                self.diagnostics.append(
                    error(
                        "dependency_on_own_summary",
                        f"task '{task.id}' and '{dep.predecessor}' are in the same branch of the "
                        "WBS; a summary already spans its children",
                        subject,
                        dep.origin,
                    )
                )
                continue
            key = (dep.predecessor, dep.type.value)
            if key in seen:
                self.diagnostics.append(
                    warning(
                        "duplicate_dependency",
                        f"task '{task.id}' lists {dep.type.value} on '{dep.predecessor}' twice; "
                        "the first one is used",
                        subject,
                        dep.origin,
                    )
                )
                continue
            seen.add(key)
            pred, pred_finish = self._source(p, finish=not dep.type.from_start)
            succ, succ_finish = self._target(j, finish=dep.type.to_finish)
            self.edges.append(Edge(pred, pred_finish, succ, succ_finish, dep.lag, dep.origin))

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
                out.extend(self.leaves(c) if self.tasks[c].is_summary else [c])
            self._leaves[s] = out
        return self._leaves[s]

    def _gate(self, s: int, kind: str) -> tuple[int, bool]:
        key = (s, kind)
        if key not in self.gates:
            g = len(self.tasks) + len(self.gate_task)
            self.gates[key] = g
            self.gate_task.append(s)
            finish = kind.endswith("finish")
            for leaf in self.leaves(s):
                if kind.startswith("from"):
                    self.edges.append(Edge(leaf, finish, g, False, 0))
                else:
                    self.edges.append(Edge(g, False, leaf, finish, 0))
        return self.gates[key], False

    def _source(self, p: int, *, finish: bool) -> tuple[int, bool]:
        if not self.tasks[p].is_summary:
            return p, finish
        return self._gate(p, "from-finish" if finish else "from-start")

    def _target(self, j: int, *, finish: bool) -> tuple[int, bool]:
        if not self.tasks[j].is_summary:
            return j, finish
        return self._gate(j, "to-finish" if finish else "to-start")

    # -- order and cycles ----------------------------------------------------------------------

    def _topological_order(
        self, scheduled: list[int], incoming: list[list[int]], outgoing: list[list[int]]
    ) -> list[int]:
        indegree = {j: len(incoming[j]) for j in scheduled}
        ready = deque(j for j in scheduled if indegree[j] == 0)
        order: list[int] = []
        while ready:
            j = ready.popleft()
            order.append(j)
            for k in outgoing[j]:
                succ = self.edges[k].succ
                indegree[succ] -= 1
                if indegree[succ] == 0:
                    ready.append(succ)
        if len(order) < len(scheduled):
            self._report_cycles({j for j in scheduled if indegree[j] > 0}, incoming)
        return order

    def _report_cycles(self, remaining: set[int], incoming: list[list[int]]) -> None:
        """Name each cycle once, walking back along links from nodes that never became ready."""
        visited: set[int] = set()
        for start in sorted(remaining):
            path: list[int] = []
            edges_on_path: list[Edge] = []
            position: dict[int, int] = {}
            node = start
            while node not in visited:
                visited.add(node)
                position[node] = len(path)
                path.append(node)
                edge = next(
                    self.edges[k] for k in incoming[node] if self.edges[k].pred in remaining
                )
                edges_on_path.append(edge)
                node = edge.pred
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
            where = next((e for e in cycle_edges if e.origin), cycle_edges[0])
            owner = self.tasks[self._node_task(where.succ)].id
            self.diagnostics.append(
                error(
                    "dependency_cycle",
                    "dependency cycle: " + " -> ".join([*names, names[0]]),
                    f"task:{owner}",
                    where.origin,
                )
            )

    def _node_task(self, node: int) -> int:
        return node if node < len(self.tasks) else self.gate_task[node - len(self.tasks)]

    def _node_name(self, node: int) -> str:
        return self.tasks[self._node_task(node)].id
