// The INVITE client transaction's timers against a SIPp trunk (test/sipp/ring-timers.xml):
// a provisional stops Timer B so a ring timeout above 32 s still ends in CANCEL → 487 →
// cause 19; 100 Trying alone allows CANCEL; a CANCEL asked for before any provisional
// waits for one (RFC 3261 §9.1); an INVITE nobody answers at all ends at Timer B (102).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disconnectedOf, labels, originate, startNodeAgainstSipp, toneRenderer, type NodeAgainstSipp } from './node-against-sipp.ts';

let t: NodeAgainstSipp;

beforeAll(async () => {
  t = await startNodeAgainstSipp({
    sipp: { port: 15380, mediaPort: 16380, scenario: new URL('../../sipp/ring-timers.xml', import.meta.url).pathname },
    sipPort: 15362,
    rtpMin: 34000,
    renderer: toneRenderer,
  });
});
afterAll(async () => {
  await t?.close();
});

async function dial(to: string, ringTimeoutS: number, waitS: number) {
  const { voice_id, command } = originate(to, { ring_timeout_s: ringTimeoutS });
  const started = Date.now();
  expect((await t.worker.send(t.node.controlUrl, [command])).results[0]!.ok).toBe(true);
  await t.worker.waitFor(() => !!disconnectedOf(t.worker, voice_id), waitS * 1000, `disconnected of ${to}`);
  return { voice_id, elapsedMs: Date.now() - started, end: disconnectedOf(t.worker, voice_id)! };
}

describe('INVITE timers against a SIPp trunk', () => {
  // The two long cases overlap so the file costs ~37 s, not ~70 s.
  it.concurrent('rings past Timer B (32 s): ring_timeout 35 s still CANCELs → 487 → cause 19', async () => {
    const { voice_id, elapsedMs, end } = await dial('971501230000', 35, 45);
    expect(end).toMatchObject({ cause: 19, reason: 'No Answer from User', sip_status: 487, hangup_by: 'local', duration_s: 0 });
    expect(labels(t.worker, voice_id)).toEqual(['ringing', 'disconnected']);
    expect(elapsedMs).toBeGreaterThanOrEqual(35_000);
    expect(elapsedMs).toBeLessThan(40_000); // before the trunk would have answered
  }, 60_000);

  it.concurrent('no response at all: no CANCEL is allowed, Timer B ends the INVITE at 32 s → 408 → cause 102', async () => {
    const { voice_id, elapsedMs, end } = await dial('971501230003', 10, 45);
    expect(end).toMatchObject({ cause: 102, reason: 'Recovery on Timer Expiry', sip_status: 408, duration_s: 0 });
    expect(labels(t.worker, voice_id)).toEqual(['disconnected']);
    expect(elapsedMs).toBeGreaterThanOrEqual(31_500);
    expect(elapsedMs).toBeLessThan(36_000);
  }, 60_000);

  it('100 Trying only: CANCEL at the ring timeout → 487 → cause 19, no ringing event', async () => {
    const { voice_id, elapsedMs, end } = await dial('971501230001', 2, 15);
    expect(end).toMatchObject({ cause: 19, reason: 'No Answer from User', sip_status: 487 });
    expect(labels(t.worker, voice_id)).toEqual(['disconnected']);
    expect(elapsedMs).toBeGreaterThanOrEqual(1_900);
    expect(elapsedMs).toBeLessThan(6_000);
  });

  it('ring timeout before any provisional: the CANCEL waits for the first provisional, then goes at once → cause 19', async () => {
    const { voice_id, elapsedMs, end } = await dial('971501230002', 1, 15);
    expect(end).toMatchObject({ cause: 19, sip_status: 487 });
    expect(labels(t.worker, voice_id)).toEqual(['ringing', 'disconnected']);
    expect(elapsedMs).toBeGreaterThanOrEqual(2_900); // the trunk's 180 came at 3 s
    expect(elapsedMs).toBeLessThan(6_000);
  });
});
