#!/usr/bin/env bash
# Makes sure a Docker engine answers, installing and starting one when this is a
# Debian machine on which we are root (fresh machines here ship only the client).
# Used by `npm start`, `npm test` and `.ci/run`. Prints what is missing otherwise.
set -euo pipefail

log() { printf '[ensure-docker] %s\n' "$*" >&2; }

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_answers; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  log "No Docker engine answers and this script is not root, so it cannot install one."
  log "Install and start Docker (https://docs.docker.com/engine/install/), or run as root on Debian."
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  log "No Docker engine answers and this is not a Debian-like system (no apt-get): install Docker yourself."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "Installing docker.io from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io >/dev/null
fi

# Register gVisor when it is installed, so environments may choose runtime "runsc".
# On engine 20.10 runsc needs --network=none or containers fail to start (shared FACTS).
if command -v runsc >/dev/null 2>&1 && [ ! -s /etc/docker/daemon.json ]; then
  mkdir -p /etc/docker
  printf '{"runtimes":{"runsc":{"path":"%s","runtimeArgs":["--network=none"]}}}\n' "$(command -v runsc)" > /etc/docker/daemon.json
fi

log "Starting dockerd in the background (log: /var/log/dockerd.log)..."
# No systemd here and policy-rc.d forbids service starts: run the daemon directly.
# The bridge and iptables are off: sandboxes get no network unless an environment asks.
nohup dockerd --bridge=none --iptables=false >/var/log/dockerd.log 2>&1 &

for _ in $(seq 1 60); do
  if engine_answers; then
    log "Docker engine $(docker version --format '{{.Server.Version}}') is ready."
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not answer within 30 s; see /var/log/dockerd.log"
exit 1
