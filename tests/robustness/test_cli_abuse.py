"""The command line on paths that are not Dockerfiles it can read.

Unreadable files, folders with no Dockerfile, non-UTF-8 and binary files, a FIFO, a
character device, a symlink loop, a path that does not exist, a file name that is not
valid UTF-8, a closed stdout: each gives exit code 2 (or, for a closed pipe, a quiet
exit) and one line on stderr naming the path, never a traceback, and never hangs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NODE = b"FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n"
TIMEOUT = 60


def _drop_file_read_override() -> None:
    """Run as root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: file modes apply again."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run(*args: str, cwd: Path | None = None, as_plain_user: bool = False) -> subprocess.CompletedProcess:
    # a desktop UTF-8 locale (en_US.UTF-8): strict UTF-8 on stdout, unlike C.UTF-8's surrogateescape
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8:strict")
    env.pop("ANTHROPIC_API_KEY", None)
    kwargs = {}
    if as_plain_user and os.geteuid() == 0:
        kwargs["preexec_fn"] = _drop_file_read_override
    return subprocess.run(
        [sys.executable, "-m", "slimstage", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        timeout=TIMEOUT,
        **kwargs,
    )


def stderr_lines(proc: subprocess.CompletedProcess) -> list[str]:
    text = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    return [ln for ln in text.splitlines() if ln.strip()]


def assert_one_line_error(proc: subprocess.CompletedProcess, mentions: str) -> str:
    lines = stderr_lines(proc)
    assert proc.returncode == 2, (proc.returncode, lines)
    assert len(lines) == 1, lines
    assert lines[0].startswith("slimstage: "), lines
    assert mentions in lines[0], lines
    return lines[0]


def _commands() -> list[str]:
    """The commands that take a path, as far as they exist yet."""
    from importlib.util import find_spec

    out = ["check"]
    if find_spec("slimstage.explain") is not None:
        out.append("explain")
    if find_spec("slimstage.rewrite.command") is not None:
        out.append("convert")
    return out


def convert_args(cmd: str) -> list[str]:
    return ["--engine", "offline"] if cmd == "convert" else []


COMMANDS = _commands()


# -- paths that cannot be read -----------------------------------------------------------------


@pytest.mark.parametrize("cmd", COMMANDS)
def test_missing_path(cmd: str, tmp_path: Path) -> None:
    assert_one_line_error(run(cmd, str(tmp_path / "nope" / "Dockerfile"), *convert_args(cmd)), "nope")


@pytest.mark.parametrize("cmd", COMMANDS)
def test_unreadable_file(cmd: str, tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_bytes(NODE)
    f.chmod(0)
    if os.geteuid() == 0:
        try:
            readable = subprocess.run(["cat", str(f)], preexec_fn=_drop_file_read_override, capture_output=True).returncode == 0
        except (OSError, subprocess.SubprocessError):
            readable = True
        if readable:
            pytest.skip("root here keeps the right to read any file (no CAP_SETPCAP to drop it)")
    line = assert_one_line_error(run(cmd, str(f), *convert_args(cmd), as_plain_user=True), str(f))
    assert "ermission" in line


@pytest.mark.parametrize("cmd", COMMANDS)
def test_file_whose_read_fails(cmd: str) -> None:
    """A regular file that cannot be read (EIO): /proc/self/mem of the process itself."""
    if not Path("/proc/self/mem").exists():
        pytest.skip("no /proc")
    assert_one_line_error(run(cmd, "/proc/self/mem", *convert_args(cmd)), "/proc/self/mem")


@pytest.mark.parametrize("cmd", COMMANDS)
def test_fifo_does_not_block(cmd: str, tmp_path: Path) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    assert_one_line_error(run(cmd, str(fifo), *convert_args(cmd)), str(fifo))


@pytest.mark.parametrize("cmd", COMMANDS)
def test_character_device(cmd: str) -> None:
    assert_one_line_error(run(cmd, "/dev/zero", *convert_args(cmd)), "/dev/zero")


@pytest.mark.parametrize("cmd", COMMANDS)
def test_symlink_loop(cmd: str, tmp_path: Path) -> None:
    loop = tmp_path / "Dockerfile"
    loop.symlink_to(loop)
    assert_one_line_error(run(cmd, str(loop), *convert_args(cmd)), str(loop))


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c != "check"])
def test_folder_given_as_file(cmd: str, tmp_path: Path) -> None:
    assert_one_line_error(run(cmd, str(tmp_path), *convert_args(cmd)), str(tmp_path))


