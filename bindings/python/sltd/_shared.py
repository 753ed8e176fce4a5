# SPDX-License-Identifier: Apache-2.0
"""One read-only handle per database per process, opened on first use: what a worker of a process pool
or of a Dask cluster calls for every partition (the database is opened once per process, not once per
partition, and a child made by fork() opens its own)."""
from __future__ import annotations

import os
import threading

from ._db import Database, PathLike

_lock = threading.Lock()
_open: dict[tuple[int, str], Database] = {}
_opens: dict[int, int] = {}  # handles opened, per process id


def open_shared(path: PathLike, key: PathLike | None = None, refuse_stale: bool = False) -> Database:
    """The process's read-only handle on the database at `path`, opened on the first call (with `key`
    and `refuse_stale`) and returned by every later call in the same process, from any thread. A
    process made by fork() gets a handle of its own. Never close it: it lives as long as the process.
    """
    where = (os.getpid(), os.path.realpath(os.fspath(path)))
    with _lock:
        db = _open.get(where)
        if db is None:
            for k in [k for k in _open if k[0] != where[0]]:
                del _open[k]  # inherited through fork(): forgotten, never closed here (Database.close)
            db = _open[where] = Database(path, key=key, readonly=True, refuse_stale=refuse_stale)
            _opens[where[0]] = _opens.get(where[0], 0) + 1
        return db


def opened_shared() -> int:
    """How many handles open_shared has opened in this process so far (for tests and monitoring)."""
    with _lock:
        return _opens.get(os.getpid(), 0)
