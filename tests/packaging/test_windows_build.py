"""The Windows installer (packaging/build-windows.sh) is built, complete and intact.

What can be checked on Linux without running Windows code (Wine cannot load Qt6Core):

- the build succeeds and the installer is at most 90 MiB (sizes printed at the end);
- every module the app imports — found by importing and exercising the app here, not listed
  by hand — is in the installer's listing (``7z l``), the standard library ones in the
  embedded ``python312.zip`` or built into ``python312.dll``;
- no bundled DLL or .pyd imports a DLL that packaging/exclude.txt left out, and every Qt,
  PySide, Shiboken or Python DLL one imports is bundled (PE import tables, ``pefile``);
- the embedded CPython's files still carry valid Authenticode signatures (``osslsigncode``).

Run: ``uv run --group packaging pytest tests/packaging --run-packaging`` (see conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "windows"
LIMIT_MIB = 90
PY_DLL = "python312.dll"

# Stdlib modules that exist only on POSIX: the app's imports reach them on Linux only
# (through os, subprocess, shutil, …), Windows takes the nt/_winapi branches instead.
POSIX_ONLY = {
    "posix", "pwd", "grp", "fcntl", "termios", "tty", "pty", "resource", "syslog",
    "_posixsubprocess", "_posixshmem", "readline", "_curses", "_crypt", "crypt", "spwd",
    "nis", "ossaudiodev", "posixpath",
}
# C modules renamed between the Python here (3.11) and the bundled 3.12.
RENAMED_C_MODULES = {"_sha256": "_sha2", "_sha512": "_sha2"}
# The trust anchor of the PSF's signatures: Microsoft's code-signing root, absent from
# Debian's CA bundle. The signature carries it; it is trusted only if its SHA-256 is this.
MS_ROOT_SHA256 = "5367F20C7ADE0E2BCA790915056D086B720C33C1FA2A2661ACF787E3292E1270"
MS_ROOT_CN = "Microsoft Identity Verification Root Certificate Authority 2020"


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


@pytest.fixture(scope="session")
def installer(reuse_build: bool) -> Path:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    exe = ROOT / "dist" / f"{project['name']}-{project['version']}-setup.exe"
    if not (reuse_build and exe.is_file()):
        subprocess.run(["bash", str(ROOT / "packaging" / "build-windows.sh")], cwd=ROOT,
                       check=True, timeout=3600)
    assert exe.is_file(), f"the build did not write {exe}"
    return exe


@pytest.fixture(scope="session")
def listing(installer: Path) -> dict[str, int]:
    """Installed path (``pkgs/…``, ``Python/…``) → size, from ``7z l -slt``."""
    out = subprocess.run(["7z", "l", "-slt", str(installer)], check=True,
                         capture_output=True, text=True).stdout
    files: dict[str, int] = {}
    for block in out.split("\n\n"):
        fields = dict(line.split(" = ", 1) for line in block.splitlines() if " = " in line)
        path, size = fields.get("Path"), fields.get("Size")
        if path and size and "Folder" not in fields.get("Attributes", "") \
                and not path.startswith("$PLUGINSDIR") and path != str(installer):
            files[path.replace("\\", "/")] = int(size)
    return files


@pytest.fixture(scope="session")
def unpacked(installer: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installer's binaries and the stdlib zip, unpacked."""
    target = tmp_path_factory.mktemp("installer")
    subprocess.run(["7z", "x", "-y", "-bd", f"-o{target}", str(installer),
                    "-ir!*.dll", "-ir!*.pyd", "-ir!*.exe", "-ir!python3*.zip"],
                   check=True, capture_output=True)
    return target


def test_installer_is_built_and_small_enough(installer: Path, listing: dict[str, int],
                                             packaging_report: dict[str, str]) -> None:
    size = installer.stat().st_size
    installed = sum(listing.values())
    packaging_report["installer"] = f"{installer.relative_to(ROOT)}: {_mib(size)}"
    packaging_report["installed size"] = (f"{_mib(installed)} in {len(listing)} files "
                                "(plus the .pyc files compiled at install)")
    print(packaging_report["installer"], packaging_report["installed size"], sep="\n")
    assert size <= LIMIT_MIB * 2**20, f"installer is {_mib(size)}, the limit is {LIMIT_MIB} MiB"
    for path in ("Python/python.exe", "Python/pythonw.exe", f"Python/{PY_DLL}",
                 "Python/python312._pth", "launch_gui.pyw", "launch_selftest.pyw", "app.ico",
                 "pkgs/main.py"):
        assert path in listing, f"{path} is not in the installer"


