"""Put slimstage and its pure-Python dependencies into bundled/libs for the .vsix.

    python3 scripts/bundle_python.py      (npm run bundle-python; `npm run package` runs it)

slimstage comes from this checkout; the dependencies are the pinned pure-Python wheels of
bundled/requirements.txt (py3-none-any only, so the one .vsix works on every platform and
on Python 3.10 and newer). The extension then runs bundled/tool/run_server.py with any
Python it finds, without installing anything into it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTENSION = HERE.parent
REPO = HERE.parents[2]
LIBS = EXTENSION / "bundled" / "libs"
REQUIREMENTS = EXTENSION / "bundled" / "requirements.txt"


def pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--no-deps", "--no-compile", "--upgrade", "--target", str(LIBS), *args]
    subprocess.run(command, check=True)


def main() -> int:
    shutil.rmtree(LIBS, ignore_errors=True)
    LIBS.mkdir(parents=True)
    # Pure wheels only: a compiled wheel here would tie the .vsix to this machine.
    pip("--only-binary=:all:", "--implementation", "py", "--abi", "none", "--platform", "any",
        "--python-version", "3.10", "-r", str(REQUIREMENTS))
    # slimstage itself, built from this checkout (its dependencies are the ones above).
    pip(str(REPO))
    for junk in [*LIBS.glob("bin"), *LIBS.rglob("__pycache__")]:
        shutil.rmtree(junk, ignore_errors=True)
    compiled = [p for p in LIBS.rglob("*") if p.suffix in (".so", ".pyd", ".dylib")]
    if compiled:
        print(f"bundle_python: compiled files in the bundle: {compiled}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in LIBS.rglob("*") if p.is_file())
    print(f"bundle_python: {LIBS.relative_to(EXTENSION)} holds {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
