"""A resource's use over time as a step function, for placing tasks without overbooking.

Units are integers (thousandths of a resource unit) so that sums are exact. Hand-written: the
generators need "first overbooked stretch in [a, b)" queries on a profile that changes after
every placement, which no maintained interval library answers directly.
"""

from __future__ import annotations

from bisect import bisect_right

MILLI = 1000


class ResourceProfile:
    """Use from ``times[i]`` until ``times[i + 1]`` is ``levels[i]``; zero outside."""

    __slots__ = ("capacity", "levels", "times")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.times: list[int] = []
        self.levels: list[int] = []

    def copy(self) -> ResourceProfile:
        other = ResourceProfile(self.capacity)
        other.times = self.times.copy()
        other.levels = self.levels.copy()
        return other

    def _breakpoint(self, t: int) -> int:
        """Index of a breakpoint at ``t``, inserting one if needed."""
        i = bisect_right(self.times, t) - 1
        if i >= 0 and self.times[i] == t:
            return i
        level = self.levels[i] if i >= 0 else 0
        self.times.insert(i + 1, t)
        self.levels.insert(i + 1, level)
        return i + 1

    def add(self, a: int, b: int, units: int) -> None:
        if a >= b or units == 0:
            return
        i = self._breakpoint(a)
        k = self._breakpoint(b)
        levels = self.levels
        for x in range(i, k):
            levels[x] += units

    def first_conflict(self, a: int, b: int, units: int) -> tuple[int, int] | None:
        """The first stretch [x, y) within [a, b) where adding ``units`` would overbook, with y
        extended to the end of the overbooked run (possibly past b); None if it fits."""
        limit = self.capacity - units
        times, levels = self.times, self.levels
        i = bisect_right(times, a) - 1
        i = max(i, 0)
        n = len(times)
        while i < n and times[i] < b:
            if levels[i] > limit and (i + 1 == n or times[i + 1] > a):
                x = max(times[i], a)
                k = i
                while k < n and levels[k] > limit:
                    k += 1
                return x, times[k] if k < n else times[-1]
            i += 1
        return None

    def last_conflict(self, a: int, b: int, units: int) -> tuple[int, int] | None:
        """The last overbooked stretch within [a, b), with x extended back to the start of the
        overbooked run (possibly before a); None if it fits."""
        limit = self.capacity - units
        times, levels = self.times, self.levels
        i = bisect_right(times, b - 1) - 1
        while i >= 0 and (i + 1 >= len(times) or times[i + 1] > a):
            if levels[i] > limit and times[i] < b:
                y = min(times[i + 1], b) if i + 1 < len(times) else b
                k = i
                while k > 0 and levels[k - 1] > limit:
                    k -= 1
                return times[k], y
            i -= 1
        return None

    def peak(self, a: int, b: int) -> int:
        times, levels = self.times, self.levels
        i = max(bisect_right(times, a) - 1, 0)
        best = 0
        while i < len(times) and times[i] < b:
            if i + 1 == len(times) or times[i + 1] > a:
                best = max(best, levels[i])
            i += 1
        return best

    def segments(self) -> list[tuple[int, int, int]]:
        """(from, to, level) for every stretch of non-zero use."""
        out = []
        for i in range(len(self.times) - 1):
            if self.levels[i]:
                out.append((self.times[i], self.times[i + 1], self.levels[i]))
        return out


class GridProfile:
    """The same questions answered on a grid of equal cells: one use count per cell.

    For working-time axes where every position and duration is a multiple of ``cell`` (all of
    PSPLIB; most plans at 15-60 minute cells), looking at a few cells beats keeping breakpoints
    sorted; it is the generators' hot loop. The grid grows at either end as needed (backward
    passes may place work before the project start).
    """

    __slots__ = ("base", "capacity", "cell", "use")

    def __init__(self, capacity: int, cell: int) -> None:
        self.capacity = capacity
        self.cell = cell
        self.base = 0  # the cell number of use[0]
        self.use: list[int] = []

    def copy(self) -> GridProfile:
        other = GridProfile(self.capacity, self.cell)
        other.base = self.base
        other.use = self.use.copy()
        return other

    def add(self, a: int, b: int, units: int) -> None:
        i, k = a // self.cell, b // self.cell
        if i < self.base:
            self.use[:0] = [0] * (self.base - i + 64)
            self.base = i - 64
        use = self.use
        i -= self.base
        k -= self.base
        if k > len(use):
            use.extend([0] * (k - len(use) + 64))
        for x in range(i, k):
            use[x] += units

    def first_conflict(self, a: int, b: int, units: int) -> tuple[int, int] | None:
        limit = self.capacity - units
        use = self.use
        cell, base = self.cell, self.base
        end = min(b // cell - base, len(use))
        for x in range(max(a // cell - base, 0), end):
            if use[x] > limit:
                y = x + 1
                while y < len(use) and use[y] > limit:
                    y += 1
                return (x + base) * cell, (y + base) * cell
        return None

    def last_conflict(self, a: int, b: int, units: int) -> tuple[int, int] | None:
        limit = self.capacity - units
        use = self.use
        cell, base = self.cell, self.base
        low = max(a // cell - base, 0)
        for x in range(min(b // cell - base, len(use)) - 1, low - 1, -1):
            if use[x] > limit:
                w = x
                while w > 0 and use[w - 1] > limit:
                    w -= 1
                return (w + base) * cell, (x + 1 + base) * cell
        return None

    def peak(self, a: int, b: int) -> int:
        lo = max(a // self.cell - self.base, 0)
        cells = self.use[lo : max(b // self.cell - self.base, 0)]
        return max(cells, default=0)

    def segments(self) -> list[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        for x, level in enumerate(self.use):
            if not level:
                continue
            a, b = (x + self.base) * self.cell, (x + 1 + self.base) * self.cell
            if out and out[-1][1] == a and out[-1][2] == level:
                out[-1] = (out[-1][0], b, level)
            else:
                out.append((a, b, level))
        return out
