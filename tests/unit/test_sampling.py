"""The samplers behind ``plansmith simulate``: each distribution against its exact formulas, Latin
hypercube strata, Iman-Conover rank correlation and the normal quantile.

Known answers only: moments from the closed forms (PERT beta, triangular, uniform, the lognormal's
PERT mean and (p - o) / 6), the PERT beta CDF in closed form where its shapes are integers, and
``statistics.NormalDist``. Random checks use fixed seeds and tolerances of a few standard errors.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from plansmith.analytics.sampling import (
    QuantileTable,
    cholesky,
    correlate,
    normal_quantile,
    uniforms,
)
from plansmith.domain.risk import Distribution, ThreePoint

Z = 4.0  # standard errors allowed for a random check
N = 200_000  # draws for the moment checks


def exact_moments(e: ThreePoint) -> tuple[float, float]:
    """Mean and variance of each distribution, from the textbook formulas."""
    a, m, b = e.optimistic, e.likely, e.pessimistic
    if e.distribution is Distribution.PERT:
        mean = (a + 4 * m + b) / 6
        return mean, (mean - a) * (b - mean) / 7
    if e.distribution is Distribution.TRIANGULAR:
        return (a + m + b) / 3, (a * a + b * b + m * m - a * b - a * m - b * m) / 18
    if e.distribution is Distribution.UNIFORM:
        return (a + b) / 2, (b - a) ** 2 / 12
    return (a + 4 * m + b) / 6, ((b - a) / 6) ** 2  # lognormal: PERT mean and sd


RANGES = [
    (600.0, 900.0, 2400.0),  # skewed right
    (100.0, 100.0, 700.0),  # likely = optimistic
    (50.0, 650.0, 650.0),  # likely = pessimistic
    (1000.0, 1500.0, 2000.0),  # symmetric
    (0.0, 30.0, 1000.0),
]
CASES = [
    pytest.param(
        ThreePoint(*r, distribution=d), id=f"{d.value}-{int(r[0])}-{int(r[1])}-{int(r[2])}"
    )
    for d in Distribution
    for r in RANGES
]


def draw(estimates: list[ThreePoint], count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return QuantileTable(estimates).values(uniforms(rng, len(estimates), count, latin=False))


@pytest.mark.parametrize("estimate", CASES)
def test_sample_mean_and_sd_match_the_exact_formulas(estimate: ThreePoint) -> None:
    x = draw([estimate], N, seed=11)[0]
    mean, var = exact_moments(estimate)
    sd = math.sqrt(var)
    # SE of the mean: sd / sqrt(N); of the variance: sqrt((m4 - var^2) / N), m4 from the sample.
    assert abs(x.mean() - mean) <= Z * sd / math.sqrt(N)
    m4 = float(np.mean((x - x.mean()) ** 4))
    assert abs(x.var() - var) <= Z * math.sqrt((m4 - var * var) / N)


@pytest.mark.parametrize("estimate", CASES)
def test_samples_stay_in_the_range(estimate: ThreePoint) -> None:
    # the extreme uniforms too: 0 and the largest double below 1
    u = np.concatenate(([0.0, 1e-300, 0.5, np.nextafter(1.0, 0.0)], np.linspace(0, 1, 5001)[:-1]))
    x = QuantileTable([estimate]).values(u[None, :])[0]
    x = np.concatenate((x, draw([estimate], 20_000, seed=3)[0]))
    assert np.all(np.isfinite(x))
    assert x.min() >= estimate.optimistic
    if estimate.distribution is not Distribution.LOGNORMAL:
        assert x.max() <= estimate.pessimistic
    assert np.all(np.diff(QuantileTable([estimate]).values(np.sort(u)[None, :])[0]) >= 0), (
        "a quantile function never decreases"
    )


def test_the_lowest_uniform_gives_the_optimistic_value() -> None:
    estimates = [ThreePoint(*RANGES[0], distribution=d) for d in Distribution]
    x = QuantileTable(estimates).values(np.zeros((len(estimates), 1)))[:, 0]
    bounded = [e.distribution is not Distribution.LOGNORMAL for e in estimates]
    assert np.allclose(x[bounded], RANGES[0][0], atol=1e-9)


def _pert_cdf(alpha: int, x: np.ndarray) -> np.ndarray:
    """Beta(alpha, 6 - alpha) CDF for an integer alpha: a binomial tail, no integration."""
    return sum(math.comb(5, j) * x**j * (1 - x) ** (5 - j) for j in range(alpha, 6))


def _pert_quantile(alpha: int, u: np.ndarray) -> np.ndarray:
    low, high = np.zeros_like(u), np.ones_like(u)
    for _ in range(60):
        mid = (low + high) / 2
        below = _pert_cdf(alpha, mid) < u
        low, high = np.where(below, mid, low), np.where(below, high, mid)
    return (low + high) / 2


# likely at 0, 1/4, 1/2, 3/4, 1 of the range: shapes 1 + 4r = 1..5, all integers
INTEGER_SHAPES = [pytest.param(k, id=f"r={k / 4}") for k in range(5)]


@pytest.mark.parametrize("k", INTEGER_SHAPES)
def test_pert_quantiles_match_the_beta_distribution(k: int) -> None:
    """Where the percentiles live (1 % .. 99 %), the table is within 1e-4 of the range."""
    u = np.linspace(0.01, 0.99, 9801)
    x = QuantileTable([ThreePoint(10.0, 10.0 + 250.0 * k, 1010.0)]).values(u[None, :])[0]
    assert np.abs((x - 10.0) / 1000.0 - _pert_quantile(k + 1, u)).max() < 1e-4


@pytest.mark.parametrize("k", INTEGER_SHAPES)
def test_pert_quantiles_are_accurate_in_the_tails_too(k: int) -> None:
    u = np.linspace(0.001, 0.999, 9981)
    x = QuantileTable([ThreePoint(0.0, k / 4, 1.0)]).values(u[None, :])[0]
    assert np.abs(x - _pert_quantile(k + 1, u)).max() < 1e-4


@pytest.mark.parametrize("k", INTEGER_SHAPES)
def test_pert_draws_pass_a_kolmogorov_smirnov_test(k: int) -> None:
    n = 50_000
    x = np.sort(draw([ThreePoint(0.0, k / 4, 1.0)], n, seed=100 + k)[0])
    cdf = _pert_cdf(k + 1, x)
    ranks = np.arange(1, n + 1) / n
    statistic = max((ranks - cdf).max(), (cdf - (ranks - 1 / n)).max())
    assert statistic * math.sqrt(n) < 1.95  # the 0.1 % critical value


@pytest.mark.parametrize("r", [0.0, 0.1, 0.3, 1 / 3, 0.5, 0.77, 0.99, 1.0])
def test_pert_mean_and_variance_by_quadrature(r: float) -> None:
    """Midpoints of 200,000 equal probability slices integrate the quantile function: the mean
    and variance of the table itself, free of sampling noise."""
    u = ((np.arange(N) + 0.5) / N)[None, :]
    x = QuantileTable([ThreePoint(0.0, r, 1.0)]).values(u)[0]
    mean = (1 + 4 * r) / 6
    assert abs(x.mean() - mean) < 2e-4
    assert abs(x.var() / (mean * (1 - mean) / 7) - 1) < 0.01


def test_each_row_uses_its_own_range_and_distribution() -> None:
    """Rows of mixed distributions in one table come back in their own order and scale."""
    estimates = [
        ThreePoint(0.0, 0.0, 100.0, Distribution.UNIFORM),
        ThreePoint(500.0, 600.0, 1400.0, Distribution.PERT),
        ThreePoint(10.0, 20.0, 40.0, Distribution.TRIANGULAR),
        ThreePoint(7.0, 7.0, 7.0, Distribution.LOGNORMAL),
        ThreePoint(100.0, 400.0, 1000.0, Distribution.LOGNORMAL),
        ThreePoint(0.0, 50.0, 90.0, Distribution.PERT),
    ]
    x = draw(estimates, 50_000, seed=5)
    for row, e in zip(x, estimates, strict=True):
        mean, var = exact_moments(e)
        assert abs(row.mean() - mean) <= Z * math.sqrt(var / len(row)) + 1e-9
    # uniform by inverse transform is the identity on its range
    u = np.array([[0.0, 0.25, 0.5, 0.75]])
    assert QuantileTable(estimates[:1]).values(u).tolist() == [[0.0, 25.0, 50.0, 75.0]]


@pytest.mark.parametrize("distribution", list(Distribution))
def test_a_zero_width_range_is_a_constant(distribution: Distribution) -> None:
    x = draw([ThreePoint(480.0, 480.0, 480.0, distribution)], 1000, seed=1)
    assert np.all(x == 480.0)


def test_triangular_and_uniform_quantiles_in_closed_form() -> None:
    u = np.linspace(0, 1, 101)[None, :]
    a, m, b = 2.0, 5.0, 11.0
    tri = QuantileTable([ThreePoint(a, m, b, Distribution.TRIANGULAR)]).values(u)[0]
    c = (m - a) / (b - a)
    expected = np.where(
        u[0] < c, a + np.sqrt(u[0] * (b - a) * (m - a)), b - np.sqrt((1 - u[0]) * (b - a) * (b - m))
    )
    assert np.allclose(tri, expected, atol=1e-9)
    uni = QuantileTable([ThreePoint(a, m, b, Distribution.UNIFORM)]).values(u)[0]
    assert np.allclose(uni, a + u[0] * (b - a))


def test_lognormal_is_a_shifted_lognormal() -> None:
    """log(x - optimistic) is normal: its mean and sd follow from the PERT mean and (p - o) / 6."""
    e = ThreePoint(100.0, 400.0, 1000.0, Distribution.LOGNORMAL)
    x = draw([e], N, seed=9)[0] - e.optimistic
    m, s = e.pert_mean - e.optimistic, e.width / 6
    sigma2 = math.log(1 + s * s / (m * m))
    mu = math.log(m) - sigma2 / 2
    logs = np.log(x)
    assert abs(logs.mean() - mu) <= Z * math.sqrt(sigma2 / N)
    assert abs(logs.var() - sigma2) <= Z * sigma2 * math.sqrt(2 / N)
    # the median of a lognormal is exp(mu)
    assert abs(float(np.median(x)) / math.exp(mu) - 1) < 0.01


# -- uniforms and Latin hypercube -----------------------------------------------------------------


def test_plain_uniforms_fill_the_unit_interval() -> None:
    u = uniforms(np.random.default_rng(0), 3, 40_000, latin=False)
    assert u.shape == (3, 40_000)
    assert u.min() >= 0.0
    assert u.max() < 1.0
    assert np.all(np.abs(u.mean(axis=1) - 0.5) <= Z * math.sqrt(1 / 12 / 40_000))


FLOAT_SLACK = 1e-6  # draws may be single precision: a stratum's edge can round onto the next


def assert_one_per_stratum(u: np.ndarray) -> None:
    """The k-th smallest draw of each row lies in [k/N, (k+1)/N]: one draw per stratum."""
    count = u.shape[1]
    k = np.arange(count)
    for row in np.sort(u.astype(np.float64), axis=1):
        assert np.all(row >= k / count - FLOAT_SLACK)
        assert np.all(row <= (k + 1) / count + FLOAT_SLACK)


@pytest.mark.parametrize("count", [1, 2, 7, 1000, 4096])
def test_latin_hypercube_puts_one_draw_in_each_stratum_per_row(count: int) -> None:
    u = uniforms(np.random.default_rng(count), 6, count, latin=True)
    assert u.shape == (6, count)
    assert u.min() >= 0.0
    assert u.max() < 1.0
    assert_one_per_stratum(u)


def test_latin_hypercube_rows_are_shuffled_independently() -> None:
    u = uniforms(np.random.default_rng(4), 4, 1000, latin=True)
    strata = np.floor(u * 1000).astype(int)
    assert not np.array_equal(strata[0], np.arange(1000)), "strata are in random order"
    for a in range(4):
        for b in range(a + 1, 4):
            assert not np.array_equal(strata[a], strata[b])
            # independent permutations: rank correlation near 0 (SE 1 / sqrt(n - 1))
            assert abs(np.corrcoef(strata[a], strata[b])[0, 1]) <= Z / math.sqrt(999)


def test_latin_hypercube_mean_is_within_one_stratum() -> None:
    """A row's mean is exact to within half a stratum: a bound plain sampling breaks easily."""
    count = 500
    u = uniforms(np.random.default_rng(8), 200, count, latin=True)
    assert np.all(np.abs(u.mean(axis=1) - 0.5) <= 0.5 / count + FLOAT_SLACK)
    plain = uniforms(np.random.default_rng(8), 200, count, latin=False)
    assert np.any(np.abs(plain.mean(axis=1) - 0.5) > 0.5 / count)


