#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the suites need, runs the
# Worker suite in workerd and the media-node suite in Node, then prints the
# combined "N passed, M failed" line CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh || exit 1
mkdir -p .cache/test-results
rm -f .cache/test-results/*.json
status=0
npx vitest run --config test/worker/vitest.config.ts --reporter=default --reporter=json --outputFile.json=.cache/test-results/worker.json || status=1
npx vitest run --config test/node/vitest.config.ts --reporter=default --reporter=json --outputFile.json=.cache/test-results/node.json || status=1
node scripts/test-summary.mjs .cache/test-results/*.json || status=1
exit $status
