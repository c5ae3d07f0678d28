/**
 * The benchmark's wss server, in its own process so its CPU is not counted as
 * the media node's: test/stream/stream-peer.ts in counting mode, echoing every
 * media frame back (a voice bot that talks all the time: the worst case for
 * the node's receive side). Started with child_process.fork; certificate and
 * key paths come in STREAM_SINK_CERT / STREAM_SINK_KEY. Over IPC it answers
 * {cmd: 'report'} with totals across connections, and exits on {cmd: 'exit'}.
 */
import { readFileSync } from 'node:fs';
import { startStreamPeer } from '../../test/stream/stream-peer.ts';

export interface SinkReport {
  connections: number;
  open: number;
  media: number;
  missingChunks: number;
  seqGaps: number;
  badTimestamps: number;
  late: number;
}

const peer = await startStreamPeer({
  cert: readFileSync(process.env.STREAM_SINK_CERT!, 'utf8'),
  key: readFileSync(process.env.STREAM_SINK_KEY!, 'utf8'),
  countOnly: true,
  echo: process.env.STREAM_SINK_ECHO !== '0',
});

function report(): SinkReport {
  const r: SinkReport = { connections: peer.connections.length, open: 0, media: 0, missingChunks: 0, seqGaps: 0, badTimestamps: 0, late: 0 };
  for (const c of peer.connections) {
    if (!c.closed) r.open++;
    r.media += c.counts.media;
    r.missingChunks += c.counts.missingChunks;
    r.seqGaps += c.counts.seqGaps;
    r.badTimestamps += c.counts.badTimestamps;
    r.late += c.counts.late;
  }
  return r;
}

process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'report') process.send!({ report: report() });
  if (m.cmd === 'exit') void peer.close().then(() => process.exit(0));
});
process.send!({ ready: true, url: peer.url('/bench') });
