/**
 * Time to upload 10,000 contacts to a campaign through a local `wrangler dev`
 * (real workerd and Miniflare D1), beside baselines measured in the same run:
 *   - 1 contact: the fixed cost of a request (auth, rate limit, campaign lookup);
 *   - the same 10,000 again: everything but the writes (every row a duplicate);
 *   - Node parsing the same JSON and normalising every number with the same
 *     libphonenumber-js metadata: the floor for validation alone.
 * Then search latency over the contacts uploaded (a name and a phone prefix).
 *   npm run bench:contacts [-- --rows=10000 --runs=3]
 * Run it under the shared lock (flock /tmp/crier-telephony.lock …): it starts wrangler dev.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { startBenchWorker, table } from './support/bench-stack.ts';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROWS = arg('rows', 10_000);
const RUNS = arg('runs', 3);
const PLATFORM_TOKEN = `bench-platform-token-${crypto.randomUUID()}`;

/** A realistic list: half local UAE format, half E.164, names, three custom fields. */
function contacts(n: number, offset: number) {
  return Array.from({ length: n }, (_, i) => {
    const serial = String(offset + i).padStart(7, '0');
    return {
      phone: i % 2 === 0 ? `050 ${serial.slice(0, 3)} ${serial.slice(3)}` : `+97152${serial}`,
      first_name: i % 3 === 0 ? 'أحمد' : `Name${i}`,
      last_name: 'Al Rashid',
      custom_fields: { account_number: `ACC-${offset + i}`, policy_type: 'comprehensive', renewal_date: '2026-07-15' },
    };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const worker = await startBenchWorker({ vars: { PLATFORM_ADMIN_TOKEN: PLATFORM_TOKEN } });
try {
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(worker.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const admin = { email: 'bench-admin@example.test', full_name: 'Bench Admin', password: 'bench password 0123' };
  await api('POST', '/v1/platform/tenants', PLATFORM_TOKEN, { name: 'Bench', timezone: 'Asia/Dubai', admin });
  const login = await fetch(`${worker.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: admin.email, password: admin.password }) });
  const token = ((await login.json()) as { access_token: string }).access_token;
  const group = (await api('POST', '/v1/cli-groups', token, { name: 'Bench lines', numbers: ['+97145550001'] })).id as string;
  const newCampaign = async () => (await api('POST', '/v1/campaigns', token, { name: 'Bench', dialing_mode: 'progressive', cli_group_id: group })).id as string;

  const timed = async (path: string, text: string) => {
    const t0 = performance.now();
    const result = await api('POST', path, token, text);
    return { ms: performance.now() - t0, result };
  };

  const single = JSON.stringify({ contacts: contacts(1, 9_000_000) });
  const oneMs: number[] = [];
  const freshMs: number[] = [];
  const repeatMs: number[] = [];
  const nodeMs: number[] = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const text = JSON.stringify({ contacts: contacts(ROWS, run * ROWS) });
    bytes = text.length;
    const campaign = await newCampaign();
    oneMs.push((await timed(`/v1/campaigns/${await newCampaign()}/contacts`, single)).ms);
    const fresh = await timed(`/v1/campaigns/${campaign}/contacts`, text);
    if (fresh.result.imported !== ROWS) throw new Error(`fresh upload imported ${String(fresh.result.imported)}`);
    freshMs.push(fresh.ms);
    const again = await timed(`/v1/campaigns/${campaign}/contacts`, text);
    if (again.result.duplicates_skipped !== ROWS) throw new Error(`repeat upload skipped ${String(again.result.duplicates_skipped)}`);
    repeatMs.push(again.ms);

    const t0 = performance.now();
    const parsed = JSON.parse(text) as { contacts: Array<{ phone: string }> };
    const seen = new Set<string>();
    for (const c of parsed.contacts) {
      const p = parsePhoneNumberFromString(c.phone.trim(), { defaultCountry: 'AE', extract: false });
      if (p?.isValid()) seen.add(p.number);
    }
    if (seen.size !== ROWS) throw new Error(`node baseline read ${seen.size} numbers`);
    nodeMs.push(performance.now() - t0);
  }

  const searchMs = async (q: string) => {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      total = (await api('POST', '/v1/contacts/search', token, { q, limit: 20 })).total as number;
      times.push(performance.now() - t0);
    }
    return { ms: median(times), total };
  };
  const byName = await searchMs('Name123');
  const byPhone = await searchMs('050 000 12');
  const arabic = await searchMs('احمد');

  console.log(`\nContact upload (wrangler dev, local D1; ${ROWS.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(2)} MB; median of ${RUNS} runs)\n`);
  console.log(
    table([
      { what: `upload ${ROWS.toLocaleString('en')} new contacts`, ms: median(freshMs).toFixed(0), 'rows/s': Math.round(ROWS / (median(freshMs) / 1000)) },
      { what: `baseline: same ${ROWS.toLocaleString('en')} again (all duplicates, no writes)`, ms: median(repeatMs).toFixed(0), 'rows/s': Math.round(ROWS / (median(repeatMs) / 1000)) },
      { what: 'baseline: upload 1 contact (per-request cost)', ms: median(oneMs).toFixed(0), 'rows/s': '-' },
      { what: 'baseline: Node JSON.parse + libphonenumber normalise', ms: median(nodeMs).toFixed(0), 'rows/s': Math.round(ROWS / (median(nodeMs) / 1000)) },
    ]),
  );
  console.log(`\nSearch over ${(RUNS * ROWS).toLocaleString('en')} contacts (median of 15)\n`);
  console.log(
    table([
      { query: 'Name123 (name prefix)', ms: byName.ms.toFixed(1), total: byName.total },
      { query: '050 000 12 (phone prefix)', ms: byPhone.ms.toFixed(1), total: byPhone.total },
      { query: 'احمد (Arabic name, a third of rows)', ms: arabic.ms.toFixed(1), total: arabic.total },
    ]),
  );
} finally {
  await worker.stop();
}
