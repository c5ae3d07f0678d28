/**
 * RTP sockets on the udp-io addon (media-node/native/udp-io.c): a bare
 * sendto() per packet, and one receive callback per batch of packets from all
 * sockets, read with recvmmsg into a ring shared with the addon. The
 * dispatcher below hands each packet to its socket's receiver as a view into
 * that ring, valid until the callback returns.
 */
import { createRequire } from 'node:module';
import type { PacketReceiver, RtpSocket } from './rtp-socket.ts';

interface UdpIoAddon {
  open(host: string, port: number): [fd: number, port: number];
  send(fd: number, packet: Uint8Array, ip: number, port: number): number;
  watch(fd: number, id: number): void;
  close(fd: number): void;
  startReceiving(ring: Uint8Array, slotBytes: number, meta: Int32Array, onBatch: (count: number) => void): void;
}

/** Room per packet: an Ethernet MTU; anything longer arrives flagged and is dropped. */
const SLOT_BYTES = 1536;
/**
 * Packets per batch. The addon reads this many before any is handled, so it
 * bounds how long a burst of arrivals can hold back a due send slot (about
 * 0.4 ms of recvmmsg for 256); the rest wait one turn of the event loop.
 */
const RING_SLOTS = 256;
const META_FIELDS = 4;

let loaded: { addon: UdpIoAddon } | { error: string } | null = null;

export function loadUdpIo(): { addon: UdpIoAddon } | { error: string } {
  if (!loaded) {
    try {
      loaded = { addon: createRequire(import.meta.url)('../../../native/build/udp-io.node') as UdpIoAddon };
    } catch (err) {
      loaded = { error: (err as Error).message.split('\n')[0]! };
    }
  }
  return loaded;
}

class Dispatcher {
  readonly #ring = new Uint8Array(SLOT_BYTES * RING_SLOTS);
  readonly #meta = new Int32Array(META_FIELDS * RING_SLOTS);
  readonly #receivers = new Map<number, PacketReceiver>();
  #nextId = 1;

  constructor(readonly addon: UdpIoAddon) {
    addon.startReceiving(this.#ring, SLOT_BYTES, this.#meta, this.#onBatch);
  }

  add(fd: number, receive: PacketReceiver): number {
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0x7fffffff ? 1 : this.#nextId + 1;
    this.#receivers.set(id, receive);
    this.addon.watch(fd, id);
    return id;
  }

  remove(id: number): void {
    this.#receivers.delete(id);
  }

  #onBatch = (count: number): void => {
    const meta = this.#meta;
    for (let i = 0; i < count; i++) {
      const m = i * META_FIELDS;
      const length = meta[m + 3]!;
      if (length < 0) continue;
      const receive = this.#receivers.get(meta[m]!);
      if (receive) receive(this.#ring.subarray(i * SLOT_BYTES, i * SLOT_BYTES + length), meta[m + 1]! >>> 0, meta[m + 2]!);
    }
  };
}

let dispatcher: Dispatcher | null = null;

export async function openNativeRtpSocket(host: string, port: number, receive: PacketReceiver): Promise<RtpSocket> {
  const io = loadUdpIo();
  if ('error' in io) throw new Error(`udp-io addon unavailable: ${io.error}`);
  const addon = io.addon;
  dispatcher ??= new Dispatcher(addon);
  const [fd, bound] = addon.open(host, port);
  const id = dispatcher.add(fd, receive);
  let open = true;
  return {
    port: bound,
    send: (packet, ip, toPort) => open && addon.send(fd, packet, ip, toPort) >= 0,
    close: () => {
      if (!open) return;
      open = false;
      dispatcher!.remove(id);
      addon.close(fd);
    },
  };
}
