// The wss stream's pure parts: the Twilio-style messages, the far end's audio
// cut into 20 ms μ-law frames on our clock, the server's audio queue with
// marks and clear, the bounded sender, and the URL rule. The sockets, TLS and
// SIPp are proved in stream-against-sipp.test.ts.
import { describe, expect, it } from 'vitest';
import { decodeG711, encodeG711 } from '../../../media-node/src/codec/g711.ts';
import { ReceiveFifo } from '../../../media-node/src/stream/receive-fifo.ts';
import { StreamPlayback } from '../../../media-node/src/stream/stream-playback.ts';
import { BoundedSender } from '../../../media-node/src/stream/bounded-sender.ts';
import { checkStreamUrl, redactedUrl } from '../../../media-node/src/stream/stream-target.ts';
import { connectedMessage, mediaMessage, parseServerMessage, startMessage, stopMessage } from '../../../media-node/src/stream/stream-messages.ts';

const sine = (n: number, f: number, amp = 8000) => Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * f * i) / 8000)));

describe('stream messages', () => {
  const id = { streamSid: 's-1', callSid: 'v-1', accountSid: 'app-1', broadcastId: 'b-1', customParameters: { booking_id: 12345 } };
  it('speaks the Twilio Media Streams shapes', () => {
    expect(JSON.parse(connectedMessage())).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(JSON.parse(startMessage(id, 1))).toEqual({
      event: 'start',
      sequenceNumber: '1',
      streamSid: 's-1',
      start: {
        accountSid: 'app-1',
        streamSid: 's-1',
        callSid: 'v-1',
        broadcast_id: 'b-1',
        tracks: ['inbound'],
        customParameters: { booking_id: 12345 },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    expect(JSON.parse(mediaMessage('s-1', 7, 6, 100, Buffer.from([1, 2, 3]).toString('base64')))).toEqual({
      event: 'media',
      sequenceNumber: '7',
      streamSid: 's-1',
      media: { track: 'inbound', chunk: '6', timestamp: '100', payload: 'AQID' },
    });
    expect(JSON.parse(stopMessage(id, 9))).toEqual({ event: 'stop', sequenceNumber: '9', streamSid: 's-1', stop: { accountSid: 'app-1', callSid: 'v-1' } });
  });

  it('accepts media, mark and clear from the server and says why it ignores anything else', () => {
    expect(parseServerMessage('{"event":"media","streamSid":"x","media":{"payload":"AQID"}}')).toEqual({ ok: true, message: { event: 'media', media: { payload: 'AQID' } } });
    expect(parseServerMessage('{"event":"mark","mark":{"name":"m1"}}')).toMatchObject({ ok: true, message: { mark: { name: 'm1' } } });
    expect(parseServerMessage('{"event":"clear","streamSid":"x"}')).toMatchObject({ ok: true, message: { event: 'clear' } });
    expect(parseServerMessage('nope')).toEqual({ ok: false, why: 'not JSON' });
    expect(parseServerMessage('null')).toMatchObject({ ok: false });
    expect(parseServerMessage('{"event":"start"}')).toMatchObject({ ok: false, why: expect.stringContaining('not one the node accepts') });
    expect(parseServerMessage('{"event":"media","media":{}}')).toMatchObject({ ok: false, why: expect.stringContaining('media.payload') });
    expect(parseServerMessage(JSON.stringify({ event: 'mark', mark: { name: 'x'.repeat(300) } }))).toMatchObject({ ok: false });
  });
});

describe('ReceiveFifo: the far end’s audio as 20 ms μ-law frames on our clock', () => {
  it('a PCMU call streams its own bytes unchanged', () => {
    const ulaw = encodeG711('PCMU', sine(1600, 1000));
    const fifo = new ReceiveFifo();
    fifo.push(decodeG711('PCMU', ulaw));
    const out = new Uint8Array(160);
    const frames: number[] = [];
    for (let i = 0; i < 10; i++) {
      expect(fifo.takeFrame(out)).toBe(160);
      frames.push(...out);
    }
    expect(Uint8Array.from(frames)).toEqual(ulaw);
  });

  it('a PCMA call streams μ-law within the codecs’ step size', () => {
    const pcm = sine(320, 700, 12000);
    const fifo = new ReceiveFifo();
    fifo.push(decodeG711('PCMA', encodeG711('PCMA', pcm)));
    const out = new Uint8Array(160);
    fifo.takeFrame(out);
    const back = decodeG711('PCMU', out);
    for (let i = 0; i < 160; i++) expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThanOrEqual(Math.max(64, Math.abs(pcm[i]!) * 0.1));
  });

  it('tops a short frame up with μ-law silence and bounds itself to one second', () => {
    const fifo = new ReceiveFifo();
    fifo.push(sine(100, 1000));
    const out = new Uint8Array(160);
    expect(fifo.takeFrame(out)).toBe(100);
    expect([...out.subarray(100)].every((b) => b === 0xff)).toBe(true);
    expect(fifo.takeFrame(out)).toBe(0);
    for (let i = 0; i < 60; i++) fifo.push(sine(160, 1000));
    expect(fifo.size).toBe(8000);
    expect(fifo.overrun).toBe(1600);
  });
});

describe('StreamPlayback: the server’s audio, marks and clear', () => {
  const ulaw = (n: number, f = 1000) => encodeG711('PCMU', sine(n, f));

  it('plays frame by frame and echoes a mark once the audio before it has been sent', () => {
    const marks: string[] = [];
    const p = new StreamPlayback(8000 * 60, (n) => marks.push(n));
    p.pushAudio(ulaw(200));
    p.mark('a');
    p.pushAudio(ulaw(160));
    p.mark('b');
    const frame = new Int16Array(160);
    expect(p.mixInto(frame)).toBe(true);
    expect(marks).toEqual([]);
    frame.fill(0);
    expect(p.mixInto(frame)).toBe(true); // 40 samples of the first chunk, 120 of the second: 'a' reached
    expect(marks).toEqual(['a']);
    frame.fill(0);
    expect(p.mixInto(frame)).toBe(true); // the last 40 samples, then 'b'
    expect(marks).toEqual(['a', 'b']);
    expect(p.mixInto(new Int16Array(160))).toBe(false);
  });

  it('echoes a mark at once when nothing is queued; clear drops audio and echoes waiting marks in order', () => {
    const marks: string[] = [];
    const p = new StreamPlayback(8000, (n) => marks.push(n));
    p.mark('now');
    expect(marks).toEqual(['now']);
    p.pushAudio(ulaw(4000));
    p.mark('x');
    p.pushAudio(ulaw(1000));
    p.mark('y');
    p.clear();
    expect(marks).toEqual(['now', 'x', 'y']);
    expect(p.queuedSamples).toBe(0);
    expect(p.mixInto(new Int16Array(160))).toBe(false);
  });

  it('mixes into what is already in the frame, saturating, and refuses audio beyond its bound', () => {
    const p = new StreamPlayback(1000, () => undefined);
    expect(p.pushAudio(encodeG711('PCMU', new Int16Array(800).fill(30000)))).toBe(true);
    expect(p.pushAudio(ulaw(400))).toBe(false);
    expect(p.droppedSamples).toBe(400);
    const frame = new Int16Array(160).fill(20000);
    p.mixInto(frame);
    expect(frame.every((v) => v === 32767)).toBe(true);
  });
});

describe('BoundedSender', () => {
  it('drops media (counted) while the socket is backed up; control messages always go', () => {
    const socket = { bufferedAmount: 0, out: [] as string[], send(d: string) { this.out.push(d); } };
    const sender = new BoundedSender(socket, 1000);
    expect(sender.media('m1')).toBe(true);
    socket.bufferedAmount = 5000;
    expect(sender.media('m2')).toBe(false);
    sender.control('mark');
    socket.bufferedAmount = 10;
    expect(sender.media('m3')).toBe(true);
    expect(socket.out).toEqual(['m1', 'mark', 'm3']);
    expect({ sent: sender.sent, dropped: sender.dropped }).toEqual({ sent: 2, dropped: 1 });
  });
});

describe('stream target', () => {
  it('opens only wss://, refuses credentials, and private literals unless allowed', () => {
    expect(checkStreamUrl('wss://ai.example.com/ws', false).host).toBe('ai.example.com');
    expect(() => checkStreamUrl('ws://ai.example.com/ws', true)).toThrow(/only wss/);
    expect(() => checkStreamUrl('wss://u:p@ai.example.com/ws', true)).toThrow(/credentials/);
    expect(() => checkStreamUrl('wss://127.0.0.1:9/ws', false)).toThrow(/private/);
    expect(() => checkStreamUrl('wss://[::1]:9/ws', false)).toThrow(/private/);
    expect(checkStreamUrl('wss://127.0.0.1:9/ws', true).port).toBe('9');
    expect(redactedUrl('wss://ai.example.com/ws?token=secret')).toBe('wss://ai.example.com/ws');
  });
});
