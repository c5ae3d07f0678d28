// OutboundDial's edges that a SIPp scenario cannot reach: a hang-up while the
// RTP port is still opening. The trunk here is a bare UDP socket that counts
// what reaches it.
import { afterEach, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { OutboundDial, type DialEnd } from '../../../media-node/src/call/outbound-dial.ts';
import { SipTransport } from '../../../media-node/src/sip/transport.ts';
import { FrameScheduler } from '../../../media-node/src/rtp/frame-scheduler.ts';
import { PortPool } from '../../../media-node/src/rtp/port-pool.ts';
import { Logger } from '../../../media-node/src/log/logger.ts';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function setUp() {
  const trunk: Socket = createSocket('udp4');
  const received: string[] = [];
  trunk.on('message', (m) => received.push(m.toString('utf8').split('\r\n')[0]!));
  await new Promise<void>((r) => trunk.bind(0, '127.0.0.1', r));
  closers.push(() => trunk.close());
  const transport = await SipTransport.bind('127.0.0.1', 0, '127.0.0.1');
  closers.push(() => transport.close());
  const ports = new PortPool(39_000, 39_010);
  const deps = { transport, scheduler: new FrameScheduler(), ports, trunk: { host: '127.0.0.1', port: trunk.address().port, domain: '127.0.0.1' }, rtpBindHost: '127.0.0.1', advertiseAddress: '127.0.0.1' };
  return { deps, ports, received };
}

it('a hang-up while the RTP port opens ends the attempt once, never dials, and gives the port back after its socket closed', async () => {
  const { deps, ports, received } = await setUp();
  const free = ports.available;
  const ends: DialEnd[] = [];
  let dial: OutboundDial;
  dial = new OutboundDial(deps, { from: '12012774877', to: '971501234500', ringTimeoutS: 30 }, new Logger({}, 'error'), {
    ringing: () => {},
    answered: () => {},
    ended: (end) => {
      ends.push(end);
      dial.release(); // as a leg does in its end
    },
  });
  const started = dial.start();
  dial.hangup();
  expect(ends).toEqual([{ cause: 16, reason: 'Normal Clearing', by: 'local' }]);
  expect(ports.available).toBe(free - 1); // still bound: not handed out yet
  await started;
  await new Promise((r) => setTimeout(r, 100));
  expect(received).toEqual([]);
  expect(ports.available).toBe(free);
  expect(dial.rtp!.port).toBeGreaterThan(0);
  expect(ends).toHaveLength(1);
});

it('no free port: ends at once as the network’s, cause 34, and dials nothing', async () => {
  const { deps, received } = await setUp();
  const ends: DialEnd[] = [];
  const empty = new PortPool(39_021, 39_021); // odd bounds: no even port in range
  const dial = new OutboundDial({ ...deps, ports: empty }, { from: '1', to: '2', ringTimeoutS: 30 }, new Logger({}, 'error'), {
    ringing: () => {},
    answered: () => {},
    ended: (end) => ends.push(end),
  });
  await dial.start();
  expect(ends).toEqual([{ cause: 34, reason: 'No Circuit/Channel Available', by: 'network' }]);
  dial.release();
  await new Promise((r) => setTimeout(r, 50));
  expect(received).toEqual([]);
});
