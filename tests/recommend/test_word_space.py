"""The for-you formula's word term (recommend/word_space.py, scoring.add_words): the
window's TF-IDF space, the Rocchio score of a member's liked papers in it, the memo of
liked papers' rows and the space cache. Pure: no database (the service-level test is
tests/recommend/test_for_you.py, both backends)."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.recommend.scoring import add_words
from paperfeed.recommend.word_space import build_word_space, rocchio_relevance, word_space_of

WINDOW = {
    1: "Quokka herd tracking with drones. We track quokka herds from the air.",
    2: "Counting river fish with sonar. Fish counts from sonar images.",
    3: "Graph neural networks for molecules. Message passing on molecule graphs.",
    4: "Quokka herd tracking at night. Thermal cameras follow quokka herds.",
}


def _space():
    space = build_word_space(list(WINDOW), list(WINDOW.values()))
    assert space is not None
    return space


def test_the_liked_papers_words_rank_the_window_and_the_window_mean_is_subtracted():
    space = _space()
    liked_text = {99: "Tracking quokka herds in the wild."}  # not in the window
    liked = space.rows_of([99], liked_text)
    rows = space.matrix[[space.row_of[p] for p in WINDOW]]
    plain = rocchio_relevance(rows, liked, np.ones(1), space.mean, 0.0)
    assert plain[0] > 0 and plain[3] > 0 and plain[1] == 0 and plain[2] == 0
    contrasted = rocchio_relevance(rows, liked, np.ones(1), space.mean, 0.3)
    assert np.argmax(contrasted) in (0, 3)
    assert contrasted[1] < 0  # shares no word: only the window's mean is left, negative
    # Bigrams are in the space: "quokka herd" is one of its terms.
    assert "quokka herd" in space.vectorizer.vocabulary_


def test_weights_pick_the_interest_and_nothing_to_go_on_gives_zeros():
    space = _space()
    rows = space.matrix[[space.row_of[p] for p in WINDOW]]
    both = space.rows_of([1, 2], WINDOW)  # window papers: their own rows
    fish = rocchio_relevance(rows, both, np.array([0.1, 1.0]), space.mean, 0.0)
    assert np.argmax(fish) == 1
    assert (
        rocchio_relevance(rows, space.matrix[:0], np.ones(0), space.mean, 0.3).tolist() == [0.0] * 4
    )
    unknown = space.rows_of([77], {77: "zebra"})  # no word of the window
    assert rocchio_relevance(rows, unknown, np.ones(1), space.mean, 0.3).tolist() == [0.0] * 4


def test_liked_rows_are_transformed_once_and_empty_windows_have_no_space():
    space = _space()
    first = space.rows_of([50], {50: "quokka drones"})
    again = space.rows_of([50], {})  # memoised: the text is not needed a second time
    assert (first != again).nnz == 0
    assert build_word_space([1, 2], ["the of and", ""]) is None  # only stop words
    assert build_word_space([], []) is None


def test_liked_rows_are_the_window_rows_and_the_transformed_texts_in_the_order_asked():
    space = _space()
    outside = {50: "quokka drones at night", 51: "sonar fish"}
    rows = space.rows_of([3, 50, 1, 51, 3], outside)
    fresh = space.vectorizer.transform(list(outside.values()))
    want = [space.matrix[2], fresh[0], space.matrix[0], fresh[1], space.matrix[2]]
    assert rows.shape == (5, space.matrix.shape[1])
    for got, expected in zip(rows, want, strict=True):
        assert np.array_equal(got.toarray(), expected.toarray())
    assert space.rows_of([], {}).shape == (0, space.matrix.shape[1])


def test_the_space_is_kept_per_window_and_rebuilt_when_a_text_changes():
    ids, texts = list(WINDOW), list(WINDOW.values())
    assert word_space_of(ids, texts) is word_space_of(ids, texts)
    edited = [*texts[:-1], "Quokka herd tracking by day."]
    assert word_space_of(ids, edited) is not word_space_of(ids, texts)


def test_words_weigh_relative_to_the_embedding_terms_range():
    relevance = np.array([0.2, 0.4, 0.3])
    words = np.array([1.0, 0.0, 3.0])  # minmax: 1/3, 0, 1
    out = add_words(relevance, words, 1.0)
    assert out == pytest.approx([0.2 + 0.2 / 3, 0.4, 0.3 + 0.2])  # spread 0.2
    flat = add_words(np.zeros(3), words, 2.0)  # no embeddings: spread 1
    assert flat == pytest.approx([2 / 3, 0.0, 2.0])
    assert add_words(np.zeros(0), np.zeros(0), 1.0).tolist() == []
