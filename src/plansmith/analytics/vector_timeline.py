"""The timeline's four functions over whole arrays of instants or working positions.

A simulation asks the same question of thousands of iterations at once; ``np.searchsorted`` over
the compiled interval arrays answers them in one call where the scalar ``bisect`` look-ups of
:class:`~plansmith.scheduling.timeline.Timeline` would take one call each. The scalar functions
stay the definition: each batched one first lets the timeline grow (by asking it the scalar
question at both ends of the batch, when they fall outside its compiled range) and then reads
the same arrays.
"""

from __future__ import annotations

import numpy as np

from plansmith.scheduling.timeline import Timeline


class VectorTimeline:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._source: object = None
        self._read()

    def _read(self) -> None:
        starts, ends, cum, cum_end = self.timeline.intervals()  # array('q'): read in place
        if self._source is starts:  # still the same compilation
            return
        self._source = starts
        self.starts = np.frombuffer(starts, dtype=np.int64)
        self.ends = np.frombuffer(ends, dtype=np.int64)
        self.cum = np.frombuffer(cum, dtype=np.int64)
        self.cum_end = np.frombuffer(cum_end, dtype=np.int64)

    def _cover_instants(self, t: np.ndarray) -> None:
        self.timeline.cover(int(t.min()))
        self.timeline.cover(int(t.max()))
        self._read()

    def _cover_work(self, w: np.ndarray) -> None:
        self.timeline.cover_work(int(w.min()), int(w.max()))
        self._read()

    def work_at(self, t: np.ndarray) -> np.ndarray:
        self._cover_instants(t)
        i = np.searchsorted(self.starts, t, side="right") - 1
        before = i < 0  # before the first working interval of the compiled range
        i[before] = 0
        out: np.ndarray = self.cum[i] + np.minimum(t, self.ends[i]) - self.starts[i]
        out[before] = self.cum[0]
        return out

    def start_of(self, w: np.ndarray) -> np.ndarray:
        self._cover_work(w)
        i = np.searchsorted(self.cum_end, w, side="right")
        out: np.ndarray = self.starts[i] + w - self.cum[i]
        return out

    def finish_of(self, w: np.ndarray) -> np.ndarray:
        self._cover_work(w)
        i = np.searchsorted(self.cum_end, w, side="left")
        out: np.ndarray = self.starts[i] + w - self.cum[i]
        return out

    def work_floor(self, t: np.ndarray) -> np.ndarray:
        w = self.work_at(t)
        return w - (self.start_of(w) > t)
