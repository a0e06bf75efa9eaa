"""Security through the real front ends: what a cloned repository can make slimstage read, send or print.

Each test drives the CLI as a process or the language server over stdio, with the real
``anthropic`` SDK talking to the fake Messages API (``tests/fakes/``). A second fake stands
for the host a hostile repository names ("evil"): it must never receive a request.

- Settings that decide where the API key goes (``claude.base_url``) and which variable
  holds it (``claude.api_key_env``) come only from the user: a project's
  ``.slimstage.toml`` / ``[tool.slimstage]`` that sets them is ignored, and said to be.
- Side files of the build context (``.dockerignore``, ``<Dockerfile>.dockerignore``,
  manifests, config files) are read only as regular files inside the context, under a
  size cap: a link to a secret outside is not read (nor sent), a FIFO does not block, a
  huge file is not read whole.
- No message shows the API key (also one pasted into ``claude.api_key_env``) or the
  user:password of ``claude.base_url``.
- ``convert --write`` writes through a symlink, refuses a read-only file, and refuses a
  file that changed while the conversion ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.fakes.fake_anthropic import FakeAnthropic, SlowReply

from .claude_cases import API_KEY, PLAIN, VALID, answer, closed_port
from .jsonrpc import RawServer
from .tally import tally

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY-slimstage"
PASTED_KEY = "sk-ant-api03-PastedIntoTheSettingByMistake-0123456789abcdefXYZ"
PROXY_PASSWORD = "pr0xy-Pa55word-9876"
OUTSIDE_SECRET = "aws_secret_access_key = OUTSIDEtheCONTEXT-0123456789abcdefghij"


@pytest.fixture(scope="module")
def good():
    """The Messages API the user chose (ANTHROPIC_BASE_URL, user config, editor user settings, --set)."""
    with FakeAnthropic() as f:
        yield f


@pytest.fixture(scope="module")
def evil():
    """The host a repository names: nothing may ever reach it."""
    with FakeAnthropic() as f:
        yield f
        assert f.requests == [], "a request reached the host the repository chose"


def user_env(tmp: Path, **extra: str) -> dict:
    """A user's environment: their API key, a secret in another variable, an empty user config folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "AWS_"))}
    env["ANTHROPIC_API_KEY"] = API_KEY
    env["AWS_SECRET_ACCESS_KEY"] = AWS_SECRET
    config = tmp / "user-config"
    config.mkdir(exist_ok=True)
    env["XDG_CONFIG_HOME"] = str(config)
    env.update(extra)
    return env


