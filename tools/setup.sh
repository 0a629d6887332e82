#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine to build aurora-sim, then configures and builds it.
#
#   tools/setup.sh                  install what is missing, configure and build (release)
#   tools/setup.sh --preset debug   the same with another preset of CMakePresets.json
#   tools/setup.sh --preset fuzz    the libFuzzer targets (clang 14; tests/fuzz/README.md)
#   tools/setup.sh --preset release --preset asan-ubsan --preset fuzz   several, in order
#   tools/setup.sh --no-build       install the build dependencies only
#
# Every dependency is a Debian package. Safe to run again: it installs only what is
# missing and says so when nothing is. Runs apt-get as root, or through sudo when run as
# another user. AURORA_PRESET sets the default preset (release).
set -euo pipefail

readonly PACKAGES=(
  build-essential          # g++ 12 and make (the presets use CMake's default generator)
  cmake                    # 3.25
  git
  pkg-config
  libboost-context1.74-dev # fibers
  libgtest-dev             # GoogleTest
  googletest
  librapidcheck-dev        # property tests
  nlohmann-json3-dev       # summaries and traces
  libcli11-dev             # the sim command line
  libbenchmark-dev         # benchmarks
  libtomlplusplus-dev      # workload specs
  clang-14                 # the fuzz preset: clang++-14 builds the libFuzzer targets
  libclang-rt-14-dev       # ...and links libFuzzer and the sanitizers' runtimes
)

usage() {
  cat <<EOF
usage: tools/setup.sh [--preset NAME]... [--no-build]

Installs the Debian packages aurora-sim needs (only those missing), then runs
  cmake --preset NAME && cmake --build --preset NAME -j\$(nproc)
from the repository root, for each --preset given (in that order).

  --preset NAME  a configure/build preset of CMakePresets.json: release (default, or
                 \$AURORA_PRESET), debug, asan-ubsan, fuzz (the libFuzzer targets of
                 tests/fuzz, built with clang 14; run them with ctest --preset fuzz)
  --no-build     install the dependencies only
  -h, --help     this help
EOF
}

step() { printf '==> %s\n' "$*"; }
fail() {
  printf 'setup.sh: %s\n' "$*" >&2
  exit 2
}

presets=()
build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) build=0 ;;
    --preset)
      [[ $# -ge 2 && -n "$2" ]] || fail "--preset needs a name (release, debug, asan-ubsan, fuzz)"
      presets+=("$2")
      shift
      ;;
    --preset=*) presets+=("${1#--preset=}") ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      fail "unknown option '$1'"
      ;;
  esac
  shift
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
presets_file="$repo_root/CMakePresets.json"
if [[ $build -eq 1 ]]; then
  [[ -f "$presets_file" ]] || fail "no CMakePresets.json in $repo_root"
  [[ ${#presets[@]} -gt 0 ]] || presets=("${AURORA_PRESET:-release}")
  for preset in "${presets[@]}"; do
    grep -Eq "\"name\"[[:space:]]*:[[:space:]]*\"${preset}\"" "$presets_file" ||
      fail "unknown preset '$preset' (see $presets_file: release, debug, asan-ubsan, fuzz)"
  done
fi

# --- 1. The machine -----------------------------------------------------------------
step "checking the system"
if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091  # the machine's own file, read in a subshell
  os="$(. /etc/os-release && echo "${ID:-unknown} ${VERSION_ID:-unknown}")"
  if [[ "$os" != "debian 12" ]]; then
    printf 'warning: this script is written for Debian 12, found %s: package names may differ\n' \
      "$os" >&2
  fi
fi
command -v dpkg-query >/dev/null 2>&1 || fail "dpkg-query not found: this script needs a Debian system"

# --- 2. Dependencies -----------------------------------------------------------------
step "checking build dependencies (${#PACKAGES[@]} Debian packages)"
is_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  step "all build dependencies present"
else
  step "missing, will install: ${missing[*]}"
  as_root=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 ||
      fail "installing packages needs root: run this script as root, or install sudo"
    as_root=(sudo)
    step "not running as root: using sudo"
  fi
  step "apt-get update"
  "${as_root[@]}" apt-get update
  step "apt-get install ${missing[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
  still_missing=()
  for pkg in "${missing[@]}"; do
    is_installed "$pkg" || still_missing+=("$pkg")
  done
  [[ ${#still_missing[@]} -eq 0 ]] || fail "still missing after install: ${still_missing[*]}"
  step "build dependencies installed"
fi

if [[ $build -eq 0 ]]; then
  step "--no-build: done"
  exit 0
fi

# --- 3. Configure and build ------------------------------------------------------------
cd "$repo_root"
jobs="$(nproc 2>/dev/null || echo 1)"
for preset in "${presets[@]}"; do
  step "configuring: cmake --preset $preset (in $repo_root)"
  cmake --preset "$preset"
  step "building: cmake --build --preset $preset -j$jobs"
  cmake --build --preset "$preset" -j"$jobs"
  step "done: binaries in build/$preset; run the tests with: ctest --preset $preset"
done
