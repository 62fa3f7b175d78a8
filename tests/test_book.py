"""The reports describe a run from the settings its record holds (every setting its estimator ran with,
its defaults included, and what its fit resolved a None to), never from today's code or the book's
settings; a run file that does not hold one is refused in one line that names it."""

import string

import pytest

from baselines.svm import PRESETS
from reports.render.book import BOOK, MNIST_PIXELS, description
from reports.render.errors import RecordError
from reports.runner.experiments import BY_NAME
from tests.records import stored_settings


def stored_run(name, seed=0, **settings):
    """A run of the built-in `name` (its estimator given `settings`) as its record holds it: what its
    estimator's get_params() gave, and what its diagnose() said once fitted (the SVC's C and gamma)."""
    experiment = BY_NAME[name]
    params, diagnostics = stored_settings(name, seed, **settings)
    return {"name": name, "factory": experiment.factory, "params": experiment.params, "classes": list(range(10)),
            "stochastic": experiment.stochastic, "seed": seed if experiment.stochastic else None, "digest": "0123abcd",
            "estimator_params": params, "diagnostics": diagnostics, "provenance": {"commit": "0badc0de"}}


def named_settings(name):
    """The settings the description of `name` names, with the conversion and format each is written in."""
    return [(field, conversion, spec) for _, field, spec, conversion in string.Formatter().parse(BOOK[name].description)
            if field]


@pytest.mark.parametrize("name", [name for name in BOOK if named_settings(name)])
def test_a_description_names_every_setting_as_the_run_stored_it(name):
    run = stored_run(name)
    described = description(run)
    for field, conversion, spec in named_settings(name):
        if field != "layers":  # layers: from the classes, held by the network's exact description below
            stored = run["estimator_params"].get(field)
            if stored is None:  # the preset's: what its fit used (or was given), as its diagnose() recorded it
                stored = run["diagnostics"][field]
            assert format(string.Formatter().convert_field(stored, conversion), spec) in described, field


def test_the_network_is_described_by_what_its_estimator_ran_with():
    assert description(stored_run("network")) == \
        "the chapter's network [784, 30, 10], 30 epochs, mini-batch 10, eta 3.0"
    assert description(stored_run("network-eta100")) == "[784, 30, 10], eta 100: too large a learning rate"
    assert description(stored_run("network-0-hidden")).startswith(
        "the chapter's exercise: [784, 10], no hidden layer, eta 3.0")


def test_settings_the_experiment_does_not_give_are_read_from_the_run_not_the_book():
    # The experiment's keyword arguments say only the hidden layer; the estimator ran with other
    # defaults than the book's (an archived run, or defaults that changed): its record says which.
    run = stored_run("network")
    run["estimator_params"].update(hidden_sizes=[50], epochs=12, mini_batch_size=20, eta=0.5)
    assert description(run) == "the chapter's network [784, 50, 10], 12 epochs, mini-batch 20, eta 0.5"


def test_the_tuned_svc_is_described_by_the_c_and_gamma_its_fit_used():
    run = stored_run("svc-tuned")
    assert run["estimator_params"]["preset"] == "tuned" and run["estimator_params"]["C"] is None
    muellers = PRESETS["tuned"]  # his C and gamma, as baselines/svm.py alone writes them
    assert f"C = {muellers['C']}, gamma = {muellers['gamma']} on pixels" in description(run)
    assert "C = 5.0, gamma = 0.01 on pixels" in description(stored_run("svc-tuned", C=5.0, gamma=0.01))


def test_the_book_svc_is_described_by_the_gamma_it_was_given_and_the_number_its_fit_used():
    given = PRESETS["book"]["gamma"]  # "auto": 1 / n_features
    assert description(stored_run("svc-book")) == \
        f"SVC with the defaults of the book's day (gamma = {given!r} = {1 / MNIST_PIXELS:.3g})"
    run = stored_run("svc-modern")
    assert f"(gamma = {PRESETS['modern']['gamma']!r} = {run['diagnostics']['gamma']:.3g})" in description(run)


def test_a_run_file_without_a_setting_its_description_names_is_refused_in_one_line():
    run = stored_run("network", seed=3)
    del run["estimator_params"]["eta"]  # a hand edit, or a run of code that did not record it
    with pytest.raises(RecordError, match=r"^runs/network/seed-3\.0123abcd\.json: it does not say which eta it ran "
                                          r"with, which its description names; render it with the code that "
                                          r"computed it \(commit 0badc0de\), or delete it and compute it again "
                                          r"\(`make report` or `make chapter`, whichever includes it\)$"):
        description(run)
    with pytest.raises(RecordError, match=r"^runs/network/seed-0\.0123abcd\.json: it does not say which hidden_sizes"):
        description({**stored_run("network"), "estimator_params": None})


