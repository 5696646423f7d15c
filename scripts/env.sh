# shellcheck shell=bash
# Shared environment logic for scripts/test and scripts/develop.
#
# Home Assistant 2026.x needs Python >= 3.14.2. Where the machine has one, it is
# used directly. Otherwise a minimal Debian sid root with python3.14 is built
# once with debootstrap in the git-ignored cache, and commands run inside it
# through chroot, in a private mount namespace (unshare) so that the bind
# mounts vanish with the process and concurrent runs never disturb each other.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${LINKY_TEMPO_CACHE:-"$REPO_ROOT/.cache"}
CHROOT_DIR="$CACHE_DIR/py314-root"
MIN_PYTHON="3.14.2"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Print the path of a native Python >= 3.14.2, or nothing.
find_native_python() {
  local candidate
  for candidate in ${LINKY_TEMPO_PYTHON:-} python3.14 python3 python; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c "import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 14, 2) else 1)" 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 0
}

ensure_chroot() {
  if [ -x "$CHROOT_DIR/usr/bin/python3.14" ] && [ -f "$CHROOT_DIR/.linky-tempo-ready" ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    log "No Python >= $MIN_PYTHON found and not root: cannot build the Debian sid chroot."
    log "Install Python >= $MIN_PYTHON or set LINKY_TEMPO_PYTHON."
    return 1
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "Installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  log "Building a Debian sid root with python3.14 in $CHROOT_DIR (about 30 s)"
  rm -rf "$CHROOT_DIR"
  mkdir -p "$CACHE_DIR"
  debootstrap --variant=minbase --include=python3.14,python3.14-venv,ca-certificates \
    sid "$CHROOT_DIR" >"$CACHE_DIR/debootstrap.log" 2>&1 || {
      tail -n 30 "$CACHE_DIR/debootstrap.log" >&2
      return 1
    }
  touch "$CHROOT_DIR/.linky-tempo-ready"
}

# g++ in the chroot: ESPHome's host platform compiles the firmware with the
# system's C++ compiler (scripts/check-firmware). Installed once; sid's Release
# file is often past its Valid-Until date, hence the option. On a machine with
# a native Python >= 3.14.2 the system's g++ is used instead.
ensure_chroot_gxx() {
  [ -f "$CHROOT_DIR/.linky-tempo-gxx" ] && return 0
  log "Installing g++ in the Debian sid root (ESPHome host builds)"
  unshare --mount --propagation private -- bash -euc '
    root=$1
    mount --bind /dev "$root/dev"
    mount -t proc proc "$root/proc"
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
      bash -c "apt-get -qq -o Acquire::Check-Valid-Until=false update && apt-get install -y -qq --no-install-recommends g++ >/dev/null"
  ' _ "$CHROOT_DIR" >"$CACHE_DIR/apt-gxx.log" 2>&1 || {
    tail -n 30 "$CACHE_DIR/apt-gxx.log" >&2
    return 1
  }
  touch "$CHROOT_DIR/.linky-tempo-gxx"
}

# Copy the host's resolver and CA bundle into the chroot (pip needs both).
refresh_chroot_config() {
  cp /etc/resolv.conf "$CHROOT_DIR/etc/resolv.conf" 2>/dev/null || true
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$CHROOT_DIR/etc/ssl/certs"
    cp /etc/ssl/certs/ca-certificates.crt "$CHROOT_DIR/etc/ssl/certs/ca-certificates.crt"
  fi
}

# run_in_env CMD...: run CMD with a Python >= 3.14.2 first on PATH as "python",
# in the repository root, natively or inside the chroot.
run_in_env() {
  local native
  native=$(find_native_python)
  if [ -n "$native" ]; then
    log "Using native $("$native" --version) at $native"
    (cd "$REPO_ROOT" && PYTHON="$native" "$@")
    return $?
  fi
  ensure_chroot
  refresh_chroot_config
  ensure_chroot_gxx
  log "Running inside the Debian sid chroot (python3.14)"
  local quoted
  quoted=$(printf '%q ' "$@")
  unshare --mount --propagation private -- bash -euc '
    root=$1; repo=$2; cmd=$3
    mount --bind /dev "$root/dev"
    mount --bind /dev/pts "$root/dev/pts"
    mount -t proc proc "$root/proc"
    mount -t tmpfs tmpfs "$root/dev/shm"
    mkdir -p "$root$repo"
    mount --bind "$repo" "$root$repo"
    exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin \
      LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" PYTHON=/usr/bin/python3.14 \
      PIP_DEFAULT_TIMEOUT=180 PIP_DISABLE_PIP_VERSION_CHECK=1 \
      PIP_CERT=/etc/ssl/certs/ca-certificates.crt LINKY_TEMPO_IN_CHROOT=1 \
      bash -c "cd \"$repo\" && $cmd"
  ' _ "$CHROOT_DIR" "$REPO_ROOT" "$quoted"
}

