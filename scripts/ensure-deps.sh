#!/usr/bin/env bash
# Installs what Crier's scripts need on a fresh Debian machine: npm packages, and
# the real telephony peers and audio tools (openssl makes the wss tests' certificates;
# baresip-core is the agents' softphone in the registrar tests and the demo; chromium is the browser
# agent's, driven by playwright-core), and mediasoup's worker.
# Without root it prints the apt line and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
DEBS=(sip-tester espeak-ng sox ffmpeg tshark openssl baresip-core chromium pocketsphinx pocketsphinx-en-us)
missing=()
for bin in sipp espeak-ng sox ffmpeg tshark openssl baresip chromium pocketsphinx_continuous; do command -v "$bin" >/dev/null 2>&1 || missing+=("$bin"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${DEBS[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get install -y -qq "${DEBS[@]}" >/dev/null
  else
    echo "Crier needs: ${missing[*]}. Run as root, or first:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${DEBS[*]}" >&2
    exit 1
  fi
fi
# npm ci again whenever package-lock.json changed since the last install (a content
# hash, not file times: a fresh checkout's times say nothing).
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat node_modules/.crier-lock-sha256 2>/dev/null)" != "$lock_hash" ]; then
  # MEDIASOUP_WORKER_BIN makes mediasoup's postinstall skip its download on any npm (allowScripts needs npm 11).
  MEDIASOUP_WORKER_BIN="${MEDIASOUP_WORKER_BIN:-built-by-scripts/build-mediasoup.sh}" npm ci --no-fund --no-audit
  echo "$lock_hash" > node_modules/.crier-lock-sha256
fi
# The media node's RTP socket addon (falls back to dgram with a warning if it cannot be built).
bash media-node/native/build.sh
# mediasoup's C++ worker, built offline from Debian packages and cached by version and
# recipe (scripts/build-mediasoup.sh: ~7.5 min the first time on 2 idle cores, then
# seconds). The browser-agent call test needs it. CRIER_BUILD_MEDIASOUP=0 skips the
# build; a failure does not stop the run: that test prints the reason and skips.
if [ "${CRIER_BUILD_MEDIASOUP:-1}" != 0 ]; then
  bash scripts/build-mediasoup.sh >/dev/null || echo "mediasoup worker not built; WebRTC agent tests will skip (see .cache/mediasoup/*/FAILED)" >&2
fi