@pytest.mark.parametrize("cmd", COMMANDS)
def test_huge_sparse_file(cmd: str, tmp_path: Path) -> None:
    big = tmp_path / "Dockerfile"
    with open(big, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)
    assert_one_line_error(run(cmd, str(big), *convert_args(cmd)), str(big))


# -- contents that are not UTF-8 text ------------------------------------------------------------


@pytest.mark.parametrize("cmd", COMMANDS)
def test_non_utf8_file(cmd: str, tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_bytes(b"FROM alpine\nLABEL author=\"Jos\xe9\"\nRUN echo \xff\xfe\n")
    proc = run(cmd, str(f), *convert_args(cmd))
    lines = stderr_lines(proc)
    assert proc.returncode == 2, (proc.returncode, lines)
    assert [ln for ln in lines if "UTF-8" in ln and str(f) in ln], lines


@pytest.mark.parametrize("cmd", COMMANDS)
def test_binary_file(cmd: str, tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_bytes(bytes(range(256)) * 64)
    proc = run(cmd, str(f), *convert_args(cmd))
    lines = stderr_lines(proc)
    assert proc.returncode == 2, (proc.returncode, lines)
    assert [ln for ln in lines if str(f) in ln], lines


# -- folders ---------------------------------------------------------------------------------------


def test_folder_without_dockerfile(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hello")
    (tmp_path / "sub").mkdir()
    assert_one_line_error(run("check", str(tmp_path)), "no Dockerfile")


def test_folder_with_a_directory_loop(tmp_path: Path) -> None:
    """A symlink back to an ancestor: the walk neither loops nor fails; the real file is checked once."""
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_bytes(NODE)
    (tmp_path / "svc" / "again").symlink_to(tmp_path)
    (tmp_path / "self").symlink_to("self")
    proc = run("check", "--format", "json", str(tmp_path))
    assert proc.returncode == 1, stderr_lines(proc)
    assert proc.stdout.count(b'"SLIM101"') == 1


def test_folder_with_bad_files_inside(tmp_path: Path) -> None:
    """A good Dockerfile next to a FIFO and a dangling link named like Dockerfiles: findings for the one, a line each for the others."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_bytes(NODE)
    os.mkfifo(tmp_path / "b.Dockerfile")
    (tmp_path / "Dockerfile.gone").symlink_to(tmp_path / "missing")
    proc = run("check", "--format", "json", str(tmp_path))
    lines = stderr_lines(proc)
    assert proc.returncode == 2
    assert len(lines) == 2 and all(ln.startswith("slimstage: ") for ln in lines), lines
    assert b'"SLIM101"' in proc.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_file_name_that_is_not_utf8(fmt: str, tmp_path: Path) -> None:
    """A Dockerfile whose name has a byte that is not UTF-8 is reported, not crashed on."""
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"Dockerfile.\xff"), "wb") as fh:
        fh.write(NODE)
    proc = run("check", "--format", fmt, str(tmp_path))
    stderr_lines(proc)
    assert proc.returncode == 1
    assert b"SLIM101" in proc.stdout
    if fmt == "text":
        assert b"Dockerfile.\xff:" in proc.stdout  # the name's own bytes, as ls shows it


def test_explain_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    if "explain" not in COMMANDS:
        pytest.skip("no explain command yet")
    path = os.path.join(os.fsencode(tmp_path), b"Dockerfile.\xff")
    with open(path, "wb") as fh:
        fh.write(NODE)
    proc = run("explain", os.fsdecode(path))
    stderr_lines(proc)
    assert proc.returncode == 0


def test_many_files_in_parallel_with_bad_ones(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"{i}.Dockerfile").write_bytes(NODE if i % 3 else b"\xff\xfe\x00garbage")
    proc = run("check", "--jobs", "2", "--format", "json", str(tmp_path))
    lines = stderr_lines(proc)
    assert proc.returncode == 2
    assert len(lines) == 4, lines
    assert proc.stdout.count(b'"SLIM101"') == 8


def test_closed_stdout(tmp_path: Path) -> None:
    """`slimstage check . | head -0`: the pipe closes early; no traceback."""
    for i in range(200):
        (tmp_path / f"{i}.Dockerfile").write_bytes(NODE)
    proc = subprocess.run(
        f"{sys.executable} -m slimstage check {tmp_path} | head -c 1 >/dev/null",
        shell=True,
        stderr=subprocess.PIPE,
        timeout=TIMEOUT,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    assert b"Exception ignored" not in proc.stderr, proc.stderr.decode()
