"""What the server knows between requests: settings, and one analysis per document version.

Every feature asks ``State.result(uri)`` for the current document; the text is parsed
and checked at most once per version (and once per settings change).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..analysis.context import UNKNOWN, BuildContext, read_context
from ..dockerfile import parse
from ..lint import LintResult, lint
from ..settings import Settings, SettingsProblem, confine_context, find_config, load_file, load_user, merge, user_config_stamp
from .convert import uri_to_path

MAX_DOCUMENT_CHARS = 16 * 1024 * 1024
# Full results (model, analysis, findings) are kept for the documents used most recently;
# the others are recomputed when asked for. Keeps memory flat with many files open.
MAX_CACHED_RESULTS = 6


@dataclass
class _Cached:
    version: Optional[int]
    text: str
    generation: int
    settings: Settings
    result: LintResult
    seconds: float = 0.0  # how long the check took


class State:
    def __init__(self) -> None:
        self.settings = Settings()
        self.generation = 0  # bumped when settings or build contexts change
        self.shown_problems: set[str] = set()
        self._results: "OrderedDict[str, _Cached]" = OrderedDict()
        self._lock = threading.Lock()  # checks run in a worker thread; requests on the loop
        self._contexts: dict[Path, tuple[tuple, BuildContext]] = {}
        self.client_raw: dict = {}  # what the editor set, layered over config files
        self._file_settings: dict[tuple, Settings] = {}
        self.pending_problems: list[SettingsProblem] = []  # from config files, shown by the LSP layer
        self._user: Optional[tuple[tuple, Settings]] = None  # (stamp, defaults + the user's config file)

    def set_settings(self, settings: Settings, problems: list[SettingsProblem], raw: Optional[dict] = None) -> list[SettingsProblem]:
        """Adopt new editor settings; return the problems not shown to the user before."""
        if raw is not None:
            self.client_raw = raw
        if settings != self.settings:
            self.settings = settings
            self.generation += 1
        return self._fresh(problems)

    def _fresh(self, problems: list[SettingsProblem]) -> list[SettingsProblem]:
        fresh = [p for p in problems if str(p) not in self.shown_problems]
        self.shown_problems.update(str(p) for p in fresh)
        return fresh

    def user_base(self) -> Settings:
        """Defaults under the user's own config file (re-read when it changes)."""
        stamp = user_config_stamp()
        if self._user is None or self._user[0] != stamp:
            settings, problems = load_user()
            self.pending_problems += self._fresh(problems)
            self._user = (stamp, settings)
        return self._user[1]

    def settings_for(self, uri: str) -> Settings:
        """Settings for one document: defaults, the user's config file, its folder's config file
        (without user-only settings), then the editor's."""
        path = uri_to_path(uri)
        if path is None:
            return self.settings
        config = find_config(path.parent)
        if config is None:
            return self.settings
        key = (config, _mtime(config), self.generation, user_config_stamp())
        found = self._file_settings.get(key)
        if found is None:
            table, problems = load_file(config)
            found, more = merge(self.user_base(), table, project=str(config))
            found = confine_context(found, self.user_base(), path, config, more)
            found, client_problems = merge(found, self.client_raw)
            self.pending_problems += self._fresh(problems + more)
            self._file_settings = {k: v for k, v in self._file_settings.items() if k[0] != config}
            self._file_settings[key] = found
        return found

    def context_for(self, uri: str, settings: Optional[Settings] = None) -> BuildContext:
        path = uri_to_path(uri)
        if path is None:
            return UNKNOWN
        context = (settings or self.settings).context
        root = path.parent / context if context else path.parent
        stamp = (_mtime(root), _mtime(root / ".dockerignore"), _mtime(path.parent / (path.name + ".dockerignore")), context)
        cached = self._contexts.get(root)
        if cached is not None and cached[0] == stamp and not cached[1].side_files_changed():
            return cached[1]
        ctx = read_context(path, context)
        self._contexts[root] = (stamp, ctx)
        self.pending_problems += self._fresh([SettingsProblem("", p, "") for p in ctx.unread])
        return ctx

    def result(self, uri: str, text: str, version: Optional[int]) -> LintResult:
        """The findings for this version, computed when not cached. The lock is held only to
        read and store the cache, so a long check of one document never holds up another."""
        with self._lock:
            cached, settings, ctx = self._lookup(uri, text, version)
        if cached is not None and cached.result is not None and self._fresh_hit(cached, text, version, settings, ctx):
            return cached.result
        if len(text) > MAX_DOCUMENT_CHARS:
            text = text[:MAX_DOCUMENT_CHARS]
        started = time.perf_counter()
        previous = cached.result.analysis.doc if cached is not None else None
        result = lint(parse(text, previous), settings, ctx)
        elapsed = time.perf_counter() - started
        if elapsed > 0.5:
            print(f"slimstage: checking {uri} took {elapsed:.2f}s", file=sys.stderr)
        with self._lock:
            self._results[uri] = _Cached(version, text, self.generation, settings, result, elapsed)
            self._results.move_to_end(uri)
            while len(self._results) > MAX_CACHED_RESULTS:
                self._results.popitem(last=False)
        return result

    def check_seconds(self, uri: str) -> float:
        """How long the last check of ``uri`` took (0 when none is cached)."""
        found = self._results.get(uri)
        return found.seconds if found is not None else 0.0

    def cached(self, uri: str, text: str, version: Optional[int]) -> Optional[LintResult]:
        """The findings for this version if they are already known (never computes them)."""
        with self._lock:
            cached, settings, ctx = self._lookup(uri, text, version)
        if cached is not None and self._fresh_hit(cached, text, version, settings, ctx):
            return cached.result
        return None

    def _lookup(self, uri: str, text: str, version: Optional[int]) -> tuple[Optional[_Cached], Settings, BuildContext]:
        settings = self.settings_for(uri)
        ctx = self.context_for(uri, settings)
        cached = self._results.get(uri)
        if cached is not None:
            self._results.move_to_end(uri)
        return cached, settings, ctx

    def _fresh_hit(self, cached: _Cached, text: str, version: Optional[int], settings: Settings, ctx: BuildContext) -> bool:
        return (
            cached.version == version
            and cached.generation == self.generation
            and cached.settings is settings
            and cached.result.analysis.context is ctx
            and (cached.text is text or cached.text == text)
        )

    def forget(self, uri: str) -> None:
        with self._lock:
            self._results.pop(uri, None)


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1
