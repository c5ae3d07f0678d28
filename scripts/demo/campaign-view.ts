/**
 * How the demo's campaign act reads on screen, and whether it passed: the
 * live status (a block redrawn in place on a terminal, one line every few
 * seconds in a CI log), the closing summary, and the verdict. Pure: the act
 * gathers the figures (API polls, webhooks, softphones) and prints these.
 */

export const FINAL_CONTACT_STATUSES = ['completed', 'failed', 'dnc'] as const;
const CONTACT_ORDER = ['pending', 'dialing', 'connected', 'completed', 'failed', 'dnc'] as const;

export interface DialerView {
  status: string;
  dial_level: number;
  reason: string;
  calls_in_flight: number;
  calls_waiting: number;
  calls_bridged: number;
  abandon_rate: { campaign: number | null; last_24_hours: number | null; last_30_days: number | null };
}

export interface LiveFigures {
  elapsedS: number;
  /** GET /v1/campaigns/{id}/dialer; null until the first answer. */
  dialer: DialerView | null;
  /** Each agent's floor state (and, from their softphone, whether they are talking now). */
  agents: Array<{ name: string; state: string; talking: boolean; calls: number }>;
  /** Contacts by status (GET /v1/campaigns/{id}/contacts). */
  contacts: Record<string, number>;
  /** From the webhooks: dials started, live answers, abandons. */
  initiated: number;
  answered: number;
  abandoned: number;
}

const pct = (fraction: number | null | undefined) => (fraction === null || fraction === undefined ? '–' : `${(fraction * 100).toFixed(1)} %`);

function contactsText(contacts: Record<string, number>, sep: string): string {
  return CONTACT_ORDER.map((s) => `${s} ${contacts[s] ?? 0}`).join(sep);
}

function agentText(a: LiveFigures['agents'][number]): string {
  const first = a.name.split(' ')[0]!;
  return `${first} ${a.state === 'on_call' && a.talking ? 'talking' : a.state} (${a.calls})`;
}

/** The live block for a terminal, redrawn in place each second. */
export function statusBlock(f: LiveFigures): string[] {
  const d = f.dialer;
  return [
    `  campaign    ${d?.status ?? 'starting'}, ${f.elapsedS.toFixed(0)} s`,
    `  dial level  ${d ? d.dial_level.toFixed(2) : '–'} lines per free agent — ${d?.reason ?? 'not started'}`,
    `  agents      ${f.agents.map(agentText).join(' · ')}   (calls taken)`,
    `  calls       ${d?.calls_in_flight ?? 0} ringing, ${d?.calls_waiting ?? 0} waiting for an agent, ${d?.calls_bridged ?? 0} bridged; ${f.initiated} dialled, ${f.answered} answered`,
    `  contacts    ${contactsText(f.contacts, ' · ')}`,
    `  abandoned   ${f.abandoned} of ${f.answered} live answers; abandon rate ${pct(d?.abandon_rate.campaign)} (target 3 %)`,
  ];
}

/** The same figures as one line, for logs that are not a terminal. */
export function statusLine(f: LiveFigures): string {
  const d = f.dialer;
  return (
    `level ${d ? d.dial_level.toFixed(2) : '–'} (${d?.reason ?? 'starting'}) | ` +
    `agents ${f.agents.map(agentText).join(', ')} | ` +
    `calls ${d?.calls_in_flight ?? 0} ringing, ${d?.calls_waiting ?? 0} waiting, ${d?.calls_bridged ?? 0} bridged | ` +
    `contacts ${contactsText(f.contacts, ', ')} | ` +
    `abandoned ${f.abandoned}/${f.answered} (${pct(d?.abandon_rate.campaign)})`
  );
}

export interface CampaignOutcome {
  expectedContacts: number;
  /** Every contact of the campaign as listed at the end. */
  contacts: Array<{ phone: string; status: string; attempts: number }>;
  /** campaign.completed deliveries for this campaign, de-duplicated by event id. */
  completedEvents: Array<Record<string, any>>;
  badSignatures: number;
}

/** Passed only if every contact reached a final status and campaign.completed arrived exactly once. */
export function campaignVerdict(o: CampaignOutcome): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  if (o.contacts.length !== o.expectedContacts) problems.push(`${o.contacts.length} contacts listed, ${o.expectedContacts} uploaded`);
  const open = o.contacts.filter((c) => !(FINAL_CONTACT_STATUSES as readonly string[]).includes(c.status));
  if (open.length > 0) {
    const sample = open.slice(0, 5).map((c) => `${c.phone} ${c.status} (${c.attempts} attempts)`).join(', ');
    problems.push(`${open.length} contacts not in a final status: ${sample}${open.length > 5 ? ', …' : ''}`);
  }
  if (o.completedEvents.length !== 1) problems.push(`campaign.completed arrived ${o.completedEvents.length} times (expected once)`);
  if (o.badSignatures > 0) problems.push(`${o.badSignatures} webhook deliveries with a bad signature`);
  return { ok: problems.length === 0, problems };
}

/** Counts of `values`, most frequent first. */
export function tally(values: readonly string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export interface SummaryInput {
  /** The campaign.completed payload. */
  completed: Record<string, any> | undefined;
  contacts: CampaignOutcome['contacts'];
  /** `outcome` of every call.completed of the campaign (completed, busy, no_answer, failed, abandoned, …). */
  callOutcomes: string[];
  agents: Array<{ name: string; calls: number; hungUpByAgent: number; hungUpByCaller: number }>;
  elapsedS: number;
}

/** The closing summary: the campaign.completed figures, then what they are made of. */
export function summaryLines(s: SummaryInput): string[] {
  const c = s.completed;
  const lines: string[] = [];
  if (c) {
    lines.push(`campaign.completed for ${c.campaign_id} ("${c.name}"):`);
    lines.push(`  contacts      ${c.total_contacts}: contacted ${c.contacted}, connected ${c.connected}; final status completed ${c.completed}, failed ${c.failed}, dnc ${c.dnc}`);
    lines.push(`  calls         ${c.calls} placed, ${c.abandoned} abandoned; abandon rate ${c.abandon_rate} % of live answers`);
  } else {
    lines.push('campaign.completed never arrived.');
  }
  lines.push(`  by status     ${tally(s.contacts.map((x) => x.status)).map(([k, n]) => `${k} ${n}`).join(', ')} (contact list)`);
  lines.push(`  attempts      ${tally(s.contacts.map((x) => `${x.attempts}`)).map(([k, n]) => `${n} contacts × ${k}`).join(', ')}`);
  lines.push(`  call outcomes ${tally(s.callOutcomes).map(([k, n]) => `${k} ${n}`).join(', ')} (call.completed webhooks)`);
  lines.push(`  agents        ${s.agents.map((a) => `${a.name} ${a.calls} calls (hung up ${a.hungUpByAgent}, caller hung up ${a.hungUpByCaller})`).join('; ')}`);
  lines.push(`  time taken    ${s.elapsedS.toFixed(1)} s`);
  return lines;
}
