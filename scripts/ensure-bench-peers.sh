#!/usr/bin/env bash
# Installs the baselines that only benches run against (not needed by npm test, so
# ensure-deps.sh leaves them out): Kamailio for bench:register. Without root it
# prints the apt line and stops.
set -euo pipefail
command -v kamailio >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq kamailio >/dev/null
else
  echo "bench:register needs Kamailio as its baseline: sudo apt-get update && sudo apt-get install -y kamailio" >&2
  exit 1
fi
