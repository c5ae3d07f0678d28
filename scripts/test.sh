#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the suites need, runs the
# Worker suite in workerd, the media-node suite in Node (real SIPp), and the
# end-to-end suite on the real stack, then prints the
# combined "N passed, M failed" line CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
bash scripts/ensure-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p .cache/test-results
rm -f .cache/test-results/*.json
npx vitest run --config test/worker/vitest.config.ts --reporter=default --reporter=json --outputFile.json=.cache/test-results/worker.json
worker=$?
npx vitest run --config test/node/vitest.config.ts --reporter=default --reporter=json --outputFile.json=.cache/test-results/node.json
node=$?
npx vitest run --config test/e2e/vitest.config.ts --reporter=default --reporter=json --outputFile.json=.cache/test-results/e2e.json
e2e=$?
node scripts/test-summary.mjs "worker:$worker" "node:$node" "e2e:$e2e"
