"""Weighted scoring, the decision matrix, the pipeline and each check by its code."""

from __future__ import annotations

from decimal import Decimal as D

from plansmith.analytics.scoring import (
    Criterion,
    Scale,
    Stage,
    can_move,
    check_criteria,
    check_scores,
    decision_matrix,
    weighted_score,
)

CRITERIA = (
    Criterion("fit", "Strategic fit", D(50)),
    Criterion("cost", "Cost", D(30), higher_is_better=False),
    Criterion("risk", "Risk", D(20), higher_is_better=False),
)


def test_the_score_is_the_weighted_mean_with_lower_is_better_turned_round() -> None:
    # fit 4, cost 2 (-> 4), risk 5 (-> 1): (50*4 + 30*4 + 20*1) / 100 = 3.4
    assert weighted_score(CRITERIA, {"fit": D(4), "cost": D(2), "risk": D(5)}) == D("3.4")


def test_the_same_score_everywhere_is_that_score_whatever_the_weights() -> None:
    criteria = (Criterion("a", "A", D(7)), Criterion("b", "B", D(1)))
    assert weighted_score(criteria, {"a": D(3), "b": D(3)}) == D(3)


def test_a_missing_score_counts_as_the_worst() -> None:
    assert weighted_score(CRITERIA, {}) == D(1)
    assert weighted_score(CRITERIA, {"fit": D(5), "cost": D(1), "risk": D(1)}) == D(5)


def test_the_matrix_ranks_options_and_ties_share_a_rank() -> None:
    matrix = decision_matrix(
        CRITERIA,
        [
            ("cloud", {"fit": D(4), "cost": D(2), "risk": D(2)}),
            ("array", {"fit": D(5), "cost": D(4), "risk": D(3)}),
            ("keep", {"fit": D(4), "cost": D(2), "risk": D(2)}),
        ],
    )
    assert [(row.option, row.rank) for row in matrix.rows] == [
        ("cloud", 1),
        ("array", 2),
        ("keep", 1),
    ]
    assert matrix.best == "cloud"


def test_weights_not_adding_up_to_100_is_a_warning() -> None:
    problems = check_criteria((Criterion("a", "A", D(60)), Criterion("b", "B", D(30))), ("c",))
    assert [(p.code, p.severity.value, p.path) for p in problems] == [
        ("evaluation_weights_not_100", "warning", ("c",))
    ]
    assert check_criteria(CRITERIA, ()) == []


def test_no_criteria_and_a_criterion_twice() -> None:
    assert [p.code for p in check_criteria((), ("criteria",))] == ["no_criteria"]
    twice = (
        Criterion("a", "A", D(50), origin=("c", 0)),
        Criterion("a", "A", D(50), origin=("c", 1)),
    )
    assert [(p.code, p.path) for p in check_criteria(twice, ())] == [("duplicate_id", ("c", 1))]


def test_scores_are_checked_against_the_model() -> None:
    problems = check_scores(
        CRITERIA, {"fit": D(6), "speed": D(3), "cost": D(2)}, Scale(), ("options", 0, "scores"), "x"
    )
    assert sorted((p.code, p.path) for p in problems) == [
        ("missing_score", ("options", 0, "scores")),
        ("score_out_of_range", ("options", 0, "scores", "fit")),
        ("unknown_criterion", ("options", 0, "scores", "speed")),
    ]


def test_the_pipeline_moves() -> None:
    assert can_move(Stage.DRAFT, Stage.UNDER_REVIEW)
    assert can_move(Stage.UNDER_REVIEW, Stage.APPROVED)
    assert can_move(Stage.REJECTED, Stage.DRAFT)
    assert not can_move(Stage.DRAFT, Stage.APPROVED)
    assert not any(can_move(Stage.APPROVED, stage) for stage in Stage)
