"""After a deliberate change of the network's arithmetic, `make self-test-digest` says what to write
into SELF_TEST_SHA256, and a build that fails the self-test names both digests in full."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from network import compiled_epoch

ROOT = Path(__file__).resolve().parents[1]


def digest_of(source, tmp_path):
    """What `python network/compiled_epoch.py digest` says of `source` (a copy of the C file beside a
    copy of the module): (stdout, stderr, exit status)."""
    for name in ("compiled_epoch.py", "compiled_epoch.c"):
        shutil.copy(ROOT / "network" / name, tmp_path / name)
    (tmp_path / "compiled_epoch.c").write_text(source)
    done = subprocess.run([sys.executable, str(tmp_path / "compiled_epoch.py"), "digest"], capture_output=True,
                          text=True, timeout=120)
    return done.stdout.strip(), done.stderr.strip(), done.returncode


@pytest.fixture
def with_a_compiler():
    if shutil.which(compiled_epoch._compiler()[0]) is None:
        pytest.skip("no C compiler here")


def test_the_file_as_it_is_gives_self_test_sha256(with_a_compiler, tmp_path):
    printed, said, status = digest_of(compiled_epoch.SOURCE.read_text(), tmp_path)
    assert status == 0 and printed == compiled_epoch.SELF_TEST_SHA256 and "nothing to change" in said


def test_a_changed_arithmetic_prints_its_new_digest_in_full_and_what_to_do(with_a_compiler, tmp_path):
    source = compiled_epoch.SOURCE.read_text()
    off = "#define fma(a, b, c) (fma((a), (b), (c)) * (1.0 + 0x1p-40))"  # every product-sum a little off
    changed = source.replace("#include <math.h>", f"#include <math.h>\n{off}", 1)
    assert changed != source
    printed, said, status = digest_of(changed, tmp_path)
    assert status == 0 and len(printed) == 64 and printed != compiled_epoch.SELF_TEST_SHA256
    assert f"is {compiled_epoch.SELF_TEST_SHA256}; if the change" in said and "make crosscheck" in said


def test_a_failed_self_test_names_both_digests_in_full_and_how_to_make_it_again(monkeypatch):
    monkeypatch.setattr(compiled_epoch, "_subnormals_work", lambda: True)
    monkeypatch.setattr(compiled_epoch, "self_test_digest", lambda library: "f" * 64)
    with pytest.raises(OSError) as error:
        compiled_epoch._prove(library=None)
    message = str(error.value)
    assert "f" * 64 in message and compiled_epoch.SELF_TEST_SHA256 in message
    assert "`make self-test-digest` prints the digest to write into SELF_TEST_SHA256" in message
