"""Actors: steps run by a second thread or process, ordered by sync points
(sleeping, join, signal) that the harness controls, never by a timer.  The
outcomes here are what Linux does; each is exact, so a sync point that let
the main actor run ahead (or a join that ended a step someone would still
wake) changes one of them."""
import json
import textwrap

import pytest

from conftest import binary

WAKE = """
case a.wake
  covers splice.eintr
  pipe     p
  pipe     q
  thread   t
  t: splice p.r NULL q.w NULL 5 0
  sleeping t
  write    p.w "hello"
  join     t
  read     q.r 10
"""


def outcomes(run, tmp_path, text, *args):
    (tmp_path / "c").mkdir(exist_ok=True)
    (tmp_path / "e").mkdir(exist_ok=True)
    (tmp_path / "c" / "a.case").write_text(textwrap.dedent(text))
    (tmp_path / "e" / "linux.expected").write_text("")
    proc = run("--format", "json", "--cases", str(tmp_path / "c"), "--expected", str(tmp_path / "e"),
               "--target", "linux", *args)
    assert proc.returncode in (0, 1), proc.stderr
    cases = [json.loads(l) for l in proc.stdout.splitlines() if '"type":"case"' in l]
    return {c["case"]: (c["status"], c["outcomes"]) for c in cases}


def parse_error(run, tmp_path, text):
    (tmp_path / "c").mkdir(exist_ok=True)
    (tmp_path / "c" / "a.case").write_text(textwrap.dedent(text))
    proc = run("--cases", str(tmp_path / "c"), "list")
    assert proc.returncode == 2
    return proc.stderr


@pytest.mark.parametrize("kind", ["thread", "process"])
@pytest.mark.parametrize("watch", [[], ["--no-proc-watch"]])
def test_a_woken_call_returns_its_count_and_moves_the_data(run, tmp_path, kind, watch):
    got = outcomes(run, tmp_path, WAKE.replace("thread   t", kind + " t"), *watch)
    assert got["a.wake"][1] == ["5", "-", "5", "-", '5:"hello"']


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_a_signal_ends_a_sleeping_call_with_eintr(run, tmp_path, kind):
    got = outcomes(run, tmp_path, f"""
        case a.eintr
          covers splice.eintr
          pipe     p
          {kind}   t
          t: read  p.r 5
          sleeping t
          signal   t SIGUSR1
          join     t
          fionread p.r
        """)
    assert got["a.eintr"][1] == ["EINTR+SIGUSR1", "-", "-", "-", "0"]


def test_join_ends_a_call_nobody_is_left_to_wake(run, tmp_path):
    got = outcomes(run, tmp_path, """
        case a.blocks
          covers splice.eintr
          pipe     p
          thread   t
          t: read  p.r 5
          join     t
          write    p.w "x"
        """)
    assert got["a.blocks"][1] == ["blocks", "-", "1"]


def test_join_waits_while_another_actor_is_still_busy(run, tmp_path):
    """t's read sleeps until u's loop has written everything: joining t
    first must not end it while u runs."""
    got = outcomes(run, tmp_path, """
        case a.chain
          covers splice.eintr
          timeout 5s
          pipe     p
          thread   t
          thread   u
          t: drain p.r 1048576
          u: feed  p.w 1048576
          join     t
          join     u
        """)
    status, outs = got["a.chain"]
    assert outs[0].startswith("1048576:fnv64=") and outs[1:] == ["1048576", "-", "-"]


def test_sleeping_says_ealready_when_the_step_returned_first(run, tmp_path):
    got = outcomes(run, tmp_path, """
        case a.early
          covers splice.eintr
          pipe     p
          thread   t
          t: write p.w "x"
          sleeping t
          join     t
        """)
    assert got["a.early"][1] == ["1", "EALREADY", "-"]


def test_a_process_actor_killed_in_its_step_has_the_signal_as_outcome(run, tmp_path):
    got = outcomes(run, tmp_path, """
        case a.killed
          covers splice.eintr
          pipe     p
          process  t
          t: read  p.r 5
          sleeping t
          signal   t SIGKILL
          join     t
          write    p.w "x"
        """)
    assert got["a.killed"][1] == ["SIGKILL", "-", "-", "-", "1"]


def test_the_case_ends_only_after_its_actors_steps(run, tmp_path):
    """No join written: the end of the case joins every actor."""
    got = outcomes(run, tmp_path, """
        case a.implicit
          covers splice.eintr
          pipe     p
          process  t
          t: read  p.r 5
        """)
    assert got["a.implicit"][1] == ["blocks"]


@pytest.mark.parametrize("text, message", [
    ("case x\n  covers a\n  pipe p\n  t: read p.r 1\n", "no actor t declared above"),
    ("case x\n  covers a\n  thread t\n  t: join t\n", "only the main actor orders actors"),
    ("case x\n  covers a\n  thread p\n  pipe p\n", "'p' is already declared"),
    ("case x\n  covers a\n  thread t\n  thread t\n", "'t' is already declared"),
    ("case x\n  covers a\n  pipe p\n  join p\n", "'p' is not an actor declared above"),
    ("case x\n  covers a\n" + "".join(f"  thread t{i}\n" for i in range(5)) + "  write 1 \"x\"\n",
     "at most 4 actors"),
    ("case x\n  covers a\n  thread t\n  t:\n", "must be followed by a call"),
])
def test_bad_actor_lines_name_file_and_line(run, tmp_path, text, message):
    err = parse_error(run, tmp_path, text)
    assert "a.case:" in err and message in err, err