def slimstage(*args: str, env: dict, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    tally("security")
    return subprocess.run([sys.executable, "-m", "slimstage", *args], capture_output=True, env=env, cwd=cwd, timeout=timeout)


def hostile_project(tmp: Path, evil_url: str, style: str) -> Path:
    folder = tmp / f"cloned-{style}"
    folder.mkdir()
    if style == "slimstage.toml":
        (folder / ".slimstage.toml").write_text(f'[claude]\nbase_url = "{evil_url}"\napi_key_env = "AWS_SECRET_ACCESS_KEY"\n')
    elif style == "pyproject-camel":
        (folder / "pyproject.toml").write_text(
            f'[project]\nname = "x"\n\n[tool.slimstage.claude]\nbaseUrl = "{evil_url}"\napiKeyEnv = "AWS_SECRET_ACCESS_KEY"\n'
        )
    else:  # inline table, odd spellings
        (folder / ".slimstage.toml").write_text(f'Claude = {{ "base-url" = "{evil_url}", API_KEY_ENV = "x", apiKeyEnv = "AWS_SECRET_ACCESS_KEY" }}\n')
    (folder / "Dockerfile").write_text(PLAIN)
    return node_app(folder)


def node_app(folder: Path) -> Path:
    """The manifests the valid answer copies (the gate checks COPY sources exist in the context);
    a name the test already made (a link, say) is left as it is."""
    for name, text in (("package.json", '{"name": "x", "scripts": {"build": "tsc"}}\n'), ("package-lock.json", "{}\n")):
        if not os.path.lexists(folder / name):
            (folder / name).write_text(text)
    return folder


def all_text(fake: FakeAnthropic) -> str:
    return "".join(r.raw.decode("utf-8", "replace") + json.dumps(dict(r.headers)) + r.query for r in fake.requests)


# -- settings that route the key come only from the user -----------------------------------------------


@pytest.mark.parametrize("style", ["slimstage.toml", "pyproject-camel", "odd-spellings"])
def test_cli_project_file_cannot_redirect_the_key(good: FakeAnthropic, evil: FakeAnthropic, tmp_path: Path, style: str) -> None:
    folder = hostile_project(tmp_path, evil.url, style)
    good.script(answer())
    seen = len(good.requests)
    proc = slimstage("convert", str(folder / "Dockerfile"), "--engine", "claude", env=user_env(tmp_path, ANTHROPIC_BASE_URL=good.url))
    err = proc.stderr.decode()
    assert evil.requests == [], f"the repository's base_url got the request: {err}"
    assert proc.returncode == 0, err
    mine = good.requests[seen:]
    assert mine and all(r.headers.get("x-api-key") == API_KEY or r.headers.get("authorization") == f"Bearer {API_KEY}" for r in mine)
    assert AWS_SECRET not in all_text(good)
    assert "base_url" in err and "ignored" in err and "project file" in err, err
    assert "api_key_env" in err, err
    assert AWS_SECRET not in err and evil.url not in err


def test_a_project_file_cannot_turn_on_building_and_running_its_code(tmp_path: Path) -> None:
    # Verification builds the project's Dockerfile and starts it: running the project's own
    # commands is the user's decision, never the cloned repository's.
    folder = tmp_path / "cloned"
    folder.mkdir()
    (folder / "Dockerfile").write_text('FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nCMD ["node", "dist/server.js"]\n')
    (folder / "package.json").write_text('{"name": "x", "scripts": {"build": "tsc"}, "devDependencies": {"typescript": "5.6.3"}}\n')
    (folder / "package-lock.json").write_text("{}\n")
    (folder / ".slimstage.toml").write_text('[verify]\nenabled = true\nengine = "docker"\n')
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "engine-ran"
    for name in ("docker", "podman", "buildah"):
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\necho {name} \"$@\" >> {marker}\nexit 1\n")
        tool.chmod(0o755)
    env = user_env(tmp_path, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = slimstage("convert", str(folder / "Dockerfile"), "--engine", "offline", env=env)
    err = proc.stderr.decode()
    assert not marker.exists(), marker.read_text()  # before: the project's verify.enabled started an engine
    assert "verify.enabled" in err and "verify.engine" in err and "ignored" in err and "builds and runs" in err, err
    assert proc.returncode == 0, err


def test_cli_user_config_file_may_route_the_key(good: FakeAnthropic, tmp_path: Path) -> None:
    env = user_env(tmp_path, GATEWAY_KEY=API_KEY)
    del env["ANTHROPIC_API_KEY"]
    user_config = Path(env["XDG_CONFIG_HOME"]) / "slimstage"
    user_config.mkdir(parents=True)
    (user_config / "config.toml").write_text(f'[claude]\nbase_url = "{good.url}"\napi_key_env = "GATEWAY_KEY"\n')
    (tmp_path / "Dockerfile").write_text(PLAIN)
    node_app(tmp_path)
    good.script(answer())
    seen = len(good.requests)
    proc = slimstage("convert", str(tmp_path / "Dockerfile"), "--engine", "claude", env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    assert len(good.requests) > seen and "ignored" not in proc.stderr.decode()


def test_editor_project_file_cannot_redirect_the_key(good: FakeAnthropic, evil: FakeAnthropic, tmp_path: Path) -> None:
    folder = hostile_project(tmp_path, evil.url, "slimstage.toml")
    good.script(answer())
    seen = len(good.requests)
    env = user_env(tmp_path, ANTHROPIC_BASE_URL=good.url)
    with RawServer(env=env, settings={"debounceMs": 0, "claude": {"maxRetries": 0, "timeout": 10}}, cwd=str(folder)) as server:
        server.initialize()
        uri = (folder / "Dockerfile").as_uri()
        server.open(uri, PLAIN)
        server.wait_for_publish(uri, 1)
        r = server.request("workspace/executeCommand", {"command": "slimstage.server.convert", "arguments": [{"uri": uri, "version": 1}]}, timeout=90)
        server.pump(0.3)
        tally("security")
        assert r.ok and r.result["status"] == "converted", (r.result, server.stderr[-2000:])
        shown = json.dumps(server.messages("window/showMessage"))
        assert "base_url" in shown and "ignored" in shown, shown
        everything = server.stderr + json.dumps(server.notifications)
        assert AWS_SECRET not in everything
    assert evil.requests == []
    assert len(good.requests) > seen and AWS_SECRET not in all_text(good)


def test_cli_project_context_cannot_point_outside_the_project(good: FakeAnthropic, tmp_path: Path) -> None:
    secrets = tmp_path / "home" / ".ssh"
    secrets.mkdir(parents=True)
    (secrets / ".dockerignore").write_text("OUTSIDE-IGNORE-MARKER\n")
    (secrets / "id_rsa_OUTSIDE_NAME").write_text("x")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".slimstage.toml").write_text(f'context = "{secrets}"\n')
    (project / "Dockerfile").write_text(PLAIN)
    node_app(project)  # the context stays the project's folder
    good.script(answer())
    seen = len(good.requests)
    proc = slimstage("convert", str(project / "Dockerfile"), "--engine", "claude", env=user_env(tmp_path, ANTHROPIC_BASE_URL=good.url))
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "context" in err and "outside the project" in err, err
    sent = "".join(r.raw.decode("utf-8", "replace") for r in good.requests[seen:])
    assert sent and "OUTSIDE-IGNORE-MARKER" not in sent and "id_rsa_OUTSIDE_NAME" not in sent


# -- echoes --------------------------------------------------------------------------------------------


def test_cli_never_prints_a_pasted_key_or_proxy_credentials(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(PLAIN)
    env = user_env(tmp_path)
    # The key pasted where the variable's name goes.
    proc = slimstage("convert", str(tmp_path / "Dockerfile"), "--engine", "claude", "--set", f"claude.api_key_env={PASTED_KEY}", env=env)
    err = proc.stderr.decode()
    assert PASTED_KEY not in err and PASTED_KEY[14:40] not in err, err
    assert "api_key_env" in err, err
    # ...or inside a list (the "expected a string, got ..." message must not quote it).
    proc = slimstage("convert", str(tmp_path / "Dockerfile"), "--engine", "offline", "--set", f'claude.api_key_env=["{PASTED_KEY}"]', env=env)
    err = proc.stderr.decode()
    assert PASTED_KEY[14:40] not in err and "api_key_env" in err, err
    # Proxy credentials in base_url, on a port nobody listens on ("cannot reach").
    url = f"http://deploy:{PROXY_PASSWORD}@127.0.0.1:{closed_port()}"
    proc = slimstage(
        "convert", str(tmp_path / "Dockerfile"), "--engine", "claude",
        "--set", f"claude.base_url={url}", "--set", "claude.max_retries=0", "--set", "claude.timeout=3", env=env,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "reach" in err and "127.0.0.1" in err, err
    assert PROXY_PASSWORD not in err and API_KEY not in err, err
    # A user:p@ss@host password (an @ inside it) and a non-string value quoted back.
    url = f"http://deploy:{PROXY_PASSWORD}@x@127.0.0.1:{closed_port()}"
    proc = slimstage("convert", str(tmp_path / "Dockerfile"), "--engine", "claude", "--set", f'claude.base_url=["{url}"]',
                     "--set", "claude.timeout=3", env=env)
    err = proc.stderr.decode()
    assert PROXY_PASSWORD not in err and "x@127" not in err, err


def test_editor_never_shows_a_pasted_key_or_proxy_credentials(tmp_path: Path) -> None:
    url = f"http://deploy:{PROXY_PASSWORD}@127.0.0.1:{closed_port()}"
    settings = {"debounceMs": 0, "claude": {"baseUrl": url, "apiKeyEnv": PASTED_KEY, "maxRetries": 0, "timeout": 3}}
    (tmp_path / "Dockerfile").write_text(PLAIN)
    with RawServer(env=user_env(tmp_path), settings=settings, cwd=str(tmp_path)) as server:
        server.initialize()
        uri = (tmp_path / "Dockerfile").as_uri()
        server.open(uri, PLAIN)
        server.wait_for_publish(uri, 1)
        r = server.request("workspace/executeCommand", {"command": "slimstage.server.convert", "arguments": [{"uri": uri, "version": 1}]}, timeout=90)
        server.pump(0.3)
        tally("security")
        assert r.ok and r.result["status"] == "failed", r.result
        everything = server.stderr + json.dumps(server.notifications) + json.dumps(server.server_requests) + json.dumps(r.result)
        assert "apiKeyEnv" in everything or "api_key_env" in everything
        assert PASTED_KEY not in everything and PASTED_KEY[14:40] not in everything
        assert PROXY_PASSWORD not in everything
        assert API_KEY not in everything


# -- side files of the context ------------------------------------------------------------------------


def test_side_file_links_out_of_the_context_are_not_read_or_sent(good: FakeAnthropic, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    secret = home / ".aws" / "credentials"
    secret.write_text(f"[default]\n{OUTSIDE_SECRET}\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text(PLAIN)
    (project / ".dockerignore").symlink_to(secret)
    (project / "Dockerfile.dockerignore").symlink_to(secret)
    (project / "package.json").symlink_to(secret)
    (project / "pyproject.toml").symlink_to(secret)
    node_app(project)  # package-lock.json; package.json stays the link out
    good.script(answer())
    seen = len(good.requests)
    proc = slimstage("convert", str(project / "Dockerfile"), "--engine", "claude", env=user_env(tmp_path, ANTHROPIC_BASE_URL=good.url))
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    sent = "".join(r.raw.decode("utf-8", "replace") for r in good.requests[seen:])
    assert sent and "OUTSIDEtheCONTEXT" not in sent, "a file outside the context was sent to Claude"
    assert "outside the build context" in err, err
    # A link that stays inside the context is fine.
    (project / ".dockerignore").unlink()
    (project / "Dockerfile.dockerignore").unlink()
    (project / "ignore-rules").write_text("node_modules\nINSIDE-MARKER\n")
    (project / ".dockerignore").symlink_to(project / "ignore-rules")
    good.script(answer())
    seen = len(good.requests)
    proc = slimstage("convert", str(project / "Dockerfile"), "--engine", "claude", env=user_env(tmp_path, ANTHROPIC_BASE_URL=good.url))
    assert proc.returncode == 0, proc.stderr.decode()
    assert "INSIDE-MARKER" in "".join(r.raw.decode("utf-8", "replace") for r in good.requests[seen:])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
@pytest.mark.parametrize("name", [".dockerignore", "Dockerfile.dockerignore", "package.json", ".slimstage.toml", "pyproject.toml"])
def test_a_fifo_side_file_never_blocks(tmp_path: Path, name: str) -> None:
    (tmp_path / "Dockerfile").write_text(PLAIN)
    os.mkfifo(tmp_path / name)
    runs = {
        ".dockerignore": ["check", "convert", "explain"],
        "Dockerfile.dockerignore": ["check"],
        "package.json": ["convert"],  # manifests are read by conversions
        ".slimstage.toml": ["check"],
        "pyproject.toml": ["check"],
    }[name]
    for command in runs:
        args = [command, str(tmp_path / "Dockerfile")] + (["--engine", "offline"] if command == "convert" else [])
        proc = slimstage(*args, env=user_env(tmp_path), timeout=60)  # a blocked open/read would time out here
        assert "Traceback" not in proc.stderr.decode(), proc.stderr.decode()


def test_a_huge_side_file_is_not_read_whole(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(PLAIN)
    with open(tmp_path / ".dockerignore", "wb") as fh:  # 1 GB, sparse: nothing is written to disk
        fh.truncate(1024 * 1024 * 1024)
    with open(tmp_path / "package.json", "wb") as fh:
        fh.truncate(1024 * 1024 * 1024)
    proc = slimstage("check", str(tmp_path / "Dockerfile"), "--format", "json", env=user_env(tmp_path), timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode in (0, 1), err
    assert ".dockerignore" in err and "larger than" in err, err


def test_editor_side_file_link_out_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "credentials"
    secret.write_text(OUTSIDE_SECRET + "\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".dockerignore").symlink_to(secret)
    with RawServer(env=user_env(tmp_path), settings={"debounceMs": 0}, cwd=str(project)) as server:
        server.initialize()
        uri = (project / "Dockerfile").as_uri()
        server.open(uri, PLAIN)
        server.wait_for_publish(uri, 1)
        server.pump(0.3)
        tally("security")
        r = server.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 1}})
        assert r.ok
        shown = json.dumps(server.messages("window/showMessage"))
        assert "outside the build context" in shown, shown
        assert "OUTSIDEtheCONTEXT" not in server.stderr + json.dumps(server.notifications) + json.dumps(r.result)


# -- convert --write ----------------------------------------------------------------------------------


def write_env(tmp: Path, fake: FakeAnthropic) -> dict:
    return user_env(tmp, ANTHROPIC_BASE_URL=fake.url)


def test_write_goes_through_a_symlink_to_its_target(good: FakeAnthropic, tmp_path: Path) -> None:
    real = tmp_path / "docker" / "Dockerfile.real"
    real.parent.mkdir()
    real.write_text(PLAIN)
    real.chmod(0o640)
    link = tmp_path / "Dockerfile"
    link.symlink_to(real)
    node_app(real.parent)  # the build context is the folder of the file the link leads to
    good.script(answer())
    proc = slimstage("convert", str(link), "--engine", "claude", "--write", env=write_env(tmp_path, good))
    assert proc.returncode == 0, proc.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == str(real), "the link was replaced by a file"
    assert "AS runtime" in real.read_text()
    assert real.stat().st_mode & 0o777 == 0o640, "the mode was not kept"
    assert not [p for p in real.parent.iterdir() if p.name not in (real.name, "package.json", "package-lock.json")], "a temporary file was left behind"


def test_write_refuses_a_read_only_file(good: FakeAnthropic, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(PLAIN)
    path.chmod(0o444)
    seen = len(good.requests)
    good.script(answer())
    proc = slimstage("convert", str(path), "--engine", "claude", "--write", env=write_env(tmp_path, good))
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "read-only" in err.splitlines()[0], err
    assert path.read_text() == PLAIN and path.stat().st_mode & 0o777 == 0o444
    assert len(good.requests) == seen, "the file was sent to Claude although it could not be written"
    # The same through a link to a read-only file.
    link = tmp_path / "link.Dockerfile"
    link.symlink_to(path)
    proc = slimstage("convert", str(link), "--engine", "offline", "--write", env=write_env(tmp_path, good))
    assert proc.returncode == 2 and "read-only" in proc.stderr.decode() and path.read_text() == PLAIN


def test_write_refuses_a_file_edited_while_converting(good: FakeAnthropic, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(PLAIN)
    node_app(tmp_path)
    edited = PLAIN.replace("RUN npm run build", "RUN npm run build:prod")
    good.script(SlowReply(2.0, answer()))
    seen = len(good.requests)
    tally("security")
    proc = subprocess.Popen(
        [sys.executable, "-m", "slimstage", "convert", str(path), "--engine", "claude", "--write"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=write_env(tmp_path, good),
    )
    deadline = time.monotonic() + 60
    while len(good.requests) == seen and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert len(good.requests) > seen, "Claude was never asked"
    path.write_text(edited)  # the user saves an edit while Claude is answering
    _out, err_bytes = proc.communicate(timeout=90)
    err = err_bytes.decode()
    assert proc.returncode == 2, err
    assert "changed since it was read" in err, err
    assert path.read_text() == edited, "the user's edit was overwritten"
    assert not [p for p in tmp_path.iterdir() if p.name not in ("Dockerfile", "user-config", "package.json", "package-lock.json")], "a temporary file was left behind"


# -- generated: settings spellings and context layouts ------------------------------------------------

from hypothesis import given  # noqa: E402

from .fuzz import fuzz  # noqa: E402
from .strategies import hostile_project_tables, side_file_layouts  # noqa: E402


@fuzz(100)
@given(hostile_project_tables())
def test_no_spelling_lets_a_project_route_the_key(table: dict) -> None:
    from slimstage import settings as settings_mod

    tally("security settings")
    merged, problems = settings_mod.merge(settings_mod.Settings(), table, project="/repo/.slimstage.toml")
    assert merged.claude.base_url == "" and merged.claude.api_key_env == "ANTHROPIC_API_KEY"
    assert any("ignored" in str(p) for p in problems), problems
    # The same table from the user (editor, CLI, user config) is taken.
    mine, _ = settings_mod.merge(settings_mod.Settings(), table)
    assert (mine.claude.base_url, mine.claude.api_key_env) != ("", "ANTHROPIC_API_KEY")


def make_layout(root: Path, outside: Path, layout: dict[str, str]) -> None:
    for name, kind in layout.items():
        path = root / name
        if kind == "regular":
            path.write_text('{"name": "inside"}\n')
        elif kind == "link-inside":
            (root / f"real-{name}").write_text('{"name": "inside"}\n')
            path.symlink_to(root / f"real-{name}")
        elif kind == "link-outside":
            path.symlink_to(outside / "credentials")
        elif kind == "link-outside-dir":
            (root / "escape").symlink_to(outside, target_is_directory=True) if not (root / "escape").exists() else None
            path.symlink_to(Path("escape") / "credentials")
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "huge":
            with open(path, "wb") as fh:
                fh.truncate(1024 * 1024 * 1024)
        elif kind == "dangling":
            path.symlink_to(root / "does-not-exist")
        else:
            path.mkdir()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
@fuzz(60)
@given(side_file_layouts())
def test_side_files_are_read_only_when_regular_and_inside(layout: dict[str, str]) -> None:
    import tempfile

    from slimstage.analysis.context import read_context
    from slimstage.rewrite.project import read_project
    from slimstage.settings import load

    tally("security side files")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        outside, root = base / "home", base / "ctx"
        outside.mkdir()
        root.mkdir()
        (outside / "credentials").write_text(OUTSIDE_SECRET + "\n")
        make_layout(root, outside, layout)
        (root / "Dockerfile").write_text(PLAIN)
        ctx = read_context(root / "Dockerfile")  # a FIFO or a huge file here would block or blow up
        project = read_project(ctx)
        settings, problems = load(root / "Dockerfile")
        everything = (ctx.dockerignore or "") + json.dumps(project.texts) + json.dumps([str(p) for p in problems]) + repr(settings)
        assert "OUTSIDEtheCONTEXT" not in everything
        # Docker reads <Dockerfile>.dockerignore when there is one, else .dockerignore.
        chosen = "Dockerfile.dockerignore" if layout.get("Dockerfile.dockerignore", "dangling") != "dangling" else ".dockerignore"
        if layout.get(chosen) in ("link-outside", "link-outside-dir", "fifo", "huge", "folder"):
            assert ctx.unread and ctx.dockerignore == "", (chosen, layout)
        for name, kind in layout.items():
            if name in project.texts:
                assert kind in ("regular", "link-inside"), (name, kind)


def test_every_file_read_in_server_goes_through_sidefile() -> None:
    """The one reader: no other open(), read_text() or read_bytes() on a path in server/
    (package data read through importlib.resources is not a path from a project)."""
    import re

    root = Path(__file__).resolve().parents[2] / "server" / "slimstage"
    allowed = {"sidefile.py", "docgen.py"}  # docgen writes the docs in a checkout
    # Single calls that are not a read of a project's file, each with its reason.
    allowed_calls = {
        # BuildContext.read_text (analysis/context.py), not Path.read_text: it reads through
        # _read_side_file, which is sidefile.read_text with the context root as the fence.
        ("analysis/indirect.py", "self.context.read_text(name)"),
        # Writes the Dockerfile to build into a fresh private temporary folder (mkdtemp).
        ("rewrite/verify/check.py", 'open(dockerfile, "w", encoding="utf-8")'),
        # A kernel setting, not a file of a project.
        ("rewrite/verify/engine.py", 'open("/proc/sys/net/ipv4/ip_unprivileged_port_start"'),
    }
    offenders = []
    used = set()
    for path in root.rglob("*.py"):
        if path.name in allowed:
            continue
        rel = path.relative_to(root).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"(?<![\w.])open\(|\.read_text\(|\.read_bytes\(|os\.open\(|io\.open\(", code) and "resources.files" not in code:
                exempt = [(f, c) for f, c in allowed_calls if f == rel and c in code]
                if exempt:
                    used.update(exempt)
                    continue
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "read through slimstage.sidefile instead:\n" + "\n".join(offenders)
    assert used == allowed_calls, f"stale entries in allowed_calls: {sorted(allowed_calls - used)}"
    # The exemption of BuildContext.read_text holds only while it reads through sidefile.
    from slimstage.analysis import context as context_mod

    assert "read_text(path, within=(root,)" in Path(context_mod.__file__).read_text(encoding="utf-8")
    assert context_mod.read_text.__module__ == "slimstage.sidefile"
