"""Plug-in specs are read as Python reads them; names are unique; every bad spec is one clear error."""

import pytest

from reports.runner.experiments import BY_NAME
from reports.runner.factory import FactoryError
from reports.runner.registry import RegistryError, parse_params, parse_plugin, resolve, select, split_entries
from tests.plugins import IgnoresItsSeed

KNN = "sklearn.neighbors:KNeighborsClassifier"


@pytest.mark.parametrize("text, params", [
    ("", {}),
    ("n_neighbors=3", {"n_neighbors": 3}),
    ("hidden_layer_sizes=(100, 50) max_iter=20", {"hidden_layer_sizes": (100, 50), "max_iter": 20}),
    ("hidden_layer_sizes = ( 100 ,50 )  alpha=1e-4", {"hidden_layer_sizes": (100, 50), "alpha": 1e-4}),
    ("name='a b'", {"name": "a b"}),
    ('name="x=1; y^2"', {"name": "x=1; y^2"}),
    ("nested={'a': [1, (2, 3)], 'b': None} flag=True", {"nested": {"a": [1, (2, 3)], "b": None}, "flag": True}),
    ("shift=-1.5", {"shift": -1.5}),
])
def test_values_are_python_literals_with_any_spacing_nesting_and_quoting(text, params):
    assert parse_params(text, "p") == params


@pytest.mark.parametrize("text, message", [
    ("oops", "'oops' is not of the form key=value"),
    ("3=4", "not of the form key=value"),
    ("weights=distance", "the value of weights is not a Python literal: 'distance'; quote a string: weights='distance'"),
    ("a=1 a=2", "parameter 'a' is given twice"),
    ("a=(1, 2", "unclosed quote or bracket"),
    ("a='open", "unclosed quote or bracket"),
    ("a=__import__('os')", "not a Python literal"),
])
def test_anything_else_is_one_clear_error(text, message):
    with pytest.raises(RegistryError, match="p: ") as error:
        parse_params(text, "p")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_entries_split_at_semicolons_outside_quotes_and_brackets():
    text = f"a={KNN} n_neighbors=3; b={KNN} metric='x;y' ;; c={KNN}"
    assert split_entries(text) == [f"a={KNN} n_neighbors=3", f"b={KNN} metric='x;y'", f"c={KNN}"]
    assert split_entries("  ") == []


def test_a_plugin_spec_round_trips():
    experiment = parse_plugin("mlp=sklearn.neural_network:MLPClassifier hidden_layer_sizes=(100, 50) max_iter=20 "
                              "random_state=0")
    assert experiment.name == "mlp" and experiment.factory == "sklearn.neural_network:MLPClassifier"
    assert experiment.params == {"hidden_layer_sizes": (100, 50), "max_iter": 20, "random_state": 0}
    assert not experiment.stochastic  # a random_state given is one run, with that value


def test_a_factory_that_takes_random_state_is_tried_over_seeds():
    assert parse_plugin("t=sklearn.tree:DecisionTreeClassifier max_depth=3").stochastic
    assert not parse_plugin(f"k={KNN}").stochastic


@pytest.mark.parametrize("spec, message", [
    ("nosuch", "unknown classifier 'nosuch'"),
    ("x=nosuch.module:Thing", "x: nosuch.module:Thing: cannot import module 'nosuch.module'"),
    ("x=tests.plugins:Missing", "has no attribute 'Missing'"),
    ("x=sklearn.neighbours:KNeighborsClassifier", "cannot import module 'sklearn.neighbours' (No module named "
                                                  "'sklearn.neighbours'); did you mean 'sklearn.neighbors'?"),
    ("x=sklearn.neighbors:KNeighborClassifier", "has no attribute 'KNeighborClassifier'; did you mean "
                                                "'KNeighborsClassifier'?"),
    ("x=my_own_models:Thing", "if 'my_own_models' is your own module, put its folder on the path: PYTHONPATH="),
    ("x=tests.plugins:NOT_A_FACTORY", "not a factory"),
    ("x=tests.plugins", "not of the form package.module:attr"),
    ("network=tests.plugins:nearest_neighbours", "'network' is a built-in classifier"),
    ("../x=tests.plugins:nearest_neighbours", "a classifier name starts with a letter or digit"),
    ("=tests.plugins:nearest_neighbours", "a classifier name"),
])
def test_bad_names_and_factories_are_named(spec, message):
    with pytest.raises((RegistryError, FactoryError)) as error:
        resolve(spec)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_plugin_modules_that_fail_to_import_are_one_line(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "broken_syntax.py").write_text("def f(:\n")
    (tmp_path / "raises_on_import.py").write_text("raise RuntimeError('no GPU here')\n")
    (tmp_path / "exits_on_import.py").write_text("import sys\nsys.exit(3)\n")
    for module, message in [("broken_syntax", "x: broken_syntax:f: syntax error in "),
                            ("raises_on_import", "importing 'raises_on_import' raised RuntimeError: no GPU here"),
                            ("exits_on_import", "importing 'exits_on_import' raised SystemExit: 3")]:
        with pytest.raises(FactoryError) as error:
            resolve(f"x={module}:f")
        assert message in str(error.value) and "\n" not in str(error.value)


