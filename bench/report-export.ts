/**
 * POST /v1/reports/export of 100,000 call rows through a local `wrangler dev`
 * (real workerd, D1, R2): call_detail in csv, json and pdf (written to R2 and
 * fetched back from the signed URL) and the three summaries over the same
 * calls. Baselines measured in the same run on the same rows:
 *   - a plain SELECT of the rows out of the same D1 file (`wrangler d1 execute
 *     --json`; its fixed start-up cost measured with SELECT 1 and shown apart),
 *     serialised to CSV in Node with the same csv/duration code;
 *   - a client paging GET /v1/calls?limit=200 and writing CSV itself.
 * Memory: the Worker isolate's heap (V8 heap + ArrayBuffers, read over the
 * inspector): live (after a full GC) before each request, its peak during it
 * (an upper bound: samples include uncollected garbage) and live after it
 * show whether the export code keeps memory bounded; workerd's RSS is shown
 * too, but it also holds the local D1/R2 simulators and never gives pages back.
 *   flock /tmp/crier-telephony.lock npm run bench:export [-- --rows=100000 --formats=csv,json,pdf]
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchWorker, table } from './support/bench-stack.ts';
import { IsolateHeap } from './support/isolate-heap.ts';
import { tail } from '../scripts/stack/child-processes.ts';
import { DEMO } from '../scripts/seed-local.ts';
import { hashPasswordNode } from '../scripts/create-tenant.ts';
import { csvLine } from '../worker/src/reports/csv.ts';
import { durationSeconds, talkTimeSeconds } from '../worker/src/calls/call-metrics.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const ROWS = Number(arg('rows', '100000'));
const FORMATS = arg('formats', 'csv,json,pdf').split(',');
const EMAIL = 'bench-supervisor@example.test';
const PASSWORD = 'bench password 0123456789';
const START_MS = Date.parse('2026-06-01T00:00:00Z');
const FROM = '2026-06-01T00:00:00Z';
const TO = '2026-07-01T00:00:00Z';
const wrangler = join(process.cwd(), 'node_modules', '.bin', 'wrangler');
const quietEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

/** 100,000 calls in one statement: 5 campaigns, a broadcast, 20 agents, every status, spread over June. */
function seedSql(): string {
  const t = DEMO.tenantId;
  const now = new Date().toISOString();
  const hash = hashPasswordNode(PASSWORD);
  const agents = Array.from({ length: 20 }, (_, i) => `00000000-0000-7000-8000-a${String(i).padStart(11, '0')}`);
  const campaigns = Array.from({ length: 5 }, (_, i) => `00000000-0000-7000-8000-c${String(i).padStart(11, '0')}`);
  const broadcast = '00000000-0000-4000-8000-b00000000000';
  const pick = (list: string[], expr: string) => `CASE ${list.map((v, i) => `WHEN ${expr} = ${i} THEN '${v}'`).join(' ')} END`;
  return `
INSERT INTO users (id, tenant_id, email, full_name, role, password_hash, created_at)
  VALUES ('00000000-0000-7000-8000-500000000000', '${t}', '${EMAIL}', 'Bench Supervisor', 'supervisor', '${hash}', '${now}');
${agents.map((id, i) => `INSERT INTO users (id, tenant_id, email, full_name, role, password_hash, created_at) VALUES ('${id}', '${t}', 'agent${i}@example.test', 'Agent ${i}', 'agent', '${hash}', '${now}');`).join('\n')}
${campaigns.map((id, i) => `INSERT INTO campaigns (id, tenant_id, name, status, dialing_mode, cli_group_id, max_attempts, retry_delay_minutes, dial_ratio, timezone, created_at) VALUES ('${id}', '${t}', 'Campaign ${i}', 'active', 'progressive', 'x', 3, 60, 1.5, 'Asia/Dubai', '${now}');`).join('\n')}
INSERT INTO broadcasts (id, tenant_id, app_id, name, owner_ref, from_number, event_url, call_handler_url, status, dialled_count, blacklisted_count, country_not_allowed_count, created_at)
  VALUES ('${broadcast}', '${t}', '${DEMO.appId}', 'Bench broadcast', 'bench', '12012774877', 'http://127.0.0.1:9/e', 'http://127.0.0.1:9/e', 'completed', 0, 0, 0, '${now}');
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${ROWS - 1}),
shaped AS (
  SELECT i,
    CASE WHEN i % 10 < 5 THEN 'completed' WHEN i % 10 < 7 THEN 'no_answer' WHEN i % 10 = 7 THEN 'busy' WHEN i % 10 = 8 THEN 'failed' ELSE 'voicemail' END AS status,
    ${START_MS / 1000} + i * (2592000.0 / ${ROWS}) AS t0
  FROM seq)
INSERT INTO calls (id, tenant_id, broadcast_id, campaign_id, agent_id, contact_phone, from_number, direction, status, disposition,
  started_at, answered_at, ended_at, recording_id)
SELECT printf('0191aaaa-0000-7000-8000-%012d', i), '${t}',
  CASE WHEN i % 7 = 5 THEN '${broadcast}' END,
  CASE WHEN i % 7 < 5 THEN ${pick(campaigns, 'i % 7')} END,
  CASE WHEN i % 7 <> 5 THEN ${pick(agents, 'i % 20')} END,
  printf('+9715%08d', i), '+12012774877', 'outbound', status,
  CASE WHEN status = 'completed' AND i % 7 <> 5 THEN CASE i % 3 WHEN 0 THEN 'sale' WHEN 1 THEN 'callback' ELSE 'not_interested' END END,
  strftime('%Y-%m-%dT%H:%M:%fZ', t0, 'unixepoch'),
  CASE WHEN status IN ('completed', 'voicemail') THEN strftime('%Y-%m-%dT%H:%M:%fZ', t0 + 8, 'unixepoch') END,
  strftime('%Y-%m-%dT%H:%M:%fZ', t0 + CASE WHEN status IN ('completed', 'voicemail') THEN 8 + i % 300 ELSE 20 END, 'unixepoch'),
  CASE WHEN i % 10 = 0 THEN printf('rec-%d', i) END
FROM shaped;
`;
}

