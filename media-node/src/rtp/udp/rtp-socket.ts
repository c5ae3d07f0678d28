/**
 * A leg's RTP socket, whichever way it is implemented: the udp-io addon
 * (media-node/native, 6–8 µs of CPU per packet against 10–12) or Node's dgram (the
 * fallback where the addon could not be built). RTP_IO picks: `auto` uses the
 * addon when it loads, `native` insists on it, `dgram` never uses it.
 * Addresses are IPv4 as unsigned 32-bit numbers so neither path builds a
 * string per packet; the packet handed to a receiver is only valid during the
 * call (the native ring is reused), so receivers copy what they keep.
 */
import { ConfigError } from '../../config/env.ts';
import { openDgramRtpSocket } from './dgram-rtp-socket.ts';
import { loadUdpIo, openNativeRtpSocket } from './native-rtp-socket.ts';

export type RtpIoMode = 'auto' | 'native' | 'dgram';

export type PacketReceiver = (packet: Uint8Array, fromIp: number, fromPort: number) => void;

export interface RtpSocket {
  readonly port: number;
  /** Sends at once; false if the kernel refused it (a full socket buffer): dropped, as on the network, and counted by the caller. */
  send(packet: Uint8Array, ip: number, port: number): boolean;
  close(): void;
}

let mode: RtpIoMode = 'auto';

/** A configuration error: the operator asked for the addon on a machine where it is not built. */
export class RtpIoUnavailableError extends ConfigError {
  constructor(reason: string) {
    super(`invalid configuration: RTP_IO ("native"): the udp-io addon is not available (${reason}); build it with bash media-node/native/build.sh`);
    this.name = 'RtpIoUnavailableError';
  }
}

/** Chooses the implementation for sockets opened from now on; `native` fails here, at start-up, if the addon is missing. */
export function configureRtpIo(wanted: RtpIoMode): void {
  if (wanted === 'native') {
    const io = loadUdpIo();
    if ('error' in io) throw new RtpIoUnavailableError(io.error);
  }
  mode = wanted;
}

/** Which implementation new sockets get: for logs and benchmark reports. */
export function rtpIoInUse(): 'native' | 'dgram' {
  return mode !== 'dgram' && !('error' in loadUdpIo()) ? 'native' : 'dgram';
}

export async function openRtpSocket(host: string, port: number, receive: PacketReceiver): Promise<RtpSocket> {
  return rtpIoInUse() === 'native' ? openNativeRtpSocket(host, port, receive) : openDgramRtpSocket(host, port, receive);
}
