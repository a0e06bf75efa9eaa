"""A finished check's findings are freed when nothing needs them (not at the next full GC).

Found with the memory benchmark (bench/: peak RSS with 100 documents open went from 53 to
101 MiB when checks moved to worker threads): each job's time-budget timer held the job's
``abandon`` method, and the job held the timer, so every finished check's LintResult lived
on in a reference cycle. Reference counting alone must free them: this test checks with
the cyclic collector turned off.
"""

from __future__ import annotations

import gc
from pathlib import Path

from slimstage.lint import LintResult
from slimstage.lsp.checks import Checker
from slimstage.lsp.state import MAX_CACHED_RESULTS, State


def test_finished_checks_leave_only_the_cache_behind(tmp_path: Path) -> None:
    state, checker = State(), Checker()
    text = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \"dist/server.js\"]\n"
    gc.collect()
    gc.disable()
    try:
        for i in range(3 * MAX_CACHED_RESULTS):
            uri = (tmp_path / f"d{i}" / "Dockerfile").as_uri()
            future = checker.submit(uri, (1,), lambda uri=uri: state.result(uri, text, 1), 10.0)  # with a time budget
            assert isinstance(future.result(timeout=30), LintResult)
        del future
        alive = sum(isinstance(o, LintResult) for o in gc.get_objects())
    finally:
        gc.enable()
    assert alive <= MAX_CACHED_RESULTS + 1, alive  # before: 18, one per finished check
