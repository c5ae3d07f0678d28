// Sums the suites' vitest JSON reports into the single closing line CI reads.
// Arguments are "<suite>:<exit code>". A suite that exited non-zero without
// reporting a failed test (crash, no tests found, load error) counts as one
// failure: a crash is not a pass. Exits non-zero if anything failed.
import { readFileSync, existsSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const arg of process.argv.slice(2)) {
  const [suite, code] = arg.split(':');
  const file = `.cache/test-results/${suite}.json`;
  let suiteFailed = 0;
  if (existsSync(file)) {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests ?? 0;
    suiteFailed = (report.numFailedTests ?? 0) || (report.numFailedTestSuites ?? 0);
  }
  if (suiteFailed === 0 && Number(code) !== 0) {
    console.error(`suite ${suite} exited ${code} without a failed test: counting it as one failure`);
    suiteFailed = 1;
  }
  failed += suiteFailed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