function d1(persistDir: string, args: string[]): string {
  return execFileSync(wrangler, ['d1', 'execute', 'DB', '--local', '--persist-to', persistDir, ...args], { env: quietEnv, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** Peak RSS (MB) of the workerd processes (Worker + local D1/R2) in the Worker's process group while `work` runs. */
async function withPeakRss<T>(pgid: number, work: () => Promise<T>): Promise<{ value: T; beforeMb: number; peakMb: number }> {
  const rss = () => {
    let kb = 0;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid || !stat.includes('(workerd)')) continue;
        kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        // The process ended between listing and reading.
      }
    }
    return kb / 1024;
  };
  const before = rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rss())), 50);
  try {
    const value = await work();
    return { value, beforeMb: before, peakMb: Math.max(peak, rss()) };
  } finally {
    clearInterval(timer);
  }
}

interface CallRow {
  id: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  status: string;
  disposition: string | null;
  contact_phone: string;
  campaign_id: string | null;
  agent_id: string | null;
}

function nodeCsv(rows: CallRow[]): string {
  let out = csvLine(['Call ID', 'Started At', 'Answered At', 'Ended At', 'Status', 'Disposition', 'Contact Phone', 'Campaign ID', 'Agent ID', 'Duration (s)', 'Talk Time (s)']);
  for (const r of rows) {
    const timing = { startedAt: r.started_at, answeredAt: r.answered_at, endedAt: r.ended_at };
    out += csvLine([r.id, r.started_at, r.answered_at ?? '', r.ended_at ?? '', r.status, r.disposition ?? '', r.contact_phone, r.campaign_id ?? '', r.agent_id ?? '', String(durationSeconds(timing) ?? ''), String(talkTimeSeconds(timing) ?? '')]);
  }
  return out;
}

