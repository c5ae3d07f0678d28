#!/usr/bin/env bash
# Builds the udp-io addon (media-node/native/udp-io.c) against this Node's own
# headers with the system C compiler. Rebuilds only when the source or the Node
# version changed. A machine without a compiler or headers gets a warning and
# the media node falls back to dgram sockets (RTP_IO=auto); nothing else fails.
set -uo pipefail
cd "$(dirname "$0")"
out=build/udp-io.node
stamp="$(sha256sum udp-io.c | cut -d' ' -f1) $(node -p process.version)"
if [ -f "$out" ] && [ "$(cat build/.stamp 2>/dev/null)" = "$stamp" ]; then exit 0; fi
prefix=$(dirname "$(dirname "$(node -p process.execPath)")")
inc=""
for dir in "${npm_config_nodedir:-/nonexistent}/include/node" "$prefix/include/node" /usr/include/node /usr/local/include/node; do
  if [ -f "$dir/node_api.h" ] && [ -f "$dir/uv.h" ]; then inc=$dir; break; fi
done
cc=${CC:-cc}
if [ -z "$inc" ] || ! command -v "$cc" >/dev/null 2>&1; then
  echo "udp-io: no C compiler or Node headers here; the media node will use dgram sockets (slower RTP)" >&2
  exit 0
fi
mkdir -p build
if "$cc" -O2 -Wall -Wextra -std=c11 -fPIC -shared -fvisibility=hidden -DNAPI_VERSION=8 -I"$inc" udp-io.c -o "$out.tmp"; then
  mv "$out.tmp" "$out"
  echo "$stamp" > build/.stamp
  echo "udp-io: built $out" >&2
else
  echo "udp-io: build failed; the media node will use dgram sockets (slower RTP)" >&2
fi
