#!/usr/bin/env bash
# Makes sure a Docker engine answers, installing and starting one when this is a
# Debian machine on which we are root (fresh machines here ship only the client).
# Used by `npm start`, `npm test` and `.ci/run`. Prints what is missing otherwise.
#
#   bash scripts/ensure-docker.sh            engine only
#   bash scripts/ensure-docker.sh --images   also the tools `images build` needs
#                                            (debootstrap; npm is already there)
set -euo pipefail

log() { printf '[ensure-docker] %s\n' "$*" >&2; }

want_images=0
for argument in "$@"; do
  case "$argument" in
    --images) want_images=1 ;;
    *) log "unknown option $argument (known: --images)"; exit 2 ;;
  esac
done

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${apt_updated:-}" ]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ "$want_images" = 1 ] && ! command -v debootstrap >/dev/null 2>&1; then
  if is_root && command -v apt-get >/dev/null 2>&1; then
    log "Installing debootstrap (builds the bundled images from Debian packages)..."
    apt_install debootstrap
  else
    log "debootstrap is missing: install it (Debian/Ubuntu: apt-get install debootstrap) to build the bundled images."
    exit 1
  fi
fi

if engine_answers; then
  exit 0
fi

if ! command -v docker >/dev/null 2>&1 && ! is_root; then
  log "Neither a Docker client nor an engine is installed, and this script is not root."
  log "Install Docker (https://docs.docker.com/engine/install/), or run this script as root on Debian."
  exit 1
fi
if ! is_root; then
  log "No Docker engine answers and this script is not root, so it cannot install or start one."
  log "Start Docker, or check that your user may use it (the 'docker' group, or DOCKER_HOST)."
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  log "No Docker engine answers and this is not a Debian-like system (no apt-get): install Docker yourself."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  # docker.io brings containerd, runc and tini (docker-init, used by Init: true).
  log "Installing docker.io from Debian's packages..."
  apt_install docker.io
fi

# Register gVisor when it is installed, so environments may choose runtime "runsc".
# This happens before dockerd starts (the engine reads daemon.json only at start).
# With engine 20.10, Debian's runsc (2022-12 build) needs --network=none in its runtime
# entry, or every container on it fails to start.
if command -v runsc >/dev/null 2>&1; then
  mkdir -p /etc/docker
  if [ ! -s /etc/docker/daemon.json ]; then
    printf '{"runtimes":{"runsc":{"path":"%s","runtimeArgs":["--network=none"]}}}\n' "$(command -v runsc)" > /etc/docker/daemon.json
    log "Registered gVisor (runsc) in /etc/docker/daemon.json."
  elif ! grep -q '"runsc"' /etc/docker/daemon.json; then
    # Merge into the operator's file instead of replacing it.
    RUNSC_PATH="$(command -v runsc)" node -e '
      const fs = require("fs");
      const file = "/etc/docker/daemon.json";
      const config = JSON.parse(fs.readFileSync(file, "utf8"));
      config.runtimes = {...config.runtimes, runsc: {path: process.env.RUNSC_PATH, runtimeArgs: ["--network=none"]}};
      fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
    ' && log "Added gVisor (runsc) to /etc/docker/daemon.json."
  fi
fi

# A daemon that is starting already (its pid file names a live process) is
# waited for instead of started twice.
running_pid=""
if [ -s /var/run/docker.pid ]; then
  candidate="$(cat /var/run/docker.pid)"
  if [ -d "/proc/$candidate" ]; then running_pid="$candidate"; fi
fi

start_dockerd() {
  log "Starting dockerd in the background (log: /var/log/dockerd.log)..."
  # No systemd here and policy-rc.d forbids service starts: run the daemon directly.
  # The bridge and iptables are off: sandboxes get no network unless an environment asks.
  nohup dockerd --bridge=none --iptables=false >/var/log/dockerd.log 2>&1 &
  running_pid=$!
}

if [ -z "$running_pid" ]; then
  start_dockerd
else
  log "dockerd (pid $running_pid) is running but not answering yet; waiting for it..."
fi

for _ in $(seq 1 60); do
  if engine_answers; then
    log "Docker engine $(docker version --format '{{.Server.Version}}') is ready."
    exit 0
  fi
  # The daemon we waited for was on its way down (or died at start): start a fresh one.
  if [ ! -d "/proc/$running_pid" ]; then
    start_dockerd
  fi
  sleep 0.5
done
log "dockerd did not answer within 30 s; see /var/log/dockerd.log"
exit 1
