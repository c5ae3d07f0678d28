// Both RTP socket implementations (the udp-io addon and the dgram fallback)
// against a plain dgram peer: what is sent arrives intact from the socket's own
// port, what arrives is handed over with its source, and close stops both.
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { openNativeRtpSocket, loadUdpIo } from '../../../media-node/src/rtp/udp/native-rtp-socket.ts';
import { openDgramRtpSocket } from '../../../media-node/src/rtp/udp/dgram-rtp-socket.ts';
import { ipv4ToNumber, numberToIpv4 } from '../../../media-node/src/rtp/udp/ipv4.ts';
import type { PacketReceiver, RtpSocket } from '../../../media-node/src/rtp/udp/rtp-socket.ts';

const LOOPBACK = ipv4ToNumber('127.0.0.1')!;
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
});

async function peer(): Promise<{ socket: Socket; port: number; got: Array<{ data: Buffer; port: number }> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  opened.push(socket);
  const got: Array<{ data: Buffer; port: number }> = [];
  socket.on('message', (data, rinfo) => got.push({ data, port: rinfo.port }));
  return { socket, port: socket.address().port, got };
}

const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
};

it('the addon is built on this machine (ensure-deps builds it; without it the node falls back to dgram)', () => {
  expect(loadUdpIo()).toHaveProperty('addon');
});

it('IPv4 numbers round-trip and names are refused', () => {
  expect(numberToIpv4(ipv4ToNumber('192.168.10.254')!)).toBe('192.168.10.254');
  expect(ipv4ToNumber('255.255.255.255')).toBe(0xffffffff);
  expect(ipv4ToNumber('carrier.example')).toBeNull();
});

describe.each([
  ['native', openNativeRtpSocket],
  ['dgram', openDgramRtpSocket],
] as const)('%s RTP socket', (_name, open: (host: string, port: number, receive: PacketReceiver) => Promise<RtpSocket>) => {
  it('binds the asked port, or a free one for 0, and refuses a port in use', async () => {
    const a = await open('127.0.0.1', 0, () => {});
    opened.push(a);
    expect(a.port).toBeGreaterThan(0);
    await expect(open('127.0.0.1', a.port, () => {})).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('sends packets intact from its own port and receives with the source address', async () => {
    const far = await peer();
    const received: Array<{ bytes: number[]; ip: string; port: number }> = [];
    const s = await open('127.0.0.1', 0, (packet, ip, port) => received.push({ bytes: [...packet], ip: numberToIpv4(ip), port }));
    opened.push(s);
    for (let i = 0; i < 20; i++) s.send(Uint8Array.from({ length: 172 }, (_, k) => (k + i) & 0xff), LOOPBACK, far.port);
    await until(() => far.got.length >= 20);
    expect(far.got).toHaveLength(20);
    expect(far.got.every((g) => g.port === s.port)).toBe(true);
    expect([...far.got[7]!.data]).toEqual(Array.from({ length: 172 }, (_, k) => (k + 7) & 0xff));

    for (let i = 0; i < 50; i++) far.socket.send(Buffer.from([0x80, i, 1, 2]), s.port, '127.0.0.1');
    await until(() => received.length >= 50);
    expect(received).toHaveLength(50);
    expect(received.map((r) => r.bytes[1])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(received[0]).toMatchObject({ ip: '127.0.0.1', port: far.port, bytes: [0x80, 0, 1, 2] });
  });

  it('after close, sends nothing and hands over nothing, and the port is free again', async () => {
    const far = await peer();
    let received = 0;
    const s = await open('127.0.0.1', 0, () => received++);
    const port = s.port;
    s.close();
    s.send(new Uint8Array(12), LOOPBACK, far.port);
    far.socket.send(Buffer.alloc(12), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    expect(far.got).toHaveLength(0);
    expect(received).toBe(0);
    const again = await open('127.0.0.1', port, () => {});
    opened.push(again);
    expect(again.port).toBe(port);
  });
});
