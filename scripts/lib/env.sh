# shellcheck shell=bash
# The project's Python environment, sourced by every command under scripts/.
#
# Home Assistant 2026.10+ needs Python >= 3.14.2. A python3.14 already on the
# machine is used as it is; otherwise a minimal Debian testing (forky) root,
# which ships Python 3.14, is bootstrapped with debootstrap and commands run in
# it through a private mount namespace (nothing stays mounted afterwards).
#
# Everything built lives in one per-user cache folder shared by every clone
# ($GE_CACHE). Each piece is built in a temporary folder and renamed into place
# only once complete, so a half-built environment is never trusted: it is
# detected and rebuilt.

set -euo pipefail

GE_TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GE_CACHE="${GE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gestion-energie}"
GE_ROOT="$GE_CACHE/forky-root"
GE_REQUIREMENTS=("$GE_TOP/requirements_test.txt" "$GE_TOP/requirements_dev.txt")
GE_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

ge_log() { printf '\033[1m[gestion-energie]\033[0m %s\n' "$*" >&2; }

# A python >= 3.14.2 with venv support on this machine, or nothing.
ge_native_python() {
    local candidate
    for candidate in python3.14 python3.15 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 14, 2))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# The Debian mirror this machine already uses.
ge_debian_mirror() {
    local mirror
    mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
        | grep -E '^[[:space:]]*(URIs:|deb )' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)"
    echo "${mirror:-http://deb.debian.org/debian}"
}

ge_build_root() {
    [ -x "$GE_ROOT/usr/bin/python3.14" ] && return 0
    command -v debootstrap >/dev/null 2>&1 || {
        ge_log "installing debootstrap"
        apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
    }
    local tmp="$GE_ROOT.building"
    rm -rf "$tmp" "$GE_ROOT"
    ge_log "bootstrapping Debian forky with Python 3.14 into $GE_ROOT (about a minute)"
    debootstrap --variant=minbase --include=python3.14,python3.14-venv,python3.14-dev,ca-certificates \
        forky "$tmp" "$(ge_debian_mirror)" /usr/share/debootstrap/scripts/sid >"$GE_CACHE/debootstrap.log" 2>&1 \
        || { ge_log "debootstrap failed, see $GE_CACHE/debootstrap.log"; return 1; }
    mv "$tmp" "$GE_ROOT"
}

# Refresh what the root takes from the host each run: certificates (downloads
# pass a proxy with its own CA) and name resolution.
# Replaced whole (a rename), and only when it changed: commands already running in the
# root (a Home Assistant, a test) may be reading these files.
ge_sync_root() {
    ge_sync_file /etc/ssl/certs/ca-certificates.crt "$GE_ROOT/etc/ssl/certs/ca-certificates.crt"
    ge_sync_file /etc/resolv.conf "$GE_ROOT/etc/resolv.conf" 2>/dev/null || true
}

ge_sync_file() {
    cmp -s "$1" "$2" && return 0
    cp -L "$1" "$2.new.$$" && mv -f "$2.new.$$" "$2"
}

# Run a command with the environment's Python first on PATH, in the checkout,
# with the checkout importable (scripts and benchmarks run by path).
# In root mode: a private mount namespace with /dev, /proc, /sys and the
# checkout's parent folder (the checkout and shared/ beside it) at the same
# paths, then chroot.
ge_exec() {
    local venv="$1"; shift
    local workdir="${GE_WORKDIR:-$GE_TOP}"
    if [ "$GE_MODE" = native ]; then
        cd "$workdir"
        PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" PYTHONPATH="$GE_TOP" GE_IN_ENV=1 exec "$@"
    fi
    local outside; outside="$(dirname "$GE_TOP")"
    exec unshare -m --propagation private -- /bin/bash -c '
        set -e
        root="$1" outside="$2" workdir="$3" venv="$4" path="$5" top="$6"; shift 6
        mount --rbind /dev "$root/dev"
        mount -t proc proc "$root/proc"
        mount -t sysfs sysfs "$root/sys" 2>/dev/null || true
        mkdir -p "$root$outside"
        mount --rbind "$outside" "$root$outside"
        exec chroot "$root" /usr/bin/env -u PIP_FIND_LINKS -u PIP_CONSTRAINT \
            PATH="$venv/bin:$path" VIRTUAL_ENV="$venv" HOME=/root PYTHONPATH="$top" GE_IN_ENV=1 \
            /bin/bash -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"
    ' ge-env "$GE_ROOT" "$outside" "$workdir" "$venv" "$GE_PATH" "$GE_TOP" "$@"
}