# -- Iman-Conover correlation -------------------------------------------------------------------


def _ranks(x: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(x, axis=-1), axis=-1).astype(np.float64)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def _target(coefficient: float, n: int) -> np.ndarray:
    return np.full((n, n), coefficient) + (1 - coefficient) * np.eye(n)


@pytest.mark.parametrize("latin", [False, True])
@pytest.mark.parametrize("coefficient", [0.6, -0.4, 0.9])
def test_induced_rank_correlation_is_near_the_target(coefficient: float, latin: bool) -> None:
    count = 5000
    rng = np.random.default_rng(21)
    u = uniforms(rng, 3, count, latin=latin)
    before = np.sort(u, axis=1)
    correlate(u, [0, 2], _target(coefficient, 2), rng)
    rho = spearman(u[0], u[2])
    assert abs(rho - coefficient) <= 0.05
    # Iman-Conover with normal scores gives the Spearman of a bivariate normal with Pearson
    # rho: (6 / pi) asin(rho / 2); its SE at this size is about (1 - rho^2) / sqrt(n).
    theory = 6 / math.pi * math.asin(coefficient / 2)
    assert abs(rho - theory) <= Z * (1 - theory**2) / math.sqrt(count)
    # marginals untouched: the same values, only reordered; the row not named is not moved
    assert np.array_equal(np.sort(u, axis=1), before)
    assert abs(spearman(u[0], u[1])) <= Z / math.sqrt(count)
    if latin:
        assert_one_per_stratum(u)


