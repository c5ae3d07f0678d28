#!/usr/bin/env bash
# Builds mediasoup's C++ worker offline from Debian packages and caches the binary by
# version under .cache/mediasoup/<version>/mediasoup-worker (mediasoup's own postinstall
# is off in package.json: it downloads a prebuilt worker, then meson subprojects).
# The build copies the worker sources out of node_modules (never builds inside it) and
# drops in the stand-in subprojects from scripts/mediasoup-standins/. First build: about
# 7.5 minutes on 2 cores; afterwards seconds. Prints the binary's path on stdout.
# On failure it writes the reason to .cache/mediasoup/<version>/FAILED and exits 1, so
# tests that need the worker can say why they skip.
# Diagnosis builds: MEDIASOUP_BUILD_TYPE=debug|debugoptimized (meson build type) and
# MEDIASOUP_SANITIZE=address (meson b_sanitize) build into their own directory,
# .cache/mediasoup/<version>-<type>[-<sanitizer>]/, keep the build tree and symbols, and
# never touch the release binary or the shared cache.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pkg=node_modules/mediasoup/package.json
[ -f "$pkg" ] || { echo "build-mediasoup: $pkg missing (run npm ci first)" >&2; exit 1; }
version=$(node -p "require('./$pkg').version")
buildtype=${MEDIASOUP_BUILD_TYPE:-release}
sanitize=${MEDIASOUP_SANITIZE:-none}
variant=
[ "$buildtype" = release ] || variant=-$buildtype
[ "$sanitize" = none ] || variant=$variant-$sanitize
out=$root/.cache/mediasoup/$version$variant
bin=$out/mediasoup-worker
mkdir -p "$out"
fail() { echo "$*" > "$out/FAILED"; echo "build-mediasoup: $*" >&2; exit 1; }

# The recipe: the stand-ins and the patches to mediasoup's sources (not their READMEs).
# A cached binary built from another recipe (e.g. before a patch) is stale: rebuilt.
recipe=$(cd scripts && find mediasoup-standins mediasoup-patches -type f ! -name "*.md" | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
# A second cache outside the checkout, so fresh clones on the same machine (CI's) skip the build.
shared=${CRIER_MEDIASOUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crier/mediasoup}/$version$variant-$recipe
if [ -x "$bin" ] && [ "$(cat "$out/RECIPE" 2>/dev/null)" != "$recipe" ]; then rm -f "$bin"; fi
if [ ! -x "$bin" ] && [ -x "$shared/mediasoup-worker" ]; then
  cp "$shared/mediasoup-worker" "$bin"; echo "$recipe" > "$out/RECIPE"; rm -f "$out/FAILED"
fi
if [ -x "$bin" ] && [ ! -f "$out/FAILED" ]; then
  [ -n "$variant" ] || [ -x "$shared/mediasoup-worker" ] || { mkdir -p "$shared" && cp "$bin" "$shared/mediasoup-worker"; } || true
  echo "$bin"; exit 0
fi
[ "${MEDIASOUP_SKIP_BUILD:-}" = 1 ] && fail "MEDIASOUP_SKIP_BUILD=1: not built"
rm -f "$out/FAILED"

# Tools: meson >= 1.1 (bookworm-backports), ninja, flatc, the -dev libraries.
debs=(ninja-build pkg-config libssl-dev libuv1-dev libsrtp2-dev flatbuffers-compiler libflatbuffers-dev libabsl-dev g++)
meson_ok() { command -v meson >/dev/null 2>&1 && [ "$(printf '%s\n1.1.0\n' "$(meson --version)" | sort -V | head -1)" = 1.1.0 ]; }
libs_ok() { pkg-config --exists libuv libsrtp2 openssl flatbuffers absl_flat_hash_map 2>/dev/null && command -v flatc >/dev/null && command -v ninja >/dev/null && command -v g++ >/dev/null; }
if ! meson_ok || ! libs_ok; then
  [ "$(id -u)" = 0 ] || fail "needs meson>=1.1 (bookworm-backports) and ${debs[*]}; run as root or install them"
  export DEBIAN_FRONTEND=noninteractive
  if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      > /etc/apt/sources.list.d/bookworm-backports.sources
  fi
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq -t bookworm-backports meson >/dev/null || fail "apt-get install -t bookworm-backports meson failed"
  apt-get install -y -qq "${debs[@]}" >/dev/null || fail "apt-get install ${debs[*]} failed"
  meson_ok && libs_ok || fail "meson or a -dev library still missing after apt-get"
fi

src=$out/worker
mkdir -p "$src"
# The whole worker tree (meson.build names the test and fuzzer sources even when off).
# -p keeps the files' times, so an interrupted or failed build resumes where it stopped.
cp -rp node_modules/mediasoup/worker/. "$src/"
for wrap in "$src"/subprojects/*.wrap; do
  name=$(basename "$wrap" .wrap)
  dir=$(sed -n 's/^directory *= *//p' "$wrap")
  case "$name" in
    abseil-cpp|flatbuffers|libsrtp3|libuv|openssl) standin=$name ;;
    unordered-dense) standin=unordered_dense ;;
    *) continue ;; # catch2, wingetopt: tests and Windows only, never configured here
  esac
  mkdir -p "$src/subprojects/$dir"
  cp -rp "scripts/mediasoup-standins/$standin/." "$src/subprojects/$dir/"
done
# Fixes to mediasoup's own sources for the Debian libraries (each patch says why).
for p in scripts/mediasoup-patches/*.patch; do
  patch -s -p1 -d "$src" < "$p" || fail "patch $p does not apply to mediasoup $version"
done

echo "build-mediasoup: building mediasoup-worker $version (first build ~7.5 min on 2 cores)" >&2
log=$out/build.log
: >"$log"
started=$(date +%s)
if [ ! -f "$out/build/build.ninja" ] && ! (cd "$src" && meson setup "$out/build" --buildtype="$buildtype" --wrap-mode=nodownload -Db_ndebug=if-release -Db_sanitize="$sanitize" \
        -Dms_build_tests=false -Dms_build_fuzzer=false) >>"$log" 2>&1; then
  fail "meson setup failed: $(grep -m1 'ERROR:' "$log" || tail -1 "$log") (log: $log)"
fi
if ! nice -n 10 ninja -C "$out/build" -j "${MEDIASOUP_BUILD_JOBS:-$(nproc)}" mediasoup-worker >>"$log" 2>&1; then
  fail "compile failed: $(grep -m1 'error:' "$log") (log: $log)"
fi
cp "$out/build/mediasoup-worker" "$bin.tmp" && mv "$bin.tmp" "$bin"
echo "$recipe" > "$out/RECIPE"
if [ -z "$variant" ]; then
  strip "$bin" 2>/dev/null || true
  mkdir -p "$shared" && cp "$bin" "$shared/mediasoup-worker.tmp" && mv "$shared/mediasoup-worker.tmp" "$shared/mediasoup-worker" || true
  rm -rf "$src" "$out/build"
fi
echo "build-mediasoup: built in $(( $(date +%s) - started )) s" >&2
echo "$bin"