# Home Assistant components the tests run for real (esphome brings the voice
# ones along, homekit imports camera); their requirements are installed from
# their manifests, so each pin gets the versions it ships.
HA_COMPONENTS="usb esphome assist_pipeline conversation tts ffmpeg homekit camera"
# Pinned by assist_pipeline but without a Python 3.14 wheel (building them
# needs a C++ toolchain): their newest releases, which have wheels, are
# installed instead. The tests never process voice audio.
NO_WHEEL_PINS="pymicro-vad pyspeex-noise"

# ensure_venv PIN: a virtual environment in the cache with Home Assistant's
# test harness for that pin, the requirements of HA_COMPONENTS and ours, all
# under Home Assistant's own package constraints (as a real install is).
# It is rebuilt only when the interpreter or a requirement file changes.
ensure_venv() {
  local pin=$1
  local dir="$CACHE_DIR/venv-ha-$pin"
  local files=("$REPO_ROOT/requirements/ha-$pin.txt" "$REPO_ROOT/requirements/test.txt")
  local stamp
  stamp=$( { "${PYTHON:-python3}" -c 'import sys; print(sys.executable, sys.version)'; echo "$HA_COMPONENTS $NO_WHEEL_PINS"; cat "${files[@]}"; } \
    | sha256sum | cut -c1-16)
  if [ ! -f "$dir/.stamp" ] || [ "$(cat "$dir/.stamp")" != "$stamp" ]; then
    log "Installing the Home Assistant $pin environment in $dir"
    rm -rf "$dir"
    "${PYTHON:-python3}" -m venv "$dir"
    "$dir/bin/pip" install --quiet --upgrade pip >/dev/null
    "$dir/bin/pip" install --quiet -r "${files[0]}"
    local constraints
    constraints=$("$dir/bin/python" -c 'import homeassistant, pathlib; print(pathlib.Path(homeassistant.__file__).parent / "package_constraints.txt")')
    local component_requirements
    # shellcheck disable=SC2086
    component_requirements=$(NO_WHEEL_PINS="$NO_WHEEL_PINS" "$dir/bin/python" - $HA_COMPONENTS <<'PY'
import json, os, pathlib, sys
import homeassistant.components as components
root = pathlib.Path(components.__path__[0])
skip = os.environ["NO_WHEEL_PINS"].split()
for name in sys.argv[1:]:
    for requirement in json.loads((root / name / "manifest.json").read_text()).get("requirements", []):
        if requirement.partition("==")[0] not in skip:
            print(requirement)
PY
)
    # shellcheck disable=SC2086
    "$dir/bin/pip" install --quiet -c "$constraints" -r "${files[1]}" $component_requirements
    # shellcheck disable=SC2086
    "$dir/bin/pip" install --quiet $NO_WHEEL_PINS
    echo "$stamp" >"$dir/.stamp"
  fi
  echo "$dir"
}

# ensure_latest_venv: a virtual environment in the cache with the Home
# Assistant release requirements/ha-latest.txt pins (the newest on PyPI, which
# may have no test harness yet) and Linky Tempo's manifest requirements, under
# that release's own package constraints, as a real install is. scripts/develop
# runs it; the pytest pins never share it. Rebuilt only when the interpreter,
# the pin or the manifest's requirements change.
ensure_latest_venv() {
  local dir="$CACHE_DIR/venv-ha-latest"
  local pins="$REPO_ROOT/requirements/ha-latest.txt"
  local manifest="$REPO_ROOT/custom_components/linky_tempo/manifest.json"
  local requirements stamp
  requirements=$("${PYTHON:-python3}" -c '
import json, sys
print("\n".join(json.load(open(sys.argv[1])).get("requirements", [])))' "$manifest")
  stamp=$( { "${PYTHON:-python3}" -c 'import sys; print(sys.executable, sys.version)'; cat "$pins"; echo "$requirements"; } \
    | sha256sum | cut -c1-16)
  if [ ! -f "$dir/.stamp" ] || [ "$(cat "$dir/.stamp")" != "$stamp" ]; then
    log "Installing the newest Home Assistant release ($(grep -E '^homeassistant==' "$pins")) in $dir"
    rm -rf "$dir"
    "${PYTHON:-python3}" -m venv "$dir"
    "$dir/bin/pip" install --quiet --upgrade pip >/dev/null
    "$dir/bin/pip" install --quiet -r "$pins"
    local constraints
    constraints=$("$dir/bin/python" -c 'import homeassistant, pathlib; print(pathlib.Path(homeassistant.__file__).parent / "package_constraints.txt")')
    # shellcheck disable=SC2086  # one argument per requirement
    "$dir/bin/pip" install --quiet -c "$constraints" $requirements
    echo "$stamp" >"$dir/.stamp"
  fi
  echo "$dir"
}
