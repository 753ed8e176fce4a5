# SPDX-License-Identifier: Apache-2.0
"""The process and thread rules: one handle shared by threads (the GIL released in the calls), a
handle inherited through fork() refused in the child and left intact for the parent, and the
per-process handle of open_shared for process pools."""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import sltd
from conftest import LISTED


def test_threads_share_one_handle(db):
    docs = [LISTED[i % len(LISTED)] if i % 10 == 0 else ("UTO", f"T{i:08d}") for i in range(4000)]
    want = [r.verdict for r in db.lookup_many(docs)]

    def work(k: int) -> bool:
        if k % 2:
            return [r.verdict for r in db.lookup_many(docs)] == want
        return all(db.lookup(*d).verdict is w for d, w in zip(docs[:500], want[:500]))

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(work, range(32)))


def test_close_waits_for_calls_in_other_threads(tmp_path: Path):
    from conftest import make_db
    db = sltd.open(make_db(tmp_path))
    docs = [("UTO", f"C{i:07d}") for i in range(200000)]
    out: list[object] = []
    started = threading.Event()

    def work() -> None:
        started.set()
        try:
            out.append(len(db.lookup_many(docs)))
        except sltd.DatabaseError as e:
            out.append(e.detail)

    t = threading.Thread(target=work)
    t.start()
    started.wait()
    db.close()  # waits for the running batch block, then refuses the next one: never a crash
    t.join()
    assert db.closed and out in ([200000], ["the database is closed"])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_inherited_handle_refused_after_fork_and_parent_unharmed(db):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the inherited handle must refuse, and dropping it must not harm the parent
        code = 1
        try:
            try:
                db.lookup("UTO", "L898902C3")
            except sltd.ForkError:
                code = 0
            db.close()  # forgotten in the child, never sltd_db_close (it would release the parent's slots)
            with sltd.open(db.path) as mine:  # a handle of its own works
                code |= 0 if mine.lookup("UTO", "L898902C3").listed else 2
        except BaseException:
            code = 3
        os.write(w, bytes([code]))
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    assert os.read(r, 1) == b"\0"
    os.close(r)
    assert db.lookup("UTO", "L898902C3").listed and not db.closed


def _pool_lookup(args: tuple[str, str, str]) -> tuple[int, bool, int]:
    path, state, number = args
    d = sltd.open_shared(path)
    return os.getpid(), d.lookup(state, number).listed, sltd.opened_shared()


def test_open_shared_once_per_process(db_path: Path):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        got = pool.map(_pool_lookup, [(str(db_path), *LISTED[i % 4]) for i in range(40)], chunksize=1)
    assert all(listed for _, listed, _ in got)
    assert all(opens == 1 for _, _, opens in got)  # one open per process, however many tasks


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_fork_while_another_thread_is_in_a_call(db):
    """The child inherits the count of calls running in the parent's other threads, which it lacks:
    dropping the handle there must not wait for them."""
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            db.lookup_many([("UTO", f"B{i:07d}") for i in range(2000)])

    t = threading.Thread(target=busy)
    t.start()
    try:
        for _ in range(5):
            pid = os.fork()
            if pid == 0:
                db.close()  # returns at once (the parent's threads are not here to finish)
                os._exit(0)
            deadline = time.monotonic() + 30
            while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            if done[0] == 0:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                pytest.fail("the child hung dropping its inherited handle")
            assert os.WIFEXITED(done[1]) and os.WEXITSTATUS(done[1]) == 0
    finally:
        stop.set()
        t.join()
    assert db.lookup("UTO", "L898902C3").listed
