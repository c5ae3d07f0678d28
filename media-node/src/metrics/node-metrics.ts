/**
 * The media node's Prometheus metrics (prom-client), in a registry of its own so
 * several nodes can live in one process (tests, benchmarks). Nothing here runs
 * per RTP packet: frame counts stay in the scheduler's SendStats and the node's
 * own counters, and are read at scrape time by collect() callbacks; call
 * outcomes and AMD verdicts are counted from the events the node reports (a few
 * per call). Names and meanings: media-node/README.md "Metrics".
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MediaEvent } from '../../../worker/src/media-protocol/index.ts';
import type { SendStats } from '../rtp/send-stats.ts';
import type { StreamStats } from '../stream/stream-stats.ts';

/** What the node already counts, read at scrape time. */
export interface MetricSources {
  liveCalls(): number;
  bridgedCalls(): number;
  setupsTotal(): number;
  pendingUploads(): number;
  pendingEvents(): number;
  rtpPortsFree(): number;
  send: SendStats;
  streams: StreamStats;
}

/** The part of an event the metrics read (the reporter's event, before seq and at are stamped). */
export type ObservedEvent = Pick<MediaEvent, 'type' | 'voice_id'> & { cause?: number; answered_by?: 'HUMAN' | 'MACHINE' };

const PREFIX = 'crier_media_';

/** A counter whose value is another object's running total, read when scraped. */
function counterFrom(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name: PREFIX + name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function gaugeFrom(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name: PREFIX + name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export class NodeMetrics {
  readonly registry = new Registry();
  readonly #answered = new Set<string>();
  readonly #answeredTotal: Counter;
  readonly #failures: Counter<'cause'>;
  readonly #ended: Counter<'cause'>;
  readonly #amd: Counter<'result'>;
  readonly #registrations: Gauge;

  constructor(nodeId: string, sources: MetricSources) {
    const r = this.registry;
    r.setDefaultLabels({ node_id: nodeId });
    // Process and runtime metrics, event-loop delay (nodejs_eventloop_lag_*) among them.
    collectDefaultMetrics({ register: r, eventLoopMonitoringPrecision: 10 });

    gaugeFrom(r, 'live_calls', 'Call legs this node holds now (placing, ringing or answered).', sources.liveCalls);
    gaugeFrom(r, 'bridged_calls', 'Connects in progress or bridged now.', sources.bridgedCalls);
    counterFrom(r, 'call_setups_total', 'Originates this node accepted and started dialling.', sources.setupsTotal);
    this.#answeredTotal = new Counter({ name: `${PREFIX}calls_answered_total`, help: 'Call legs answered (by a person or a machine).', registers: [r] });
    this.#failures = new Counter({
      name: `${PREFIX}call_failures_total`,
      help: 'Call legs that ended without being answered, by Q.850 cause (17 busy, 19 no answer, 21 rejected, 41 temporary failure, ...).',
      labelNames: ['cause'],
      registers: [r],
    });
    this.#ended = new Counter({ name: `${PREFIX}calls_ended_total`, help: 'Call legs ended, answered or not, by Q.850 cause.', labelNames: ['cause'], registers: [r] });
    this.#amd = new Counter({ name: `${PREFIX}amd_decisions_total`, help: 'Answering-machine detection verdicts, by result.', labelNames: ['result'], registers: [r] });
    for (const result of ['HUMAN', 'MACHINE']) this.#amd.inc({ result }, 0);

    counterFrom(r, 'rtp_frames_sent_total', 'RTP frames sent (every leg, prompts, silence and bridged audio).', () => sources.send.frames);
    counterFrom(r, 'rtp_frames_late_total', 'RTP frames sent more than 5 ms after their due time.', () => sources.send.lateOver5ms);
    counterFrom(r, 'rtp_frames_dropped_total', 'RTP frames skipped because they were too far overdue after a stall.', () => sources.send.skipped);
    counterFrom(r, 'rtp_frames_send_failed_total', 'RTP frames the kernel refused (socket buffer full): lost.', () => sources.send.sendFailed);
    gaugeFrom(r, 'rtp_frame_lateness_p99_seconds', 'p99 of RTP frame lateness since the node started.', () => sources.send.latenessPercentile(0.99) / 1000);
    gaugeFrom(r, 'rtp_frame_lateness_max_seconds', 'Largest RTP frame lateness since the node started.', () => sources.send.maxLatenessMs / 1000);
    gaugeFrom(r, 'rtp_ports_free', 'RTP ports left in the configured range.', sources.rtpPortsFree);

    gaugeFrom(r, 'streams_live', 'wss media streams open now.', () => sources.streams.live);
    counterFrom(r, 'stream_frames_dropped_total', 'wss media messages dropped because the stream server did not read fast enough.', () => sources.streams.framesDropped);

    gaugeFrom(r, 'recordings_pending_upload', 'Recordings finished or stopped and not yet stored by the Worker (retries included).', sources.pendingUploads);
    gaugeFrom(r, 'events_pending', 'Call events not yet acknowledged by the Worker.', sources.pendingEvents);
    this.#registrations = new Gauge({ name: `${PREFIX}sip_registrations`, help: 'SIP endpoints (agents’ phones) currently registered with this node.', registers: [r] });
  }

  /** Counts call outcomes and AMD verdicts from an event the node reports; a few calls per leg, never per packet. */
  observeEvent(event: ObservedEvent): void {
    if (event.type === 'connected') {
      this.#answered.add(event.voice_id);
      this.#answeredTotal.inc();
      if (event.answered_by) this.#amd.inc({ result: event.answered_by });
    } else if (event.type === 'disconnected' && event.cause !== undefined) {
      const cause = String(event.cause);
      this.#ended.inc({ cause });
      if (!this.#answered.delete(event.voice_id)) this.#failures.inc({ cause });
    }
  }

  /** The registrar's hook: how many SIP endpoints are registered now. */
  setSipRegistrations(count: number): void {
    this.#registrations.set(count);
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
