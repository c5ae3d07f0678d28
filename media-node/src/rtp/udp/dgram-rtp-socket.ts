/**
 * RTP over Node's dgram: the fallback when the udp-io addon is not built.
 * About 9.9 us of CPU per packet sent and 11.8 us per packet received on the
 * development machine, against 7.6 and 6.2 us with the addon
 * (`npm run bench:rtp-socket`, docs/benchmarks.md).
 */
import { createSocket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIPv4 } from 'node:net';
import { ipv4ToNumber, numberToIpv4 } from './ipv4.ts';
import type { PacketReceiver, RtpSocket } from './rtp-socket.ts';

/**
 * dgram resolves the destination of every send through dns.lookup, which
 * answers even an IP literal on the next tick; answer literals at once.
 */
const ipLiteralLookup: SocketOptions['lookup'] = (hostname, options, callback) => {
  if (isIPv4(hostname)) callback(null, hostname, 4);
  else dnsLookup(hostname, options, callback);
};

export async function openDgramRtpSocket(host: string, port: number, receive: PacketReceiver): Promise<RtpSocket> {
  const socket = createSocket({ type: 'udp4', lookup: ipLiteralLookup });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
  socket.on('message', (buf, rinfo) => receive(buf, ipv4ToNumber(rinfo.address) ?? 0, rinfo.port));
  let open = true;
  return {
    port: socket.address().port,
    // dgram may keep the buffer until the send completes: the caller rotates its packet buffers (RtpStream's ring).
    // dgram reports a failed send later (an 'error' event), so it always answers true here.
    send: (packet, ip, toPort) => {
      if (open) socket.send(packet, toPort, numberToIpv4(ip));
      return open;
    },
    close: () => {
      if (!open) return;
      open = false;
      socket.close();
    },
  };
}