def test_shipped_resources_and_migrations_are_bundled(listing: dict[str, int]) -> None:
    missing = []
    for folder in ("resources", "models"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                rel = "pkgs/" + path.relative_to(ROOT).as_posix()
                if rel not in listing:
                    missing.append(rel)
    assert not missing, f"not in the installer: {missing[:20]}"
    licences = [p for p in listing if p.startswith("pkgs/resources/fonts/LICENSE")]
    fonts = [p for p in listing if p.startswith("pkgs/resources/fonts/")
             and p.endswith((".ttf", ".ttc"))]
    assert fonts and len(licences) >= len(fonts), "every shipped font needs its licence"
    assert any(p.startswith("pkgs/models/migrations/versions/") for p in listing)


@pytest.fixture(scope="session")
def app_modules(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    """Every module loaded by the app with all its features, on this machine."""
    work = tmp_path_factory.mktemp("modules")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "packaging" / "collect_modules.py"), str(work)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((work / "modules.json").read_text(encoding="utf-8"))


def _module_in(name: str, prefix: str, names: set[str], dirs: set[str], *,
               compiled: bool = False) -> bool:
    rel = prefix + name.replace(".", "/")
    ext = ".pyc" if compiled else ".py"
    if f"{rel}{ext}" in names or f"{rel}/__init__{ext}" in names or f"{rel}.pyd" in names:
        return True
    if rel in dirs:  # a namespace package, or an extension module's package
        return True
    parent, _, leaf = rel.rpartition("/")
    # Extension modules: QtCore.abi3.so on Linux is QtCore.pyd, _foo.cpython-311-x86_64-
    # linux-gnu.so is _foo.cp312-win_amd64.pyd.
    return any(n.startswith(f"{parent}/{leaf}.") and n.endswith(".pyd") for n in names)


def _normal(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def _bundled_distributions(names: set[str]) -> dict[str, str]:
    """Distribution → version, from the ``*.dist-info`` folders in pkgs/."""
    found = {}
    for path in names:
        m = re.match(r"pkgs/([^/]+)-([^/-]+)\.dist-info/METADATA$", path)
        if m:
            found[_normal(m[1])] = m[2]
    return found


def test_every_imported_module_is_bundled(app_modules: list[dict[str, object]],
                                          listing: dict[str, int], unpacked: Path,
                                          packaging_report: dict[str, str]) -> None:
    names = set(listing)
    dirs = {p.rsplit("/", i)[0] for p in names for i in range(1, p.count("/") + 1)}
    with zipfile.ZipFile(unpacked / "Python" / "python312.zip") as z:
        stdlib = set(z.namelist())
    stdlib_dirs = {p.rstrip("/").rsplit("/", i)[0] for p in stdlib
                   for i in range(1, p.count("/") + 1)}
    py_dll = (unpacked / "Python" / PY_DLL).read_bytes()
    bundled = _bundled_distributions(names)
    missing, optional, other_version = [], set(), set()
    seen = {"app": 0, "third-party": 0, "stdlib": 0}
    for module in app_modules:
        name, kind = str(module["name"]), str(module["kind"])
        top = name.split(".")[0]
        if (name == "__main__" or top == "tests" or top in POSIX_ONLY or name in POSIX_ONLY
                or top.startswith("_sysconfigdata") or kind in ("frozen", "submodule", "embedded")):
            continue
        if kind == "third-party":
            dist = _normal(str(module["distribution"]))
            if dist not in bundled:
                # Installed here for development only (pygments for mako's tracebacks): the
                # library imports it optionally, the lock does not ship it.
                optional.add(str(module["distribution"]))
                continue
            if bundled[dist] != module["version"]:
                # Another release of the package on Windows (numpy's markers differ between
                # 3.11 and 3.12): its submodules may differ, the package itself must be there.
                other_version.add(f"{dist} {module['version']}/{bundled[dist]}")
                name = top
        if kind in ("app", "third-party", "namespace"):
            seen[kind] = seen.get(kind, 0) + 1
            if not _module_in(name, "pkgs/", names, dirs):
                missing.append(f"{name} ({kind})")
        elif kind == "stdlib" and not module["extension"]:
            seen["stdlib"] += 1
            if not _module_in(name, "", stdlib, stdlib_dirs, compiled=True):
                missing.append(f"{name} (stdlib, not in python312.zip)")
        elif kind in ("stdlib", "builtin"):
            # A C module: a .pyd beside python.exe, or built into python312.dll, whose
            # module table names it.
            name = RENAMED_C_MODULES.get(name, name)
            if f"Python/{name}.pyd" not in names and b"\0" + name.encode() + b"\0" not in py_dll:
                missing.append(f"{name} (C module, neither Python/{name}.pyd nor built in)")
        else:
            missing.append(f"{name} (from {module['file']})")
    packaging_report["modules checked"] = ", ".join(f"{k} {v}" for k, v in seen.items())
    packaging_report["optional imports not bundled"] = ", ".join(sorted(optional)) or "none"
    packaging_report["other version on Windows"] = ", ".join(sorted(other_version)) or "none"
    assert seen["app"] > 50 and seen["third-party"] > 200, seen
    assert not missing, f"{len(missing)} imported modules are not bundled: {missing[:40]}"


def _pe_imports(path: Path) -> set[str]:
    import pefile

    pe = pefile.PE(str(path), fast_load=True)
    pe.parse_data_directories([
        pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
        pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"],
    ])
    entries = [*getattr(pe, "DIRECTORY_ENTRY_IMPORT", []),
               *getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", [])]
    pe.close()
    return {e.dll.decode("ascii", "replace").lower() for e in entries}


def test_no_bundled_binary_imports_an_excluded_dll(unpacked: Path,
                                                   packaging_report: dict[str, str]) -> None:
    report = BUILD / "excluded.json"
    assert report.is_file(), "build/windows/excluded.json is written by the build"
    excluded = {Path(name).name.lower() for name, _ in json.loads(report.read_text("utf-8"))
                if name.lower().endswith((".dll", ".pyd"))}
    binaries = [p for p in unpacked.rglob("*")
                if p.suffix.lower() in (".dll", ".pyd", ".exe") and p.is_file()]
    bundled = {p.name.lower() for p in binaries}
    assert len(binaries) > 100
    ours = re.compile(r"^(qt6|pyside6|shiboken6|python3)")
    broken = []
    for path in binaries:
        imports = _pe_imports(path)
        rel = path.relative_to(unpacked).as_posix()
        for dll in sorted(imports & excluded - bundled):
            broken.append(f"{rel} imports the excluded {dll}")
        for dll in sorted(i for i in imports if ours.match(i) and i not in bundled):
            broken.append(f"{rel} imports {dll}, which is not bundled")
    packaging_report["binaries checked"] = f"{len(binaries)} DLL/PYD/EXE, {len(excluded)} excluded DLLs"
    assert not broken, "\n".join(broken)


@pytest.fixture(scope="session")
def microsoft_root(unpacked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Microsoft's root, taken from the signature and trusted by its pinned fingerprint."""
    work = tmp_path_factory.mktemp("signature")
    sig = work / "sig.der"
    subprocess.run(["osslsigncode", "extract-signature", "-in",
                    str(unpacked / "Python" / PY_DLL), "-out", str(sig)],
                   check=True, capture_output=True)
    pem = subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-in", str(sig), "-print_certs"],
                         check=True, capture_output=True, text=True).stdout
    for cert in re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", pem,
                           re.S):
        der = subprocess.run(["openssl", "x509", "-outform", "DER"], input=cert.encode(),
                             check=True, capture_output=True).stdout
        if hashlib.sha256(der).hexdigest().upper() == MS_ROOT_SHA256:
            root = work / "microsoft-root.pem"
            root.write_text(cert + "\n", encoding="ascii")
            return root
    pytest.fail(f"{PY_DLL}'s signature does not chain to {MS_ROOT_CN}")


def test_python_files_keep_their_signatures(unpacked: Path, microsoft_root: Path,
                                            packaging_report: dict[str, str]) -> None:
    python_dir = unpacked / "Python"
    signed = sorted([*python_dir.glob("python*.exe"), *python_dir.glob("python*.dll"),
                     *python_dir.glob("*.pyd")])
    assert len(signed) >= 10
    failed = []
    for path in signed:
        # -ignore-cdp / -ignore-crl: no network for revocation lists here; the chain and the
        # timestamp are still checked, against the pinned root only.
        done = subprocess.run(
            ["osslsigncode", "verify", "-CAfile", str(microsoft_root),
             "-TSA-CAfile", str(microsoft_root), "-ignore-cdp", "-ignore-crl",
             "-in", str(path)],
            capture_output=True, text=True,
        )
        text = done.stdout + done.stderr
        if (done.returncode != 0 or "Signature verification: ok" not in text
                or "O=Python Software Foundation" not in text):
            failed.append(f"{path.name}: {text.strip().splitlines()[-3:]}")
    packaging_report["signatures"] = f"{len(signed) - len(failed)}/{len(signed)} Python files verified"
    assert not failed, "\n".join(failed)


def test_exclusion_patterns_keep_the_chinese_translations() -> None:
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import build_windows
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    exclude, keep = build_windows.read_exclusions()
    assert build_windows.is_excluded("PySide6/translations/qtbase_de.qm", exclude, keep)
    assert not build_windows.is_excluded("PySide6/translations/qtbase_zh_CN.qm", exclude, keep)
    assert build_windows.is_excluded("PySide6/qml/QtQuick/Controls/x.qml", exclude, keep)
    assert not build_windows.is_excluded("PySide6/Qt6Widgets.dll", exclude, keep)
    assert not build_windows.is_excluded("PySide6/plugins/platforms/qwindows.dll", exclude, keep)
