#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to run and test docusaurus-sandbox:
# the Docker engine (started in the background), debootstrap (to build the
# sandbox images without a registry) and, with --browser, Chromium for the
# end-to-end tests and, with --runsc, gVisor (registered with the engine by
# ensure-docker.sh before it starts dockerd) and, with --cluster, nginx and
# redis-server for the one-machine cluster (`npm run cluster`, `npm run
# test:cluster`; neither is started here). Does nothing for what is already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
log() { printf '[install-system-deps] %s\n' "$*" >&2; }

packages=()
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || packages+=(debootstrap)
for option in "$@"; do
  case "$option" in
    --browser) [ -x /usr/bin/chromium ] || packages+=(chromium) ;;
    --runsc) command -v runsc >/dev/null 2>&1 || packages+=(runsc) ;;
    --cluster)
      command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || packages+=(nginx)
      command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
      command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || packages+=(iproute2)
      ;;
    *) log "unknown option $option (known: --browser, --runsc, --cluster)"; exit 2 ;;
  esac
done

if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing: ${packages[*]}; install them with your package manager (needs root on Debian: apt-get install ${packages[*]})"
    exit 1
  fi
  log "installing ${packages[*]} from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  # Debian's nginx and redis-server start their services when installed (nginx on 0.0.0.0:80); the cluster
  # script starts its own, on loopback only. Where no policy holds services back, one does while apt runs.
  held_back=''
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    held_back=yes
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  if [ -n "$held_back" ]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
fi

bash "$here/ensure-docker.sh"
