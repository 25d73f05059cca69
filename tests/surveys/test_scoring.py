"""The index arithmetic on hand-computed answer sets, and what is withheld."""

from __future__ import annotations

import pytest

from surveys.scoring import ItemSpec, check_weights, cronbach_alpha, equal_weights, figures, withheld

A1 = ItemSpec("a1", "A", 1, 5)
A2 = ItemSpec("a2", "A", 1, 5, reverse=True)
B1 = ItemSpec("b1", "B", 1, 5)


def test_item_dimension_and_index_scores_with_a_reverse_item():
    answers = [{"a1": 5, "a2": 1, "b1": 4}, {"a1": 3, "a2": 4, "b1": 2}]
    result = figures(answers, [A1, A2, B1], equal_weights("AB"))
    # a1: 100, 50; a2 (reversed): 100, 25; b1: 75, 25.
    assert result.dimensions == {"A": 68.75, "B": 50.0}
    assert result.index == pytest.approx(59.375)
    assert result.favourable == {"a1": 50.0, "a2": 50.0, "b1": 50.0}
    assert result.respondents == 2


def test_the_weights_of_the_reference_example_give_89_9():
    # A scale of 0–200 makes an answer of 185 score exactly 92.5.
    items = [ItemSpec(code, code, 0, 200) for code in "WXYZ"]
    weights = {"W": 0.3, "X": 0.3, "Y": 0.2, "Z": 0.2}
    result = figures([{"W": 185, "X": 177, "Y": 180, "Z": 176}], items, weights)
    assert result.dimensions == {"W": 92.5, "X": 88.5, "Y": 90.0, "Z": 88.0}
    assert round(result.index, 1) == 89.9


def test_cronbachs_alpha_by_hand():
    # Scores: respondent 1 → 100, 100; respondent 2 → 50, 25. Totals 200 and 75 (variance 7812.5);
    # item variances 1250 and 2812.5: α = 2 × (1 − 4062.5 / 7812.5) = 0.96.
    answers = [{"a1": 5, "a2": 1}, {"a1": 3, "a2": 4}]
    assert cronbach_alpha(answers, [A1, A2]) == pytest.approx(0.96)
    assert cronbach_alpha(answers[:1], [A1, A2]) is None  # one respondent
    assert cronbach_alpha([{"a1": 3, "a2": 3}, {"a1": 3, "a2": 3}], [A1, A2]) is None  # no variance


def test_unanswered_items_count_in_no_mean():
    result = figures([{"a1": 5}, {"a1": 1, "b1": 5}], [A1, B1], equal_weights("AB"))
    assert result.dimensions == {"A": 50.0, "B": 100.0}


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"A": 5, "B": 10}, set()),  # n = 5 is enough
        ({"A": 4, "B": 10, "C": 12}, {"A", "B"}),  # n = 4 withheld, and B, or total − C gives A away
        ({"A": 4, "B": 3, "C": 12}, {"A", "B"}),  # two withheld already: nothing can be subtracted
        ({"A": 4, "B": 0, "C": 12}, {"A", "C"}),  # an empty cell hides nothing
    ],
)
def test_withholding_at_4_and_5_and_the_subtraction_case(counts, hidden):
    assert withheld(counts, 5) == hidden


def test_weights_must_cover_every_dimension_and_sum_to_1():
    check_weights({"A": 0.5, "B": 0.5}, "AB")
    for bad in ({"A": 1.0}, {"A": 0.6, "B": 0.6}, {"A": -0.5, "B": 1.5}):
        with pytest.raises(ValueError):
            check_weights(bad, "AB")
