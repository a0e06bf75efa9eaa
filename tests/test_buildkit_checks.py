"""BuildKit's build checks: fixes that leave nothing new, the ``# check=`` directives, one
finding where a SLIM rule and a check report the same thing, and the shared grammar
(expansion, image references, platforms) against BuildKit's documented behaviour."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from slimstage.analysis.context import UNKNOWN, read_context
from slimstage.dockerfile import parse
from slimstage.fixes import apply_fix
from slimstage.lint import lint
from slimstage.rules.base import all_rules, docs_url, rule_by_code
from slimstage.rules.buildkit._common import expand, kebab, parse_platform, suggest, valid_image_reference
from slimstage.settings import Settings, merge

from .conftest import FIXTURES

CHECKS = [r for r in all_rules() if r.family == "buildkit"]


def _settings(**raw) -> Settings:
    s, problems = merge(Settings(), raw)
    assert not problems
    return s


def _codes(text: str, settings: Settings | None = None, ctx=UNKNOWN) -> list[str]:
    return [v.code for v in lint(parse(text), settings, ctx).violations]


def _buildkit_fixtures() -> list[tuple[str, Path]]:
    out = []
    for rule in CHECKS:
        folder = FIXTURES / "rules" / rule.code
        for entry in sorted(folder.iterdir()):
            path = entry / "Dockerfile" if entry.is_dir() else entry
            if path.is_file() and (entry.is_dir() or entry.suffix == ".Dockerfile"):
                out.append((rule.code, path))
    return out


def test_every_check_is_listed_once_with_its_buildkit_name_and_page() -> None:
    names = {r.code for r in CHECKS}
    assert names == {
        "StageNameCasing", "FromAsCasing", "NoEmptyContinuation", "ConsistentInstructionCasing", "DuplicateStageName",
        "ReservedStageName", "JSONArgsRecommended", "MaintainerDeprecated", "UndefinedArgInFrom", "WorkdirRelativePath",
        "UndefinedVar", "MultipleInstructionsDisallowed", "LegacyKeyValueFormat", "InvalidBaseImagePlatform",
        "RedundantTargetPlatform", "SecretsUsedInArgOrEnv", "InvalidDefaultArgInFrom", "FromPlatformFlagConstDisallowed",
        "CopyIgnoredFile", "ExposeProtoCasing", "ExposeInvalidFormat", "InvalidDefinitionDescription",
    }
    for r in CHECKS:
        if r.code != "InvalidBaseImagePlatform":
            assert r.url == f"https://docs.docker.com/go/dockerfile/rule/{kebab(r.code)}/"
        assert docs_url(r.code) == r.url
        assert rule_by_code(r.code.lower()) is r
    assert kebab("JSONArgsRecommended") == "json-args-recommended"
    assert [r.code for r in CHECKS if r.experimental] == ["InvalidDefinitionDescription"]


@pytest.mark.parametrize("code,path", _buildkit_fixtures(), ids=lambda x: x if isinstance(x, str) else x.parent.name + "/" + x.name)
def test_fix_removes_the_finding_and_adds_nothing(code: str, path: Path) -> None:
    """With every rule enabled: each fix of the check removes its finding, and no rule
    (SLIM or BuildKit) reports more than before."""
    text = path.read_text(encoding="utf-8")
    settings = _settings(rules={"select": [], "ignore": []}) if code != "InvalidDefinitionDescription" else _settings(rules={"select": [code]})
    ctx = read_context(path, "") if path.name == "Dockerfile" else UNKNOWN
    before = lint(parse(text), settings, ctx).violations
    counts = Counter(v.code for v in before)
    for v in before:
        if v.code != code or v.fix is None or not v.fix.edits:
            continue
        fixed = apply_fix(text, v.fix)
        doc = parse(fixed)
        assert not [p for p in doc.problems if p.severity == "error"], fixed
        after = Counter(x.code for x in lint(doc, settings, ctx).violations)
        assert after[code] < counts[code], fixed
        grown = {c: n for c, n in after.items() if n > counts[c]}
        assert not grown, (grown, fixed)


def test_fixes_produce_the_text_buildkit_documents() -> None:
    cases = {
        "FROM alpine\nENV DEPS curl git make\n": 'FROM alpine\nENV DEPS="curl git make"\n',
        "FROM alpine\nLABEL key value\n": "FROM alpine\nLABEL key=value\n",
        "FROM alpine\nMAINTAINER me@example.org\n": 'FROM alpine\nLABEL org.opencontainers.image.authors="me@example.org"\n',
        "FROM alpine AS BuilderBase\n": "FROM alpine AS builderbase\n",
        "FROM debian:12 as builder\n": "FROM debian:12 AS builder\n",
        "FROM alpine\nEXPOSE 80/TcP\n": "FROM alpine\nEXPOSE 80/tcp\n",
        "FROM alpine\nEXPOSE 127.0.0.1:80:80\n": "FROM alpine\nEXPOSE 80\n",
        "FROM alpine\nCMD node server.js\n": 'FROM alpine\nCMD ["node", "server.js"]\n',
        "FROM --platform=$TARGETPLATFORM alpine\n": "FROM alpine\n",
        "FROM alpine\nENV PATH=$PAHT:/app/bin\n": "FROM alpine\nENV PATH=$PATH:/app/bin\n",
        "FROM alpine\nRUN apk add \\\n\n    curl\n": "FROM alpine\nRUN apk add \\\n    curl\n",
        "FROM alpine\nCMD [\"a\"]\nCMD [\"b\"]\n": 'FROM alpine\nCMD ["b"]\n',
        "From alpine\nRUN a\nRUN b\n": "FROM alpine\nRUN a\nRUN b\n",
    }
    for text, want in cases.items():
        fixes = [v.fix for v in lint(parse(text)).violations if v.code[:4] != "SLIM" and v.fix is not None]
        assert fixes, text
        assert apply_fix(text, fixes[0]) == want


def test_no_exec_form_fix_when_the_shell_does_more_than_split_words() -> None:
    for cmd in ("npm start && node x", "node $APP", "exec node x", "cd /app; node x", "FOO=1 node x", "node 'a b'"):
        found = [v for v in lint(parse(f"FROM alpine\nCMD {cmd}\n")).violations if v.code == "JSONArgsRecommended"]
        assert found and found[0].fix is None, cmd


def test_check_directive_skips_and_errors_like_buildkit() -> None:
    body = "FROM scratch as base\ncopy Dockerfile .\n"
    assert {"FromAsCasing", "ConsistentInstructionCasing"} <= set(_codes(body))
    assert not {"FromAsCasing", "ConsistentInstructionCasing"} & set(_codes("#check=skip=all\n" + body))
    assert not {"FromAsCasing", "ConsistentInstructionCasing"} & set(_codes("#check=skip=ConsistentInstructionCasing,FromAsCasing\n" + body))
    codes = _codes("# check=skip=ConsistentInstructionCasing\n" + body)
    assert "FromAsCasing" in codes and "ConsistentInstructionCasing" not in codes
    found = lint(parse("#check=skip=ConsistentInstructionCasing;error=true\n" + body)).violations
    assert {v.severity for v in found if v.code == "FromAsCasing"} == {"error"}
    assert all(v.severity != "error" for v in found if v.code.startswith("SLIM3"))  # SLIM rules keep their own
    # skip=all does not touch slimstage's own rules
    assert any(c.startswith("SLIM") for c in _codes("#check=skip=all\nFROM node:22\nCOPY . .\nRUN npm ci\n"))
    # an invalid directive: BuildKit refuses to build, so SLIM001 says so and the checks run as without it
    found = lint(parse("# check=skip\n" + body)).violations
    assert "FromAsCasing" in {v.code for v in found}
    assert [v.range.start.line for v in found if v.code == "SLIM001"] == [0]
    assert not [v for v in lint(parse("# check=skip=all;error=false;experimental=all\n" + body)).violations if v.code == "SLIM001"]


def test_check_comment_above_an_instruction_skips_there_only() -> None:
    text = "FROM alpine\n# check=skip=MaintainerDeprecated\nMAINTAINER a@b.c\nMAINTAINER d@e.f\n"
    found = [v for v in lint(parse(text)).violations if v.code == "MaintainerDeprecated"]
    assert [v.range.start.line for v in found] == [3]


def test_experimental_check_is_off_unless_asked_for() -> None:
    text = "# a remark\nFROM scratch AS base\n"
    assert "InvalidDefinitionDescription" not in _codes(text)
    assert "InvalidDefinitionDescription" in _codes("# check=experimental=InvalidDefinitionDescription\n" + text)
    assert "InvalidDefinitionDescription" in _codes("# check=experimental=all\n" + text)
    assert "InvalidDefinitionDescription" in _codes(text, _settings(rules={"select": ["InvalidDefinitionDescription"]}))
    assert "InvalidDefinitionDescription" not in _codes(text, _settings(rules={"select": ["BUILDKIT"]}))
    # a check= comment right above an instruction enables it there only
    here = "FROM scratch AS a\n# check=experimental=InvalidDefinitionDescription\nFROM scratch AS base\n# remark\nFROM scratch AS c\n"
    found = [v for v in lint(parse(here)).violations if v.code == "InvalidDefinitionDescription"]
    assert [v.range.start.line for v in found] == [2]


def test_family_select_and_ignore() -> None:
    text = "FROM alpine AS Build\nMAINTAINER x\nCOPY . .\n"
    only = _codes(text, _settings(rules={"select": ["BUILDKIT"]}))
    assert only and all(not c.startswith("SLIM") for c in only)
    none = _codes(text, _settings(rules={"ignore": ["buildkit"]}))
    assert none and all(c.startswith("SLIM") for c in none)
    sev = lint(parse(text), _settings(rules={"severity": {"MaintainerDeprecated": "hint"}})).violations
    assert {v.severity for v in sev if v.code == "MaintainerDeprecated"} == {"hint"}
    assert "MaintainerDeprecated" not in _codes("# slimstage ignore-file=MaintainerDeprecated\n" + text)
    assert "MaintainerDeprecated" not in _codes("FROM alpine\n# slimstage ignore=maintainerdeprecated\nMAINTAINER x\n")


def test_duplicate_stage_name_is_reported_once() -> None:
    text = "FROM alpine AS build\nRUN true\nFROM alpine AS build\nRUN true\n"
    codes = _codes(text)
    assert codes.count("DuplicateStageName") == 1 and "SLIM303" not in codes
    assert "SLIM303" in _codes(text, _settings(rules={"ignore": ["DuplicateStageName"]}))
    assert "SLIM303" in _codes("# check=skip=DuplicateStageName\n" + text)


def test_copy_of_ignored_file_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("config\n")
    df = tmp_path / "Dockerfile"
    df.write_text("FROM nginx:1.27-alpine\nCOPY config/nginx.conf /etc/nginx/nginx.conf\n")
    ctx = read_context(df, "")
    codes = _codes(df.read_text(), None, ctx)
    assert codes.count("CopyIgnoredFile") == 1 and "SLIM205" not in codes
    (tmp_path / ".dockerignore").write_text("config\n!config/other.conf\n")
    codes = _codes(df.read_text(), None, read_context(df, ""))
    assert "CopyIgnoredFile" not in codes and "SLIM205" in codes  # BuildKit does not decide with `!` lines


def test_expansion_follows_buildkit() -> None:
    env = {"A": "x", "EMPTY": ""}
    assert expand("$A-${A}", env).result == "x-x"
    assert expand("${B:-d}", env).result == "d" and expand("${B:-d}", env).unmatched == {"B"}
    assert expand("${EMPTY:-d}", env).result == "d" and expand("${EMPTY-d}", env).result == ""
    assert expand("${A:+y}", env).result == "y" and expand("${B+y}", env).result == ""
    assert expand("'$A'", env).result == "$A" and expand('"$A"', env).result == "x"
    assert expand("\\$A", env).result == "$A" and expand("`$A", env, escape="`").result == "$A"
    assert expand("${A#x}", env).result is None and expand("${A#$B}", env).unmatched == {"B"}
    assert expand("${A:-${B:-${C}}}", env).unmatched == {"B", "C"}
    assert expand("$", env).result == "$" and expand("${", env).result is None
    assert expand("${A" + "${A:-" * 100, env).result is None  # deep nesting is bounded, no crash
    assert [n for n, _, _ in expand('"$1" $@', {}).refs] == ["1", "@"]


def test_image_references_follow_distribution_reference() -> None:
    for ok in ("alpine", "alpine:3.20", "library/alpine", "ghcr.io/o/r:tag", "localhost:5000/x", "x@sha256:" + "a" * 64, "builder"):
        assert valid_image_reference(ok), ok
    for bad in ("", "busybox:", "Busybox", "a" * 64, ":tag", "a//b", "ghcr.io/O/r"):
        assert not valid_image_reference(bad), bad


def test_platforms_and_suggestions() -> None:
    assert parse_platform("linux/amd64") == ("linux", "amd64", "")
    assert parse_platform("linux/aarch64") == ("linux", "arm64", "")
    assert parse_platform("arm64") == ("linux", "arm64", "")
    assert parse_platform("not a platform") is None and parse_platform("") is None
    assert suggest("BULIDPLATFORM", ["BUILDPLATFORM", "TARGETPLATFORM"]) == "BUILDPLATFORM"
    assert suggest("PATH", ["PATH", "PAT"]) == ""
    assert suggest("completely", ["different"]) == ""


def test_rules_command_lists_the_family_on_its_own(capsys) -> None:
    import json

    from slimstage.cli import main

    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    head, _, tail = out.partition("BuildKit build checks")
    assert "SLIM101" in head and "UndefinedVar" not in head
    assert "UndefinedVar" in tail and "SLIM101" not in tail
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    bk = [r for r in listed if r["family"] == "buildkit"]
    assert len(bk) == 22 and all(r["url"].startswith("https://docs.docker.com/") for r in bk)
    assert main(["rules", "stagenamecasing"]) == 0
    assert "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/" in capsys.readouterr().out


def test_pathological_inputs_finish_with_bounded_work() -> None:
    """Thousands of undefined names against hundreds of defined ones, long chains of stages,
    deep nesting: each gives its findings (suggestions stop at a per-file budget)."""
    many = "FROM alpine\n" + "".join(f"ENV DEFINED_{i}=1\n" for i in range(200)) + "".join(f"COPY $UNDEFINED_{i} /x\n" for i in range(800))
    found = [v for v in lint(parse(many)).violations if v.code == "UndefinedVar"]
    assert len(found) == 800
    chain = "FROM alpine AS s0\n" + "".join(f"FROM s{i} AS s{i + 1}\nENV V{i}=$NOPE{i}\n" for i in range(400))
    assert sum(v.code == "UndefinedVar" for v in lint(parse(chain)).violations) == 400
    deep = "FROM alpine\nENV A=" + "${A:-" * 3000 + "}" * 3000 + "\n"
    assert lint(parse(deep)).violations is not None
