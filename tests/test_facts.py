"""Every fact of the code is written once: a test fails where one is typed a second time."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODE = [path for folder in ("baselines", "bench", "common", "data", "network", "reports") for path in (ROOT / folder).rglob("*.py")]

# fact -> (the one file that may write it, a pattern that finds it written out). Mueller's C and gamma:
# the reports name them from what a run's fit recorded (the SVC's diagnose()), so only the preset holds them.
FACTS = {
    "the seeds of a request by default": ("reports/runner/request.py", r"DEFAULT_SEEDS\s*=\s*\{|\"report\":\s*5\b"),
    "the network's epochs, mini-batch and eta": ("network/classifier.py",
                                                  r"epochs\s*=\s*30\b|\"epochs\":\s*30\b|mini_batch_size\s*=\s*10\b|"
                                                  r"\"mini_batch_size\":\s*10\b|(?i:\bmini_batch\s*=\s*10\b|\beta\s*=\s*3\.0\b)|\"eta\":\s*3\.0\b"),
    "Mueller's C and gamma": ("baselines/svm.py", r"\b2\.8\b|0\.0073\b"),
    "the saturation thresholds": ("network/classifier.py", r"\b0\.99\b"),
}


@pytest.mark.parametrize("fact", FACTS)
def test_a_fact_is_written_in_one_file(fact):
    home, pattern = FACTS[fact]
    places = [path.relative_to(ROOT).as_posix() for path in CODE if re.search(pattern, path.read_text())]
    assert places == [home], f"{fact} is written in {places}; write it in {home} and derive it elsewhere"
