// Sums vitest JSON reports into the single closing line CI reads.
// A suite whose report is missing counts as one failure: a crash is not a pass.
import { readFileSync, existsSync } from 'node:fs';

const expected = ['.cache/test-results/worker.json', '.cache/test-results/node.json'];
let passed = 0;
let failed = 0;
for (const file of expected) {
  if (!existsSync(file)) {
    console.error(`missing test report ${file}: counting the suite as failed`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  const failedTests = report.numFailedTests ?? 0;
  // A file that fails to load fails its suite with no test counted: count the suite.
  failed += failedTests > 0 ? failedTests : (report.numFailedTestSuites ?? 0);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
