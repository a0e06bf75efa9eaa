"""Start the slimstage bundled in this extension, with any Python 3.10 or newer.

The extension runs ``<python> bundled/tool/run_server.py serve``. The bundled copy of
slimstage and its pure-Python dependencies (``bundled/libs``) come first on sys.path, so
whatever the interpreter has installed (an older pygls, say) cannot shadow them; the
folders in SLIMSTAGE_EXTRA_PATHS come next (the Claude SDK, installed on first use into the
extension's storage, because its dependencies are compiled for one Python and platform).
The interpreter's own site-packages stay last, so an installed ``anthropic`` still works.
"""

import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LIBS = os.path.join(os.path.dirname(HERE), "libs")

if sys.version_info < (3, 10):
    sys.stderr.write("slimstage needs Python 3.10 or newer; this is %s\n" % sys.version.split()[0])
    sys.exit(2)

extra = [p for p in os.environ.get("SLIMSTAGE_EXTRA_PATHS", "").split(os.pathsep) if p]
sys.path[:0] = [LIBS, *extra]
sys.argv = ["slimstage", *sys.argv[1:]]
runpy.run_module("slimstage", run_name="__main__", alter_sys=True)
