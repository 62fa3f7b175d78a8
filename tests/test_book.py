"""The reports describe a run from what its record holds, and the book's settings they fall back on
are still the defaults of the factories that computed today's runs."""

import inspect

from baselines.svm import PRESETS
from network.classifier import NetworkClassifier
from reports.render.book import CHAPTER_SGD, MUELLER, description


def network_run(name, params, epochs):
    return {"name": name, "factory": "network.classifier:NetworkClassifier", "params": params,
            "classes": list(range(10)), "history": [0] * epochs}


def test_the_factories_defaults_are_the_books_settings():
    defaults = {name: p.default for name, p in inspect.signature(NetworkClassifier).parameters.items()}
    assert {name: defaults[name] for name in CHAPTER_SGD} == CHAPTER_SGD
    assert {name: PRESETS["tuned"][name] for name in MUELLER} == MUELLER


def test_a_description_names_the_settings_of_todays_runs():
    assert description(network_run("network", {"hidden_sizes": [30]}, 30)) == \
        "the chapter's network [784, 30, 10], 30 epochs, mini-batch 10, eta 3.0"
    assert description(network_run("network-eta100", {"hidden_sizes": [30], "eta": 100.0}, 30)) == \
        "[784, 30, 10], eta 100: too large a learning rate"
    assert description(network_run("network-0-hidden", {"hidden_sizes": []}, 30)).startswith(
        "the chapter's exercise: [784, 10], no hidden layer, eta 3.0")
    tuned = {"name": "svc-tuned", "factory": "baselines.svm:SVCClassifier", "params": {"preset": "tuned"},
             "classes": list(range(10)), "history": None}
    assert "C = 2.8, gamma = 0.0073" in description(tuned)


def test_an_archived_run_is_described_as_it_was_computed():
    # A run computed when the experiment had other settings says what it ran, not today's settings.
    archived = network_run("network", {"hidden_sizes": [50], "eta": 0.5, "mini_batch_size": 20}, 12)
    assert description(archived) == "the chapter's network [784, 50, 10], 12 epochs, mini-batch 20, eta 0.5"


def test_a_plug_in_is_described_by_its_factory():
    run = {"name": "mine", "factory": "my.module:make", "params": {}, "classes": [0, 1], "history": None}
    assert description(run) == "plug-in my.module:make"
