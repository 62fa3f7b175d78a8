"""`make chapter` by the sequential rule (reports/rounds.py): rounds of seeds on one executor, each
round reusing the last one's runs, until the verdict is decided or the cap is reached. On the 8x8
digits, with random guessing standing in for a network (its figure by the book's measure is its count)."""

import dataclasses

import pytest

from reports import rounds
from reports.render.book import BOOK
from reports.runner.experiments import Experiment
from reports.runner.request import Request
from tests.test_runner import InProcess, run_files

GUESS = "baselines.random_guess:random_guess_classifier"


@pytest.fixture(autouse=True)
def guessing_described_as_itself(monkeypatch):
    """The stand-in ran with random guessing's settings, which the network's words (its layers, its
    eta) would ask its run file for in vain."""
    stand_in = dataclasses.replace(BOOK["network"], description="random guessing, as the network")
    monkeypatch.setitem(BOOK, "network", stand_in)


def chapter_request(tmp_path, cap, least=0):
    experiment = Experiment("network", GUESS, stochastic=True, commands=("chapter",), chapter_seeds=cap,
                            chapter_min_seeds=least)
    results = tmp_path / "results"
    return Request("chapter", (experiment,), 10, 1, results, results / "chapter1.md", command="make chapter",
                   sequential=True)


def test_an_undecided_verdict_adds_rounds_up_to_the_cap_on_one_executor(digits_mnist, tmp_path, capsys):
    # No guess reaches the book's 9,542 of the digits' 597 test images, but 40 seeds cannot bound the
    # best of 3's chance below 1 in 5 at 98.3%: rounds of 10, 20 and 40 seeds, then the cap.
    executor = InProcess(digits_mnist)
    outcome = rounds.run_rounds(chapter_request(tmp_path, 40), executor, quiet=False)
    assert outcome.status == 0 and len(outcome.runs) == 40
    assert [seed for _, seed in executor.computed] == list(range(40))  # every earlier run reused
    assert executor.closed == "closed"  # once, at the end
    said = capsys.readouterr().err
    assert "network 10 -> 20 seeds" in said and "network 20 -> 40 seeds" in said
    assert "undecided at 40 seeds" in (tmp_path / "results/chapter1.md").read_text(encoding="utf-8")
    # Run again: nothing to compute, the same 40 runs.
    again = InProcess(digits_mnist)
    assert len(rounds.run_rounds(chapter_request(tmp_path, 40), again, quiet=True).runs) == 40
    assert again.computed == []


def test_a_decided_verdict_stops_before_the_cap(digits_mnist, tmp_path, monkeypatch):
    # A figure of 0 correct is below every guess: "low" is decided at 40 seeds (one run scores that low
    # with chance below 12% at 99%), long before the cap of 160.
    monkeypatch.setitem(rounds.BOOK, "network", dataclasses.replace(BOOK["network"], correct=0, measure="last epoch"))
    executor = InProcess(digits_mnist)
    outcome = rounds.run_rounds(chapter_request(tmp_path, 160), executor, quiet=True)
    assert len(outcome.runs) == 40 and len(run_files(tmp_path / "results")) == 40


def test_a_dry_run_lists_the_first_round_and_says_more_may_follow(digits_mnist, tmp_path, capsys):
    executor = InProcess(digits_mnist)
    rounds.run_rounds(chapter_request(tmp_path, 40), executor, dry_run=True)
    said = capsys.readouterr().err
    assert said.count("would compute network seed") == 10 and "up to network 40 seeds" in said
    assert executor.computed == [] and not (tmp_path / "results").exists()


def test_a_least_count_is_the_first_round(digits_mnist, tmp_path, capsys):
    executor = InProcess(digits_mnist)
    rounds.run_rounds(chapter_request(tmp_path, 160, least=80), executor, dry_run=True)
    assert capsys.readouterr().err.count("would compute network seed") == 80


def test_a_dry_run_computes_nothing_even_where_a_round_file_is_unreadable(digits_mnist, tmp_path, capsys):
    # Every file of the first round exists, one of them unreadable: the dry run goes into the round
    # (its files all exist), names the unreadable one, and still fits nothing and moves nothing.
    rounds.run_rounds(chapter_request(tmp_path, 10), InProcess(digits_mnist), quiet=True)
    unreadable = tmp_path / "results" / run_files(tmp_path / "results")[0]
    unreadable.write_text("{not json", encoding="utf-8")
    executor = InProcess(digits_mnist)
    rounds.run_rounds(chapter_request(tmp_path, 10), executor, dry_run=True)
    assert executor.computed == []
    assert unreadable.read_text(encoding="utf-8") == "{not json"
