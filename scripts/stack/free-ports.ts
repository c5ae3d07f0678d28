/**
 * Refuses to start the local stack on ports something else holds. Without
 * this, a stack started beside a stale one attached to the old Worker (its
 * /healthz answered) and printed "ready". Each port is tried by binding it
 * the way its user will (TCP listen or UDP bind) and released at once.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

export interface NeededPort {
  port: number;
  protocol: 'tcp' | 'udp';
  /** What uses it, for the message: "the Worker API". */
  what: string;
  /** The variable that moves it, if any. */
  setting?: string;
}

function bindable({ port, protocol }: NeededPort): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'tcp') {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    } else {
      const socket = createSocket('udp4');
      socket.once('error', () => {
        socket.close();
        resolve(false);
      });
      socket.bind({ port, address: '127.0.0.1', exclusive: true }, () => socket.close(() => resolve(true)));
    }
  });
}

/** Throws naming every needed port already in use, and how to move it. */
export async function assertPortsFree(ports: readonly NeededPort[]): Promise<void> {
  const taken: NeededPort[] = [];
  for (const p of ports) if (!(await bindable(p))) taken.push(p);
  if (taken.length === 0) return;
  const list = taken.map((p) => `${p.protocol.toUpperCase()} port ${p.port} (${p.what}${p.setting ? `; move it with ${p.setting}` : ''})`).join(', ');
  throw new Error(`already in use: ${list}. Another Crier stack (or something else) is running there: stop it first, or move the port.`);
}
