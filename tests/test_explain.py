"""``slimstage explain``: text, markdown and JSON; exit 2 with one line on I/O errors."""

from __future__ import annotations

import json

from slimstage.cli import main

from .conftest import FIXTURES

GO = FIXTURES / "stages" / "go.Dockerfile"


def test_text(capsys) -> None:
    assert main(["explain", str(GO)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == [
        f"{GO}: 2 stages; docker build produces runtime; final image ~2.1 MB, estimate for gcr.io/distroless/static-debian12 (its base image only)",
        "",
        "Stage builder (line 1, 1 of 2) · builder",
    ]
    assert "  Ships: no: built because runtime needs it, then left out of the final image" in out
    assert "Final image:" not in out  # said once, in the first line


def test_markdown(capsys) -> None:
    assert main(["explain", "--format", "markdown", str(GO)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# {GO}\n\n2 stages; `docker build` produces `runtime`; final image ~2.1 MB")
    assert "**Stage `runtime`** (line 8, 2 of 2) · **runtime**" in out


def test_json(capsys) -> None:
    assert main(["explain", "--format", "json", str(GO)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["target"] == 1
    assert data["final_size"] == {"reference": "gcr.io/distroless/static-debian12", "mb": 2.1, "estimate": True, "base_only": True}
    assert [(s["name"], s["role"], s["ships"], s["built"]) for s in data["stages"]] == [("builder", "builder", False, True), ("runtime", "runtime", True, True)]


def test_target_flag(capsys) -> None:
    assert main(["explain", "--target", "test", str(FIXTURES / "stages" / "node.Dockerfile")]) == 0
    assert "docker build produces test;" in capsys.readouterr().out.splitlines()[0]


def test_io_errors_exit_2_with_one_line(capsys, tmp_path) -> None:
    assert main(["explain", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read" in err
    assert main(["explain", str(tmp_path)]) == 2
    assert "a folder" in capsys.readouterr().err
