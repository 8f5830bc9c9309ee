#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to run and test docusaurus-sandbox:
# the Docker engine (started in the background), debootstrap (to build the
# sandbox images without a registry) and, with --browser, Chromium for the
# end-to-end tests. Does nothing for what is already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
log() { printf '[install-system-deps] %s\n' "$*" >&2; }

packages=()
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || packages+=(debootstrap)
if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then packages+=(chromium); fi

if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing: ${packages[*]}; install them with your package manager (needs root on Debian: apt-get install ${packages[*]})"
    exit 1
  fi
  log "installing ${packages[*]} from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

bash "$here/ensure-docker.sh"