def test_an_archived_tuned_svc_is_refused_naming_the_file_it_was_read_from_and_the_code_that_renders_it():
    # A tuned SVC of before its fit's C was recorded: a whole, costly result, whose C is its preset's,
    # which the run alone cannot say. The code that computed it can render it: deleting it is the last resort.
    run = {**stored_run("svc-tuned"), "diagnostics": None}
    with pytest.raises(RecordError, match=r"^/archive/tuned svc\.json: it does not say which C it ran with, which its "
                                          r"description names; render it with the code that computed it \(commit "
                                          r"0badc0de\), or delete it and compute it again \(`make report` or "
                                          r"`make chapter`, whichever includes it\)$"):
        description(run, "/archive/tuned svc.json")
    with pytest.raises(RecordError, match=r"^runs/svc-tuned/run\.0123abcd\.json: "):  # no path given: the runner's name
        description(run)


def test_a_plug_in_is_described_by_its_factory():
    run = {"name": "mine", "factory": "my.module:make", "params": {}, "classes": [0, 1], "estimator_params": {}}
    assert description(run) == "plug-in my.module:make"


def test_the_rule_judges_the_seeded_experiments_whose_figure_a_run_can_reach():
    from reports.render.book import by_the_rule
    from reports.rounds import is_sequential
    from reports.runner.experiments import EXPERIMENTS

    judged = [e.name for e in EXPERIMENTS if by_the_rule(e.name, e.stochastic)]
    assert judged == ["network", "network-100", "network-100-slow", "network-eta100"]
    assert [e.name for e in EXPERIMENTS if is_sequential(e)] == judged  # make chapter's rounds ask the same rule


def test_a_setting_of_another_kind_than_the_words_print_is_one_line():
    run = stored_run("network-eta100")
    run["estimator_params"]["eta"] = "fast"  # a hand-edited file: "{eta:g}" cannot print a string
    with pytest.raises(RecordError, match=r"^runs/network-eta100/seed-0\.0123abcd\.json: its eta is 'fast', which "
                                          r"its description cannot write \(.+\); delete it and compute it "
                                          r"again \(`make report` or `make chapter`, whichever includes it\)$"):
        description(run)
    run = stored_run("network")
    run["estimator_params"]["hidden_sizes"] = "30"  # text, whose characters are no layer sizes
    with pytest.raises(RecordError, match=r"^runs/network/seed-0\.0123abcd\.json: its hidden_sizes is '30', which "
                                          r"its description cannot write as layers; delete it and compute"):
        description(run)


def test_runs_of_one_classifier_that_ran_with_different_settings_are_not_described_as_one():
    from reports.render.summaries import summary
    from tests.records import synthetic_record

    runs = synthetic_record("network", [9500, 9510])["runs"]
    for seed, run in enumerate(runs):
        run["estimator_params"] = {**stored_run("network", seed)["estimator_params"]}
    assert summary(runs)["description"].endswith("eta 3.0")  # the seeds differ, as random_state: one setting
    runs[1]["estimator_params"]["eta"] = 0.5
    with pytest.raises(RecordError, match=r"^network: its runs ran with different settings \(eta\); give"):
        summary(runs)


def test_runs_of_a_plugin_that_passes_its_seed_down_are_one_setting():
    """A plug-in is described by its factory alone, so its settings are not compared: a pipeline that
    gives its seed to a step stores it inside the step's repr, and a lambda's repr holds an address."""
    from reports.render.summaries import summary
    from tests.records import synthetic_record

    runs = synthetic_record("network", [9500, 9510])["runs"]
    for seed, run in enumerate(runs):
        run.update(name="my-pipeline", factory="mine:make", estimator_params={
            "steps": [f"SGDClassifier(random_state={seed})"], "sgdclassifier__random_state": seed,
            "key": f"<function <lambda> at 0x7f{seed:04x}>"})
    assert summary(runs)["description"] == "plug-in mine:make"


def test_runs_whose_fits_used_different_settings_are_not_described_as_one():
    # The same estimator_params (C None: the preset's), but another C recorded as the one its fit used
    # (a run of an older preset): the description, which reads it, would not hold for both.
    from reports.render.summaries import summary
    from tests.records import synthetic_record

    runs = synthetic_record("svc-tuned", [9850, 9850])["runs"]
    runs[1]["diagnostics"]["C"] = 5.0
    with pytest.raises(RecordError, match=r"^svc-tuned: its runs ran with different settings \(C\); give"):
        summary(runs)
