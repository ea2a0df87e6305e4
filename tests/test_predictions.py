"""The class's board of locked predictions (teaching.predictions): anonymous, one guess
per session and version, bounded, safe from many threads at once; and the histogram bins
of the lecturer's view, counted by hand."""

from __future__ import annotations

import threading

import pytest

from conftest import base
from trucesim.teaching.predictions import Board, Guess, changes

pytest.importorskip("streamlit")

from trucesim.teaching.lecturer import counts, edges_for

REFERENCE = base()
LONGER = base("truce.window_days=70")


def test_a_session_that_locks_again_replaces_its_guess():
    board = Board()
    board.lock(REFERENCE, "the reference", "a", Guess(30, 8))
    board.lock(REFERENCE, "the reference", "b", Guess(10, 7))
    board.lock(REFERENCE, "the reference", "a", Guess(40, 9))
    assert sorted(board.guesses(board.questions()[0].key), key=lambda g: g.collapse) == [
        Guess(10, 7), Guess(40, 9)]
    assert board.questions()[0].count == 2


def test_versions_are_questions_of_their_own_the_latest_locked_first():
    board = Board()
    board.lock(REFERENCE, "the reference", "a", Guess(30, 8))
    board.lock(LONGER, "longer", "a", Guess(20, 8))
    assert [q.label for q in board.questions()] == ["longer", "the reference"]
    board.lock(REFERENCE, "the reference", "b", Guess(25, 8))
    assert [(q.label, q.count) for q in board.questions()] == [("the reference", 2),
                                                                ("longer", 1)]


def test_the_board_is_bounded_the_oldest_forgotten():
    board = Board(questions=1, per_question=3)
    for k in range(5):
        board.lock(REFERENCE, "the reference", f"s{k}", Guess(k, 0))
    key = board.questions()[0].key
    assert [g.collapse for g in board.guesses(key)] == [2, 3, 4]
    board.lock(LONGER, "longer", "s0", Guess(50, 1))
    assert [q.label for q in board.questions()] == ["longer"]
    assert board.guesses(key) == []


def test_many_threads_locking_at_once_lose_no_guess():
    board = Board(per_question=10_000)
    start = threading.Barrier(8)

    def lock(t: int) -> None:
        start.wait()
        for k in range(200):
            board.lock(REFERENCE, "the reference", f"{t}-{k}", Guess(k % 100, 1))

    threads = [threading.Thread(target=lock, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert board.questions()[0].count == 8 * 200


def test_a_version_is_named_by_what_it_changes():
    assert changes(REFERENCE, REFERENCE) == "the reference"
    assert changes(REFERENCE, LONGER) == "truce.window_days = 70"


def test_guesses_fall_in_the_bins_counted_by_hand():
    edges = edges_for("collapse", 0)
    assert edges == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    # 0 and 9 in 0-10; 10 in 10-20; 99 and 100 in the last bin, 90-100
    assert counts([0, 9, 10, 99, 100], edges) == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    living = edges_for("living", 3)  # one bin per whole hostage, 0 to 3
    assert living == [-0.5, 0.5, 1.5, 2.5, 3.5]
    assert counts([0, 3, 3, 1], living) == [1, 1, 0, 2]
