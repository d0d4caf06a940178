"""The runner's looks at a running case are wakeups of the harness, which
under qemu TCG cost a case's time: a case that runs long is looked at ever
less often (up to every 10 ms), not every millisecond; and what a look is
for still happens: a step that sleeps in its call is found and ended."""
import json

from conftest import binary, run_with_usage

SLOW = """\
case l.slow
  file f size=67108864 byte=a fs=tmpfs
  file g size=67108864 byte=b fs=tmpfs
  file h size=67108864 byte=c fs=tmpfs
  close -1
case l.blocks
  file f size=67108864 byte=a fs=tmpfs
  pipe p
  read p.r 1
"""
EXPECTED = "l.slow EBADF\nl.blocks blocks\n"


def run_counting_wakeups(tmp_path, name):
    """Runs one case; its outcome, its time (ms) and the voluntary context
    switches of the harness and everything it reaped (each look is one)."""
    for d in ("cases", "expected", "tmp"):
        (tmp_path / d).mkdir(exist_ok=True)
    (tmp_path / "cases" / "l.case").write_text(SLOW)
    (tmp_path / "expected" / "linux.expected").write_text(EXPECTED)
    out = tmp_path / f"{name}.json"
    rc, usage = run_with_usage([binary(), "--format", "json", "--cases", tmp_path / "cases", "--expected",
                                tmp_path / "expected", "--target", "linux", "-j1", "--filter", name],
                               out=out, tmpdir=tmp_path / "tmp")
    assert rc == 0, out.read_text()
    case = next(o for o in map(json.loads, out.read_text().splitlines()) if o["type"] == "case")
    return case, usage.ru_nvcsw


def test_a_long_case_is_looked_at_ever_less_often(tmp_path):
    case, wakeups = run_counting_wakeups(tmp_path, "l.slow")
    assert case["status"] == "pass", case
    # about 10 for a one-step case that ends at once, and one a look: a
    # look every millisecond was about one a millisecond (90 to 98 here
    # for a 90 ms case); at most every 10 ms after 1, 2, 4 and 8 it is 15
    # to 25 for the same case
    assert wakeups <= 25 + case["ms"] / 5, f"{wakeups} wakeups in {case['ms']} ms"


def test_a_step_that_sleeps_after_a_long_setup_is_still_ended(tmp_path):
    case, _ = run_counting_wakeups(tmp_path, "l.blocks")
    assert case["outcomes"] == ["blocks"], case