ge_requirements_hash() {
    cat "${GE_REQUIREMENTS[@]}" | sha256sum | cut -c1-16
}

# Prepare the environment (once; later calls only check it) and set GE_MODE
# and GE_VENV. The venv's name carries the hash of the requirements, so a
# change of requirements builds a new one.
ge_prepare() {
    mkdir -p "$GE_CACHE"
    exec 9>"$GE_CACHE/.lock"
    flock 9
    local python hash
    hash="$(ge_requirements_hash)"
    if python="$(ge_native_python)"; then
        GE_MODE=native
        GE_VENV="$GE_CACHE/venv-native-$hash"
    else
        GE_MODE=root
        [ "$(id -u)" = 0 ] || { ge_log "no Python >= 3.14.2 here, and bootstrapping one needs root"; exit 1; }
        ge_build_root
        ge_sync_root
        python=/usr/bin/python3.14
        GE_VENV="/opt/venv-$hash"
    fi
    if [ ! -f "$(ge_host_path "$GE_VENV")/.complete" ] || ! (ge_exec "$GE_VENV" python -c 'import homeassistant.core, pytest' >/dev/null 2>&1); then
        ge_log "building the Python environment in $(ge_host_path "$GE_VENV") (a few minutes, once)"
        # Built in place and stamped complete only at the end: a stamp-less
        # or unusable venv (interrupted build, deleted package) is rebuilt.
        (ge_exec /nonexistent /bin/bash -ec "
            rm -rf '$GE_VENV'
            '$python' -m venv '$GE_VENV'
            '$GE_VENV/bin/python' -m pip install -q --upgrade pip
            '$GE_VENV/bin/python' -m pip install -q $(printf -- "-r '%s' " "${GE_REQUIREMENTS[@]}")
            touch '$GE_VENV/.complete'") || { ge_log "building the environment failed"; exit 1; }
    fi
    # Environments of other requirements may still serve other checkouts (branches of
    # another age): one is removed only once no checkout has used it for a week.
    local current venv stamp
    current="$(ge_host_path "$GE_VENV")"
    touch "$current/.used"
    for venv in "$(dirname "$current")"/venv-*; do
        [ "$venv" = "$current" ] && continue
        stamp="$venv/.used"
        [ -e "$stamp" ] || stamp="$venv"
        if [ -n "$(find "$stamp" -maxdepth 0 -mtime +7 2>/dev/null)" ]; then rm -rf "$venv"; fi
    done
    ge_ensure_chromium
    flock -u 9
}

# The browser of the dashboard's test (tests/browser): Debian's Chromium, in the root (or on
# this machine), installed once with apt. Playwright drives it; it never downloads a browser.
ge_ensure_chromium() {
    if [ "$GE_MODE" = root ]; then
        [ -x "$GE_ROOT/usr/bin/chromium" ] && return 0
        ge_log "installing Debian's chromium into $GE_ROOT (once)"
        # The mirror may serve a frozen snapshot, whose Release files are past their date.
        (ge_exec /nonexistent /bin/bash -ec "
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq -o Acquire::Check-Valid-Until=false
            apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null") \
            || ge_log "installing chromium failed: the browser test will fail"
    else
        command -v chromium >/dev/null 2>&1 && return 0
        [ "$(id -u)" = 0 ] || { ge_log "the browser test needs Debian's chromium: apt-get install chromium"; return 0; }
        ge_log "installing Debian's chromium (once)"
        { apt-get update -qq -o Acquire::Check-Valid-Until=false \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
            || ge_log "installing chromium failed: the browser test will fail"
    fi
}

# Where a path of the environment lies on this machine.
ge_host_path() {
    if [ "$GE_MODE" = root ]; then echo "$GE_ROOT$1"; else echo "$1"; fi
}

# Run "$@" in the prepared environment. Already inside it (a test running
# scripts/develop, a script calling another), run "$@" as it is.
ge_run() {
    if [ -n "${GE_IN_ENV:-}" ]; then
        cd "${GE_WORKDIR:-$GE_TOP}"
        exec "$@"
    fi
    ge_prepare
    ge_exec "$GE_VENV" "$@"
}