def test_select_narrows_to_only_and_adds_unique_plugins():
    experiments = select(["random", "darkness", "network"], only="darkness, random", extra=f"k={KNN}")
    assert [e.name for e in experiments] == ["darkness", "random", "k"] and experiments[2].factory == KNN
    experiments = select(["random"], extra="svc-tuned")  # a bare built-in name adds it
    assert [e.name for e in experiments] == ["random", "svc-tuned"] and experiments[1] is BY_NAME["svc-tuned"]


@pytest.mark.parametrize("only, extra, message", [
    ("", "random", "'random' appears twice"),
    ("", f"k={KNN}; k={KNN} n_neighbors=2", "'k' appears twice"),
    ("nosuch", "", "ONLY names 'nosuch', not built-in classifiers"),
])
def test_duplicates_and_unknown_names_are_refused_before_anything_runs(only, extra, message):
    with pytest.raises(RegistryError, match=message):
        select(["random", "darkness"], only=only, extra=extra)


def test_a_misspelled_parameter_stops_before_anything_is_fitted_and_names_the_closest():
    with pytest.raises(RegistryError) as error:
        parse_plugin(f"knn2={KNN} n_neighbours=3")
    assert str(error.value) == "knn2: KNeighborsClassifier has no parameter 'n_neighbours'; did you mean 'n_neighbors'?"
    with pytest.raises(RegistryError, match=r"^f: nearest_neighbours has no parameter 'zzz'; it takes n_neighbors$"):
        parse_plugin("f=tests.plugins:nearest_neighbours zzz=1")
    with pytest.raises(RegistryError, match="not_an_estimator has no parameter 'k'; it takes no parameters"):
        parse_plugin("f=tests.plugins:not_an_estimator k=1")
    fits = IgnoresItsSeed.fits
    with pytest.raises(RegistryError, match="did you mean 'random_state'"):
        parse_plugin("s=tests.plugins:IgnoresItsSeed random_sate=1")
    assert IgnoresItsSeed.fits == fits


def test_with_kwargs_nothing_is_refused_and_a_near_miss_is_warned_of(capsys):
    # PassesOptionsThrough, like LightGBM, hands unknown names to its library, which knows aliases
    # (LightGBM's max_leaves for num_leaves, colsample_bynode beside colsample_bytree).
    spec = "p=tests.plugins:PassesOptionsThrough"
    assert parse_plugin(f"{spec} n_estimators=3 verbose=-1").params == {"n_estimators": 3, "verbose": -1}
    assert capsys.readouterr().err == ""
    assert parse_plugin(f"{spec} n_estimator=3").params == {"n_estimator": 3}
    said = capsys.readouterr().err
    assert said.startswith("warning: p: 'n_estimator' is not a parameter PassesOptionsThrough lists; it is passed "
                           "through its **kwargs") and "a typo of 'n_estimators'?" in said and said.count("\n") == 1
    assert parse_plugin("o=tests.plugins:options_function anything=1").params == {"anything": 1}


@pytest.mark.parametrize("declared, stochastic, params", [
    ("seeding=seeds", True, {}),
    ("seeding='seeds'", True, {}),
    ("seeding=deterministic", False, {}),
    ("seeding=fixed random_state=7", False, {"random_state": 7}),
    ("seeding=fixed", False, {}),  # the factory's own default seed
])
def test_a_spec_can_declare_how_its_plugin_is_seeded(declared, stochastic, params):
    experiment = parse_plugin(f"t=sklearn.tree:DecisionTreeClassifier {declared}")
    assert experiment.stochastic is stochastic and experiment.params == params  # never passed to the factory
    assert experiment.seeding == declared.split()[0].split("=")[1].strip("'")
    assert parse_plugin("t=sklearn.tree:DecisionTreeClassifier").seeding is None  # undeclared: probed


@pytest.mark.parametrize("spec, message", [
    ("t=sklearn.tree:DecisionTreeClassifier seeding=sometimes", "t: seeding='sometimes'; it is one of seeds, fixed, "
                                                                 "deterministic"),
    (f"k={KNN} seeding=seeds", "k: seeding=seeds, but its factory takes no random_state"),
    ("t=sklearn.tree:DecisionTreeClassifier seeding=seeds random_state=1", "drop random_state=1, or say seeding=fixed"),
])
def test_a_seeding_that_cannot_be_is_refused(spec, message):
    with pytest.raises(RegistryError) as error:
        parse_plugin(spec)
    assert message in str(error.value) and "\n" not in str(error.value)
