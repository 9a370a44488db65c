"""ResourceProfile: a resource's use over time as a step function (milli-units, integer times).

Hand-made profiles first, then a randomized comparison with a minute-by-minute array.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from plansmith.scheduling.profile import MILLI, GridProfile, ResourceProfile

Profile = ResourceProfile | GridProfile


def profile(capacity: int, *bookings: tuple[int, int, int]) -> ResourceProfile:
    p = ResourceProfile(capacity)
    for a, b, units in bookings:
        p.add(a, b, units)
    return p


# -- add and segments --------------------------------------------------------------------------


def test_an_empty_profile_has_no_use() -> None:
    p = ResourceProfile(MILLI)
    assert p.segments() == []
    assert p.peak(-100, 100) == 0
    assert p.first_conflict(0, 10, MILLI) is None
    assert p.last_conflict(0, 10, MILLI) is None


def test_overlapping_bookings_add_up() -> None:
    p = profile(2000, (0, 10, 500), (5, 15, 500))
    assert p.segments() == [(0, 5, 500), (5, 10, 1000), (10, 15, 500)]


def test_segments_leave_out_idle_stretches() -> None:
    p = profile(1000, (0, 5, 1000), (8, 10, 250))
    assert p.segments() == [(0, 5, 1000), (8, 10, 250)]


def test_touching_bookings_stay_separate_steps() -> None:
    """[0, 5) and [5, 9) do not overlap: the level never reaches 2000."""
    p = profile(1000, (0, 5, 1000), (5, 9, 1000))
    assert p.peak(0, 9) == 1000
    assert [level for _, _, level in p.segments()] == [1000, 1000]


def test_empty_or_zero_bookings_change_nothing() -> None:
    p = profile(1000, (5, 5, 1000), (7, 3, 1000), (0, 10, 0))
    assert p.segments() == []
    assert p.peak(-10, 20) == 0


def test_negative_times_are_fine() -> None:
    p = profile(1000, (-30, -10, 1000))
    assert p.segments() == [(-30, -10, 1000)]
    assert p.first_conflict(-20, 0, 500) == (-20, -10)


def test_copy_is_independent() -> None:
    p = profile(1000, (0, 10, 500))
    q = p.copy()
    q.add(0, 10, 500)
    assert p.segments() == [(0, 10, 500)]
    assert q.segments() == [(0, 10, 1000)]
    assert q.capacity == 1000


# -- peak --------------------------------------------------------------------------------------


def test_peak_is_the_highest_level_overlapping_the_window() -> None:
    p = profile(3000, (0, 10, 1000), (4, 6, 1000), (20, 30, 500))
    assert p.peak(0, 30) == 2000
    assert p.peak(5, 6) == 2000
    assert p.peak(6, 10) == 1000
    assert p.peak(0, 4) == 1000
    assert p.peak(10, 20) == 0  # half-open: the first booking ends at 10
    assert p.peak(29, 40) == 500
    assert p.peak(30, 40) == 0
    assert p.peak(-10, 0) == 0
    assert p.peak(-10, 1) == 1000


# -- first_conflict ----------------------------------------------------------------------------


def test_a_booking_that_fits_has_no_conflict() -> None:
    p = profile(2000, (0, 10, 1000))
    assert p.first_conflict(0, 10, 1000) is None  # exactly full is not overbooked
    assert p.first_conflict(10, 20, 2000) is None  # starts where the booking ends
    assert p.first_conflict(-5, 0, 2000) is None  # ends where the booking starts


def test_first_conflict_is_clipped_at_the_start_of_the_window() -> None:
    p = profile(1000, (0, 10, 1000))
    assert p.first_conflict(5, 20, 500) == (5, 10)
    assert p.first_conflict(-5, 3, 500) == (0, 10)  # y: the end of the full stretch, past b


def test_first_conflict_is_the_earliest_of_several() -> None:
    p = profile(1000, (0, 5, 1000), (10, 15, 1000))
    assert p.first_conflict(3, 12, 1000) == (3, 5)
    assert p.first_conflict(5, 12, 1000) == (10, 15)
    assert p.first_conflict(5, 10, 1000) is None


def test_first_conflict_runs_to_the_end_of_the_overbooked_run() -> None:
    """Adjacent steps that are both too full for the request form one run."""
    p = profile(1000, (0, 10, 1000), (10, 20, 800), (20, 30, 300))
    assert p.first_conflict(5, 6, 500) == (5, 20)  # 300 + 500 fits from 20 on
    assert p.first_conflict(5, 6, 800) == (5, 30)
    assert p.first_conflict(12, 13, 200) is None  # 800 + 200 fits


def test_first_conflict_depends_on_the_units_asked_for() -> None:
    p = profile(2000, (0, 10, 1500))
    assert p.first_conflict(0, 10, 500) is None
    assert p.first_conflict(0, 10, 501) == (0, 10)


# -- last_conflict -----------------------------------------------------------------------------


def test_last_conflict_is_the_latest_of_several() -> None:
    p = profile(1000, (0, 5, 1000), (10, 15, 1000))
    assert p.last_conflict(3, 12, 1000) == (10, 12)  # y clipped at the window's end
    assert p.last_conflict(3, 10, 1000) == (0, 5)  # x: the start of the run, before a
    assert p.last_conflict(5, 10, 1000) is None
    assert p.last_conflict(15, 20, 1000) is None


def test_last_conflict_runs_back_to_the_start_of_the_overbooked_run() -> None:
    p = profile(1000, (0, 10, 300), (10, 20, 800), (20, 30, 1000))
    assert p.last_conflict(25, 40, 500) == (10, 30)
    assert p.last_conflict(25, 40, 800) == (0, 30)
    assert p.last_conflict(25, 40, 0) is None


def test_the_grid_profile_grows_to_the_left_for_work_before_the_start() -> None:
    """Backward passes may place work before position 0: the grid extends both ways."""
    p = GridProfile(1000, 5)
    p.add(10, 20, 500)
    p.add(-20, -5, 1000)
    p.add(-400, -395, 250)
    assert p.segments() == [(-400, -395, 250), (-20, -5, 1000), (10, 20, 500)]
    assert p.first_conflict(-15, 0, 500) == (-15, -5)
    assert p.last_conflict(-30, 15, 1000) == (10, 15)
    assert p.last_conflict(-30, 10, 500) == (-20, -5)
    assert p.peak(-400, 20) == 1000
    assert p.peak(-395, -20) == 0


# -- against a minute array --------------------------------------------------------------------

bookings = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 15), st.sampled_from([250, 500, 1000])),
    max_size=8,
)
queries = st.tuples(
    st.sampled_from([1000, 1500, 2000]),  # capacity
    st.integers(0, 60),  # window start
    st.integers(1, 15),  # window length
    st.sampled_from([250, 500, 1000]),  # units asked for
)


def _minutes(items: list[tuple[int, int, int]], cell: int) -> list[int]:
    use = [0] * 80 * cell
    for a, length, units in items:
        for t in range(a * cell, (a + length) * cell):
            use[t] += units
    return use


def _agree(
    p: Profile, items: list[tuple[int, int, int]], query: tuple[int, int, int, int], cell: int
) -> None:
    """Bookings and windows are in cells of ``cell`` minutes; every answer is checked against a
    minute-by-minute count."""
    capacity, a, length, units = query
    for x, n, u in items:
        p.add(x * cell, (x + n) * cell, u)
    use = _minutes(items, cell)
    a, b = a * cell, (a + length) * cell
    limit = capacity - units
    assert p.peak(a, b) == max(use[a:b])
    for x, y, u in p.segments():
        assert all(use[t] == u for t in range(x, y))
    assert sum(y - x for x, y, _ in p.segments()) == sum(1 for level in use if level)
    full = [t for t in range(a, b) if use[t] > limit]
    first = p.first_conflict(a, b, units)
    last = p.last_conflict(a, b, units)
    if not full:
        assert first is None
        assert last is None
        return
    assert first is not None
    assert last is not None
    x, y = first
    assert x == full[0]
    assert all(use[t] > limit for t in range(x, y))
    assert use[y] <= limit  # the run really ends at y
    x, y = last
    assert y == full[-1] + 1
    assert all(use[t] > limit for t in range(x, y))
    assert x == 0 or use[x - 1] <= limit  # the run really starts at x


@settings(max_examples=300, deadline=None)
@given(bookings, queries)
def test_queries_agree_with_a_minute_by_minute_count(
    items: list[tuple[int, int, int]], query: tuple[int, int, int, int]
) -> None:
    _agree(ResourceProfile(query[0]), items, query, 1)


@settings(max_examples=300, deadline=None)
@given(bookings, queries, st.sampled_from([1, 15]))
def test_the_grid_profile_answers_like_the_breakpoint_profile(
    items: list[tuple[int, int, int]], query: tuple[int, int, int, int], cell: int
) -> None:
    """The generators' grid variant (positions and spans on a grid of ``cell`` minutes)."""
    _agree(GridProfile(query[0], cell), items, query, cell)