def test_a_full_matrix_of_different_coefficients() -> None:
    count = 5000
    matrix = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, -0.2], [0.3, -0.2, 1.0]])
    rng = np.random.default_rng(2)
    u = uniforms(rng, 4, count, latin=False)
    correlate(u, [1, 2, 3], matrix, rng)
    for x, a in enumerate([1, 2, 3]):
        for y, b in enumerate([1, 2, 3]):
            if x < y:
                assert abs(spearman(u[a], u[b]) - matrix[x, y]) <= 0.05


def test_correlated_draws_keep_their_distributions() -> None:
    """Correlation reorders draws, so each estimate's sampled values are the same multiset."""
    estimates = [
        ThreePoint(100.0, 200.0, 600.0),
        ThreePoint(50.0, 60.0, 70.0, Distribution.TRIANGULAR),
    ]
    rng = np.random.default_rng(6)
    u = uniforms(rng, 2, 3000, latin=False)
    table = QuantileTable(estimates)
    independent = np.sort(table.values(u), axis=1)
    correlate(u, [0, 1], _target(0.7, 2), rng)
    correlated = table.values(u)
    assert np.array_equal(np.sort(correlated, axis=1), independent)
    # the correlation carries over to the values (a monotone transform keeps ranks)
    assert abs(spearman(correlated[0], correlated[1]) - 0.7) <= 0.05


