// The media node's Prometheus endpoint against real calls through SIPp: every metric
// named in media-node/README.md "Metrics" is exposed with its type and labels, call
// outcomes are counted by Q.850 cause, AMD verdicts by result; and who may scrape
// (a bearer token when METRICS_TOKEN is set, loopback otherwise; METRICS_BIND).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsAccess } from '../../../media-node/src/metrics/metrics-endpoint.ts';
import { ConfigError, loadConfig } from '../../../media-node/src/config/env.ts';
import { disconnectedOf, originate, startNodeAgainstSipp, toneRenderer, type NodeAgainstSipp } from './node-against-sipp.ts';
import { TEST_SECRET } from './fake-worker.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format: TYPE lines and samples. */
function parse(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

describe('media node metrics', () => {
  let t: NodeAgainstSipp;

  beforeAll(async () => {
    t = await startNodeAgainstSipp({ sipp: { port: 15780 }, sipPort: 15762, rtpMin: 36200, renderer: toneRenderer, env: { NODE_ID: 'metrics-node' } });
  });
  afterAll(async () => t?.close());

  it('counts set-ups, answers, failures by cause and AMD verdicts from real calls, and the RTP frames sent', async () => {
    const busy = originate('971501234561');
    const human = originate('971501234567', { amd: true, prompt_ref: 'tone-300' });
    const machine = originate('971501234565', { amd: true, prompt_ref: 'tone-300' });
    await t.worker.send(t.node.controlUrl, [busy.command, human.command, machine.command]);
    await t.worker.waitFor(() => [human, machine].every((c) => t.worker.eventsFor(c.voice_id).some((e) => e.type === 'playstate' && e.playstate === 'playfinished')), 30_000, 'both answered calls played');
    await t.worker.waitFor(() => disconnectedOf(t.worker, busy.voice_id) !== undefined, 15_000, 'busy ended');

    const during = parse(await (await fetch(t.node.metricsUrl)).text());
    expect(value(during.samples, 'crier_media_live_calls')).toBe(2);

    await t.worker.send(t.node.controlUrl, [human, machine].map((c) => ({ type: 'hangup' as const, command_id: `${c.voice_id}:hangup`, voice_id: c.voice_id, cause: 16 })));
    await t.worker.waitFor(() => [human, machine].every((c) => disconnectedOf(t.worker, c.voice_id) !== undefined), 15_000, 'hang-ups');

    const res = await fetch(t.node.metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parse(await res.text());

    const expected: Record<string, string> = {
      crier_media_live_calls: 'gauge',
      crier_media_bridged_calls: 'gauge',
      crier_media_call_setups_total: 'counter',
      crier_media_calls_answered_total: 'counter',
      crier_media_call_failures_total: 'counter',
      crier_media_calls_ended_total: 'counter',
      crier_media_amd_decisions_total: 'counter',
      crier_media_rtp_frames_sent_total: 'counter',
      crier_media_rtp_frames_late_total: 'counter',
      crier_media_rtp_frames_dropped_total: 'counter',
      crier_media_rtp_frames_send_failed_total: 'counter',
      crier_media_rtp_frame_lateness_p99_seconds: 'gauge',
      crier_media_rtp_frame_lateness_max_seconds: 'gauge',
      crier_media_rtp_ports_free: 'gauge',
      crier_media_streams_live: 'gauge',
      crier_media_stream_frames_dropped_total: 'counter',
      crier_media_recordings_pending_upload: 'gauge',
      crier_media_events_pending: 'gauge',
      crier_media_sip_registrations: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
      process_cpu_seconds_total: 'counter',
    };
    for (const [name, type] of Object.entries(expected)) expect(types.get(name), name).toBe(type);
    for (const s of samples) expect(s.labels.node_id, s.name).toBe('metrics-node');

    expect(value(samples, 'crier_media_live_calls')).toBe(0);
    expect(value(samples, 'crier_media_call_setups_total')).toBe(3);
    expect(value(samples, 'crier_media_calls_answered_total')).toBe(2);
    expect(value(samples, 'crier_media_call_failures_total', { cause: '17' })).toBe(1);
    expect(value(samples, 'crier_media_call_failures_total')).toBe(1);
    expect(value(samples, 'crier_media_calls_ended_total', { cause: '16' })).toBe(2);
    expect(value(samples, 'crier_media_calls_ended_total', { cause: '17' })).toBe(1);
    expect(value(samples, 'crier_media_amd_decisions_total', { result: 'HUMAN' })).toBe(1);
    expect(value(samples, 'crier_media_amd_decisions_total', { result: 'MACHINE' })).toBe(1);
    // The frames come from the scheduler's own counters, read at scrape time.
    expect(value(samples, 'crier_media_rtp_frames_sent_total')).toBe(t.node.scheduler.stats.frames);
    expect(value(samples, 'crier_media_rtp_frames_sent_total')).toBeGreaterThan(20);
    expect(value(samples, 'crier_media_recordings_pending_upload')).toBe(0);

    // The shipped Grafana dashboard asks only for metrics the node exposes.
    const dashboard = JSON.parse(readFileSync(new URL('../../../media-node/deploy/grafana-dashboard.json', import.meta.url), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const asked = dashboard.panels.flatMap((p) => p.targets.flatMap((q) => [...q.expr.matchAll(/\b(crier_media_\w+|nodejs_\w+)\{/g)].map((m) => m[1]!)));
    expect(asked.length).toBeGreaterThan(10);
    for (const name of asked) expect(types.has(name), `dashboard metric ${name}`).toBe(true);

    t.node.metrics.setSipRegistrations(3);
    expect(value(parse(await (await fetch(t.node.metricsUrl)).text()).samples, 'crier_media_sip_registrations')).toBe(3);
  });
});

describe('who may scrape', () => {
  it('a token, when one is set, is required everywhere; without one only loopback answers', () => {
    expect(metricsAccess(undefined, undefined, '127.0.0.1')).toEqual({ ok: true });
    expect(metricsAccess(undefined, undefined, '::1')).toEqual({ ok: true });
    expect(metricsAccess(undefined, undefined, '0.0.0.0')).toMatchObject({ ok: false, status: 403 });
    expect(metricsAccess(undefined, undefined, '10.0.0.5')).toMatchObject({ ok: false, status: 403 });
    expect(metricsAccess(undefined, TOKEN, '127.0.0.1')).toMatchObject({ ok: false, status: 401 });
    expect(metricsAccess(`Bearer ${TOKEN}x`, TOKEN, '0.0.0.0')).toMatchObject({ ok: false, status: 401 });
    expect(metricsAccess(`Bearer ${TOKEN}`, TOKEN, '0.0.0.0')).toEqual({ ok: true });
  });

  it('refuses to start with a metrics listener beyond loopback and no token', () => {
    const env = { WORKER_URL: 'http://127.0.0.1:1', MEDIA_SHARED_SECRET: TEST_SECRET, SIP_TRUNK_URI: 'sip:127.0.0.1:5080;transport=udp' };
    expect(() => loadConfig({ ...env, METRICS_BIND: '0.0.0.0:9464' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, METRICS_BIND: '0.0.0.0:9464' })).toThrow('METRICS_BIND ("0.0.0.0:9464"): is not a loopback address: set METRICS_TOKEN too');
    expect(loadConfig({ ...env, METRICS_BIND: '0.0.0.0:9464', METRICS_TOKEN: TOKEN }).METRICS_BIND).toBe('0.0.0.0:9464');
    expect(loadConfig({ ...env, METRICS_BIND: '[::1]:9464' }).METRICS_BIND).toBe('[::1]:9464');
    expect(() => loadConfig({ ...env, METRICS_BIND: '9464' })).toThrow('must be host:port');
  });

  it('enforces the token on a listener of its own (METRICS_BIND), and the control port then has no /metrics', async () => {
    const t = await startNodeAgainstSipp({ sipp: { port: 15781 }, sipPort: 15763, rtpMin: 36500, rtpPorts: 10, env: { METRICS_BIND: '127.0.0.1:0', METRICS_TOKEN: TOKEN } });
    try {
      expect(t.node.metricsUrl).not.toContain(new URL(t.node.controlUrl).port);
      const none = await fetch(t.node.metricsUrl);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect((await fetch(t.node.metricsUrl, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      const ok = await fetch(t.node.metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('crier_media_live_calls');
      expect((await fetch(`${t.node.controlUrl}/metrics`)).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('enforces the token on the control port too', async () => {
    const t = await startNodeAgainstSipp({ sipp: { port: 15782 }, sipPort: 15764, rtpMin: 36600, rtpPorts: 10, env: { METRICS_TOKEN: TOKEN } });
    try {
      expect(t.node.metricsUrl).toBe(`${t.node.controlUrl}/metrics`);
      expect((await fetch(t.node.metricsUrl)).status).toBe(401);
      expect((await fetch(t.node.metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
