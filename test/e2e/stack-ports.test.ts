// `npm run stack` beside something already listening: it refuses to start and
// names the port, instead of attaching to the stale server and saying "ready".
// Nothing is started: the check runs before any process.
import { createServer, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack } from '../../scripts/stack/stack.ts';
import { assertPortsFree } from '../../scripts/stack/free-ports.ts';

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

function holdTcp(): Promise<number> {
  return new Promise((resolve) => {
    const server: Server = createServer().listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    closers.push(() => server.close());
  });
}

function holdUdp(): Promise<number> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => resolve(socket.address().port));
    closers.push(() => socket.close());
  });
}

describe('stack port check', () => {
  it('refuses a Worker port something answers on, naming it and its setting', async () => {
    const port = await holdTcp();
    await expect(startStack({ ports: { worker: port }, trunkUri: 'sip:carrier.example.net:5060' })).rejects.toThrow(
      new RegExp(`TCP port ${port} \\(the Worker API; move it with CRIER_WORKER_PORT\\)`),
    );
  });

  it('names a taken UDP port (the media node SIP) too', async () => {
    const port = await holdUdp();
    await expect(assertPortsFree([{ port, protocol: 'udp', what: "the media node's SIP" }])).rejects.toThrow(`UDP port ${port} (the media node's SIP)`);
  });

  it('passes free ports', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    await expect(assertPortsFree([{ port, protocol: 'tcp', what: 'x' }])).resolves.toBeUndefined();
  });
});
