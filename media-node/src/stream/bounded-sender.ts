/**
 * Sends a stream's messages without letting a slow server grow the node's
 * memory: while more than `limitBytes` wait unsent in the socket, media
 * messages are dropped and counted (the server sees the gap in sequenceNumber
 * and chunk). Control messages (start, mark, dtmf, stop) always go: they are
 * few and the server's logic depends on them.
 */
export interface BufferedSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
}

export class BoundedSender {
  sent = 0;
  dropped = 0;

  constructor(
    private readonly socket: BufferedSocket,
    private readonly limitBytes: number,
  ) {}

  /** Sends a media message unless the socket is backed up; true if sent. */
  media(message: string): boolean {
    if (this.socket.bufferedAmount > this.limitBytes) {
      this.dropped++;
      return false;
    }
    this.socket.send(message);
    this.sent++;
    return true;
  }

  control(message: string): void {
    this.socket.send(message);
  }
}