const worker = await startBenchWorker({
  prepare: async (dir) => {
    const file = join(dir, 'bench-calls.sql');
    writeFileSync(file, seedSql());
    const t0 = performance.now();
    d1(dir, ['--file', file]);
    console.error(`seeded ${ROWS} calls in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  },
});
const heap = await IsolateHeap.connect(worker.inspectorPort).catch(async (err: unknown) => {
  await worker.stop();
  throw err;
});
/**
 * `work`'s time and both memory figures: the isolate's heap (outer, since
 * its GC'd readings take a heap snapshot that must stay out of the timing and
 * the RSS) and workerd's RSS while `work` runs.
 */
const measured = async <T>(work: () => Promise<T>) => {
  let ms = 0;
  const heapRun = await heap.during(() =>
    withPeakRss(worker.pid, async () => {
      const t0 = performance.now();
      const value = await work();
      ms = performance.now() - t0;
      return value;
    }),
  );
  const { value, beforeMb, peakMb } = heapRun.value;
  return {
    value,
    ms,
    memory: {
      'isolate heap MB live → peak → live': `${heapRun.beforeMb.toFixed(1)} → ${heapRun.peakMb.toFixed(1)} → ${heapRun.afterMb.toFixed(1)}`,
      'workerd RSS MB before → peak': `${beforeMb.toFixed(0)} → ${peakMb.toFixed(0)}`,
    },
  };
};
try {
  const login = await fetch(`${worker.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const { access_token } = (await login.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${access_token}` };

  const rows: Array<Record<string, string | number>> = [];
  const exportOnce = async (report_type: string, format: string) => {
    const {
      value: { res, body },
      ms: exportMs,
      memory,
    } = await measured(async () => {
      const res = await fetch(`${worker.url}/v1/reports/export`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ report_type, format, from: FROM, to: TO }) });
      return { res, body: (await res.json()) as { rows: number; download_url?: string; data?: unknown } };
    });
    if (res.status !== 200) throw new Error(`${report_type}/${format} answered ${res.status}: ${JSON.stringify(body)}`);
    let bytes = JSON.stringify(body.data ?? '').length;
    let downloadMs = 0;
    if (body.download_url) {
      const t1 = performance.now();
      const file = await fetch(body.download_url, { signal: AbortSignal.timeout(120_000) });
      bytes = (await file.arrayBuffer()).byteLength;
      downloadMs = performance.now() - t1;
      if (file.status !== 200) throw new Error(`download of ${report_type}/${format} answered ${file.status}`);
    }
    rows.push({
      what: `export ${report_type} ${format}`,
      rows: body.rows,
      'export s': (exportMs / 1000).toFixed(2),
      'download s': body.download_url ? (downloadMs / 1000).toFixed(2) : 'inline',
      MB: (bytes / 1e6).toFixed(1),
      'rows/s': Math.round(body.rows / ((exportMs + downloadMs) / 1000)),
      ...memory,
    });
  };

  for (const format of FORMATS) await exportOnce('call_detail', format);
  for (const type of ['campaign_summary', 'agent_performance', 'disposition_summary']) await exportOnce(type, 'csv');

  // Baseline: a client paging GET /v1/calls (200 a page) and writing the CSV itself.
  const paged: CallRow[] = [];
  let cursor: string | null = null;
  let requests = 0;
  const { ms: fetchMs, memory: pagingMemory } = await measured(async () => {
    do {
      const res: Response = await fetch(`${worker.url}/v1/calls?limit=200&from=${FROM}&to=${TO}${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
      if (res.status !== 200) throw new Error(`GET /v1/calls answered ${res.status}: ${await res.text()}`);
      const page = (await res.json()) as { items: CallRow[]; next_cursor: string | null };
      paged.push(...page.items);
      cursor = page.next_cursor;
      requests++;
    } while (cursor);
  });
  let t = performance.now();
  const pagedCsv = nodeCsv(paged);
  const pagingMs = fetchMs + performance.now() - t;
  rows.push({
    what: `baseline: GET /v1/calls ×${requests} + Node CSV`,
    rows: paged.length,
    'export s': (pagingMs / 1000).toFixed(2),
    'download s': '-',
    MB: (pagedCsv.length / 1e6).toFixed(1),
    'rows/s': Math.round(paged.length / (pagingMs / 1000)),
    ...pagingMemory,
  });

  // Baseline: the same rows with a plain SELECT out of the same D1 file, serialised to CSV in Node.
  const select = `SELECT id, started_at, answered_at, ended_at, status, disposition, contact_phone, campaign_id, agent_id FROM calls WHERE tenant_id = '${DEMO.tenantId}' ORDER BY started_at, id`;
  // On a copy of the D1 files, so wrangler's own Miniflare never shares a live SQLite file with wrangler dev.
  const copy = mkdtempSync(join(tmpdir(), 'crier-bench-d1-'));
  cpSync(join(worker.persistDir, 'v3', 'd1'), join(copy, 'v3', 'd1'), { recursive: true });
  t = performance.now();
  d1(copy, ['--json', '--command', 'SELECT 1']);
  const fixedMs = performance.now() - t;
  t = performance.now();
  const selected = (JSON.parse(d1(copy, ['--json', '--command', select])) as Array<{ results: CallRow[] }>)[0]!.results;
  const selectMs = performance.now() - t;
  t = performance.now();
  const csv = nodeCsv(selected);
  const serialiseMs = performance.now() - t;
  rmSync(copy, { recursive: true, force: true });
  // With few rows the start-up's own jitter can exceed the query: then only the total means anything.
  const workMs = selectMs - fixedMs + serialiseMs;
  const s = (ms: number) => (ms / 1000).toFixed(2);
  rows.push({
    what: 'baseline: wrangler d1 SELECT + Node CSV',
    rows: selected.length,
    'export s': workMs > 0 ? `${s(workMs)} (+${s(fixedMs)} start-up)` : `${s(selectMs + serialiseMs)} incl. start-up`,
    'download s': '-',
    MB: (csv.length / 1e6).toFixed(1),
    'rows/s': workMs > 0 ? Math.round(selected.length / (workMs / 1000)) : '-',
    'isolate heap MB live → peak → live': '-',
    'workerd RSS MB before → peak': '-',
  });

  console.log(`\nReport export of ${ROWS.toLocaleString('en')} call rows (wrangler dev: local workerd, D1, R2)\n`);
  console.log(table(rows));
} catch (err) {
  console.error(`bench failed; the Worker's log ends:\n${tail(join(worker.persistDir, 'worker.log'), 40)}`);
  throw err;
} finally {
  heap.close();
  await worker.stop();
}
