"""Imports the whole app the way its users run it and prints, as JSON, every module that ended
up loaded: the window (every ui module, a main window made offscreen), every services module,
every command, and a few commands run for real (selftest, demo, printing, Excel export and
import) so that modules loaded lazily inside functions are seen too.

Run by tests/packaging/test_windows_build.py in a fresh interpreter (``python
tests/packaging/collect_modules.py WORKDIR``, result in WORKDIR/modules.json); it is not a
test module itself.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def walk(package: str) -> None:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        importlib.import_module(info.name)


def exercise(work: Path) -> None:
    import main

    db = str(work / "collect.db")
    commands = [
        ["selftest", "--gui"],
        ["demo", "--db", db, "--seed", "1"],
        ["print", "needs", "--db", db, "--out", str(work / "needs.pdf")],
        ["template", "needs", "--db", db, "--out", str(work / "template.xlsx")],
        ["export", "needs", "--db", db, "--out", str(work / "needs.xlsx")],
        ["import", "needs", str(work / "needs.xlsx"), "--db", db, "--dry-run"],
        ["schedule", "--db", db, "--from", "2026-04-01", "--to", "2026-04-30",
         "--time-limit", "2"],
    ]
    for argv in commands:
        with contextlib.redirect_stdout(sys.stderr):
            code = main.main(argv)
        print(f"collect_modules: main.py {' '.join(argv[:2])} -> {code}", file=sys.stderr)


def classify() -> list[dict[str, object]]:
    from importlib import metadata

    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    distributions = metadata.packages_distributions()
    out = []
    for name, module in sorted(sys.modules.items()):
        if module is None:
            continue
        file = getattr(module, "__file__", None)
        path = Path(file).resolve() if file else None
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None)
        parent = name.rpartition(".")[0]
        if origin == "frozen" or name == "os.path":
            kind = "frozen"  # part of the interpreter itself (os.path is ntpath on Windows)
        elif path is None and parent and parent in sys.modules and not hasattr(module, "__path__"):
            kind = "submodule"  # made by its C parent (pyexpat.errors), no file of its own
        elif path is not None and "shibokensupport" in path.parts:
            kind = "embedded"  # Shiboken unpacks these from inside its own binary
        elif name.startswith(("_cython_", "cython_runtime", "_cyutility", "signature_bootstrap")):
            kind = "embedded"  # Cython's runtime; Shiboken's bootstrap, written at start
        elif name in sys.builtin_module_names or (path is None and not hasattr(module, "__path__")):
            kind = "builtin"
        elif path is None:
            kind = "namespace"
        elif "site-packages" in path.parts or "dist-packages" in path.parts:
            kind = "third-party"
        elif ROOT in path.parents and ".venv" not in path.parts:
            kind = "app"
        elif stdlib in path.parents:
            kind = "stdlib"
        else:
            kind = "other"
        dists = distributions.get(name.split(".")[0], [])
        out.append({
            "name": name,
            "kind": kind,
            "distribution": dists[0] if kind == "third-party" and dists else None,
            "version": metadata.version(dists[0]) if kind == "third-party" and dists else None,
            "file": str(path) if path else None,
            "package": hasattr(module, "__path__"),
            "extension": bool(path and path.suffix in (".so", ".pyd")),
        })
    return out


def main_() -> int:
    work = Path(sys.argv[1])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["EXPERT_DISPATCH_DATA_DIR"] = str(work / "data")
    sys.path.insert(0, str(ROOT))
    os.chdir(work)
    from ui.app import make_application

    app = make_application()
    walk("ui")
    walk("services")
    walk("models")
    from services.cli import build_parser

    build_parser()
    from ui.main_window import MainWindow

    window = MainWindow()
    app.processEvents()
    exercise(work)
    window.close()
    (work / "modules.json").write_text(json.dumps(classify()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
