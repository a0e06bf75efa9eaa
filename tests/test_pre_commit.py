"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real ``pre-commit try-repo``.

The checkout as it is (uncommitted changes included) is committed once into a snapshot
repository; ``pre-commit try-repo`` clones that at its commit, builds its own virtual
environment and installs slimstage from the repository itself (its dependencies from
PyPI), then runs the hook on the Dockerfiles of a temporary git repository. try-repo
builds a new environment on every call, so the other cases use ``pre-commit run`` with a
config naming the same repository and commit (one more build, then cached).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_setup import checkout_copy

NODE_BAD = 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nUSER node\nCMD ["node", "index.js"]\n'
CLEAN = 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n'


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def snapshot(dest: Path) -> tuple[Path, str]:
    """This checkout's files (tracked, and new ones not ignored) committed in a repository of
    their own: one fixed commit, so pre-commit builds the hook environment once."""
    checkout_copy(dest)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "--no-verify", "-m", "snapshot")
    return dest, git(dest, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, dict, Path, str]:
    if importlib.util.find_spec("pre_commit") is None:
        if os.environ.get("CI"):
            pytest.fail("pre-commit is not installed (it is in the test extras)")
        pytest.skip("pre-commit not installed")
    base = tmp_path_factory.mktemp("pre-commit")
    repo = base / "project"
    repo.mkdir()
    (repo / "svc").mkdir()
    (repo / "svc" / "Dockerfile").write_text(NODE_BAD)
    (repo / "tool.Dockerfile").write_text(CLEAN)
    (repo / ".dockerignore").write_text(".git\nnode_modules\n")
    (repo / "svc" / ".dockerignore").write_text(".git\nnode_modules\n")
    (repo / "notes.txt").write_text("COPY . .\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    # its own cache: the hook environment is built from this checkout, never a stale one
    env |= {"PRE_COMMIT_HOME": str(base / "cache"), "NO_COLOR": "1", "PYTHONPATH": ""}
    env |= {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    hooks_repo, rev = snapshot(base / "slimstage")
    return repo, env, hooks_repo, rev


def try_repo(project: tuple, *args: str) -> subprocess.CompletedProcess:
    repo, env, hooks_repo, rev = project
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks_repo), *args, "--ref", rev, "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600,
    )


def test_check_hook_reports_findings_and_fails(project) -> None:
    proc = try_repo(project, "slimstage", "--all-files", "--verbose")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "slimstage" in out and "Failed" in out
    assert "svc/Dockerfile:3:1: warning SLIM101" in out
    assert "notes.txt" not in out  # types: [dockerfile] passes Dockerfiles only


def run_hook(project: tuple, *args: str) -> subprocess.CompletedProcess:
    """``pre-commit run`` with a config naming the same repository and commit: unlike
    try-repo (a fresh store every time) it builds the hook environment once."""
    repo, env, hooks_repo, rev = project
    config = repo / ".pre-commit-config.yaml"
    if not config.exists():
        config.write_text(f"repos:\n  - repo: {hooks_repo}\n    rev: {rev}\n    hooks:\n      - id: slimstage\n      - id: slimstage-fix\n")
        git(repo, "add", ".pre-commit-config.yaml")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", *args, "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600,
    )


def test_check_hook_passes_a_clean_file(project) -> None:
    proc = run_hook(project, "slimstage", "--files", "tool.Dockerfile")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_fix_hook_fixes_the_file(project) -> None:
    repo = project[0]
    proc = run_hook(project, "slimstage-fix", "--files", "svc/Dockerfile")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in out
    fixed = (repo / "svc" / "Dockerfile").read_text()
    assert "COPY package.json package-lock.json ./" in fixed
    git(repo, "add", "-A")
    proc = run_hook(project, "slimstage", "--files", "svc/Dockerfile")
    assert proc.returncode == 0, proc.stdout + proc.stderr
