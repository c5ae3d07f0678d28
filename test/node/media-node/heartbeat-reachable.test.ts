// HeartbeatClient against the protocol-level fake Worker: a beat that gets
// through after failed ones tells the node the Worker is back (the event and
// registration queues then send at once, docs/media-protocol.md); beats that
// keep getting through do not say it again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatClient } from '../../../media-node/src/worker-link/heartbeat.ts';
import { Logger } from '../../../media-node/src/log/logger.ts';
import { TEST_SECRET, startFakeWorker, type FakeWorker } from './fake-worker.ts';

let worker: FakeWorker;
beforeAll(async () => {
  worker = await startFakeWorker();
});
afterAll(async () => {
  await worker.close();
});

describe('HeartbeatClient', () => {
  it('calls onReachableAgain on the first beat that gets through and on each return after failures, not on every beat', async () => {
    let back = 0;
    const hb = new HeartbeatClient(
      worker.url,
      TEST_SECRET,
      () => ({ node_id: 'n1', control_url: 'http://127.0.0.1:1', capacity: 10, live_calls: 0, draining: false }),
      new Logger({}, 'error'),
      '2026-01-01T00:00:00.000Z',
      { onReachableAgain: () => back++ },
    );
    try {
      expect(await hb.beat()).toBe(true);
      expect(back).toBe(1);
      expect(await hb.beat()).toBe(true);
      expect(back).toBe(1);
      await worker.goAway();
      expect(await hb.beat()).toBe(false);
      expect(await hb.beat()).toBe(false);
      expect(back).toBe(1);
      await worker.comeBack();
      expect(await hb.beat()).toBe(true);
      expect(back).toBe(2);
      expect(await hb.beat()).toBe(true);
      expect(back).toBe(2);
    } finally {
      hb.stop();
    }
  });
});
