/**
 * The protocol-level fake Worker (test/node/media-node/fake-worker.ts) in a process of its own, so a
 * bench can keep it off the core of the media node it measures (taskset). argv: realm prefix count
 * (users `load` in realms t0..t<count-1>.<suffix>, password "pw"). Prints `{"url": ...}` once
 * listening; on SIGTERM prints `{"credential_lookups": n, "registrations": n}` and exits.
 */
import { startFakeWorker } from '../../test/node/media-node/fake-worker.ts';

const [suffix, count] = [process.argv[2] ?? 'bench.sip.crier.local', Number(process.argv[3] ?? '1000')];
const worker = await startFakeWorker();
for (let i = 0; i < count; i++) worker.addSipUser({ realm: `t${i}.${suffix}`, sipUser: 'load', password: 'pw' });
// Heartbeats and registration reports pile up over a long run: keep the counts, not the bodies.
let registrations = 0;
setInterval(() => {
  registrations += worker.registrations.splice(0).length;
  worker.heartbeats.splice(0);
}, 1000).unref();
process.stdout.write(JSON.stringify({ url: worker.url }) + '\n');
process.on('SIGTERM', () => {
  registrations += worker.registrations.splice(0).length;
  process.stdout.write(JSON.stringify({ credential_lookups: worker.credentialLookups.length, registrations }) + '\n', () => process.exit(0));
});
