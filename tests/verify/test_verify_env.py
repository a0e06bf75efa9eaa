"""``--verify-env`` / ``verify.env``: parsing, settings scopes, masking and the engines' command lines (no engine needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from unittest import mock

import pytest

from slimstage.cli_common import UsageError, verify_env
from slimstage.rewrite.verify import proc
from slimstage.rewrite.verify.engine import Buildah, CliEngine, ImageInfo, env_flags
from slimstage.rewrite.verify.flow import masker
from slimstage.settings import Settings, load, merge


def test_flags_parse_to_a_map_and_the_last_of_a_name_wins() -> None:
    assert verify_env(["PORT=8080", "EMPTY=", "URL=a=b", "PORT=9090"]) == {"PORT": "9090", "EMPTY": "", "URL": "a=b"}


@pytest.mark.parametrize("item, says", [("PORT", "has no value"), ("1X=2", "letters, digits and _"), ("=v", "letters, digits and _"), ("N" * 129 + "=v", "at most 128")])
def test_a_bare_or_bad_name_is_a_usage_error_that_never_quotes_a_value(item: str, says: str) -> None:
    with pytest.raises(UsageError) as err:
        verify_env([item])
    assert says in str(err.value) and "=v" not in str(err.value)


def test_the_setting_takes_names_to_strings_and_each_source_adds() -> None:
    s, problems = merge(Settings(), {"verify": {"env": {"PORT": "8080", "MODE": "a"}}})
    assert not problems and s.verify.env == {"PORT": "8080", "MODE": "a"}
    s, problems = merge(s, {"verify": {"env": {"MODE": "b"}}})
    assert s.verify.env == {"PORT": "8080", "MODE": "b"}
    bad, problems = merge(Settings(), {"verify": {"env": {"PORT": 8080, "API_KEY": "sk-secret-value"}}})
    assert bad.verify.env == {} and problems and "sk-secret-value" not in str(problems[0])


def test_a_project_file_may_set_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / ".slimstage.toml").write_text('[verify]\nenabled = true\nenv = { PORT = "8080" }\n')
    s, problems = load(tmp_path, {"verify": {"env": {"DEBUG": "1"}}})
    assert s.verify.env == {"PORT": "8080", "DEBUG": "1"}
    assert s.verify.enabled is False and any(p.key == "verify.enabled" for p in problems)  # still user-only


def test_values_that_look_secret_are_masked_and_plain_ones_are_not() -> None:
    mask = masker("FROM scratch\n", {"PORT": "8080", "DB_PASSWORD": "hunter2!", "X": "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "N": "on"})
    assert mask("port 8080, pw hunter2!, tok ghp_abcdefghijklmnopqrstuvwxyz0123456789, on") == "port 8080, pw <DB_PASSWORD masked>, tok <X masked>, on"


def test_env_flags() -> None:
    assert env_flags("-e", (("A", "1"), ("B", "x y"))) == ["-e", "A=1", "-e", "B=x y"]


def test_docker_run_gets_dash_e(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list = []

    async def fake_run(argv, timeout=0, on_line=None):
        seen.append(list(argv))
        return proc.Done(tuple(argv), 0, ("cid",))

    monkeypatch.setattr(proc, "run", fake_run)
    asyncio.run(CliEngine("docker", "docker").start("img", "c1", ImageInfo(cmd=("app",)), (("PORT", "8080"),)))
    assert seen[0] == ["docker", "run", "-d", "--name", "c1", "-P", "-e", "PORT=8080", "img"]


def test_buildah_run_and_its_healthcheck_get_env(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list = []

    async def fake_start(argv):
        started.append(list(argv))
        return mock.Mock(returncode=None, pid=1)

    async def fake_pump(*_a):
        return None

    ran: list = []

    async def fake_run(argv, timeout=0, on_line=None):
        ran.append(list(argv))
        return proc.Done(tuple(argv), 0, ())

    monkeypatch.setattr(proc, "query", lambda argv, timeout=0: proc.Query(0, "", ""))
    monkeypatch.setattr(proc, "start", fake_start)
    monkeypatch.setattr(proc, "pump", fake_pump)
    monkeypatch.setattr(proc, "run", fake_run)

    async def go():
        c = await Buildah("buildah").start("img", "c1", ImageInfo(cmd=("app",), user="app"), (("PORT", "8080"),))
        await c.exec(["true"], timeout=5)
        c.reader.cancel()

    asyncio.run(go())
    assert started[0] == ["buildah", "run", "--isolation=chroot", "--user", "app", "--env", "PORT=8080", "c1", "--", "app"]
    assert ran[0] == ["buildah", "run", "--isolation=chroot", "--env", "PORT=8080", "c1", "--", "true"]