def test_a_coefficient_of_one_makes_the_ranks_agree() -> None:
    rng = np.random.default_rng(3)
    u = uniforms(rng, 2, 2000, latin=False)
    correlate(u, [0, 1], _target(1.0, 2), rng)
    assert spearman(u[0], u[1]) > 0.999
    correlate(u, [0, 1], _target(-1.0, 2), rng)
    assert spearman(u[0], u[1]) < -0.999


def test_a_contradictory_matrix_is_refused() -> None:
    contradictory = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    with pytest.raises(np.linalg.LinAlgError):
        cholesky(contradictory)
    factor = cholesky(_target(0.5, 3))
    assert np.allclose(factor @ factor.T, _target(0.5, 3), atol=1e-8)


# -- normal quantile ----------------------------------------------------------------------------


def test_normal_quantile_matches_the_standard_library() -> None:
    p = np.concatenate(
        (
            [1e-12, 1e-9, 1e-5, 0.001, 0.02424, 0.02425, 0.02426, 0.5],
            [0.97574, 0.97575, 0.97576, 0.999, 1 - 1e-9],
            np.linspace(0.0001, 0.9999, 2001),
        )
    )
    z = normal_quantile(p)
    reference = np.array([NormalDist().inv_cdf(float(q)) for q in p])
    # Acklam: relative error below 1.15e-9
    assert np.all(np.abs(z - reference) <= 2e-9 * np.maximum(1.0, np.abs(reference)))
    assert normal_quantile(np.array([0.5]))[0] == 0.0
    assert np.all(np.diff(normal_quantile(np.sort(p))) >= 0)
