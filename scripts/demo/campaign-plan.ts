/**
 * What the demo's campaign act sets up, as data: the contact list (each
 * number's last digit picks its fate at the simulated carrier,
 * test/sipp/carrier.xml), the campaign and its dialer settings, and the
 * agents' handle time. Kept apart from the act's I/O so the mix and the
 * settings the demo prints are the ones it uses, and are checked by a test.
 */

/** Carrier outcome by the dialled number's last digit (test/sipp/carrier.xml). */
export const CARRIER_LINES: Record<string, string> = {
  '0': 'person',
  '7': 'person',
  '9': 'person',
  '6': 'person who hangs up after 4 s',
  '1': 'busy (486)',
  '2': 'no answer (rings out)',
  '3': 'declines (603)',
  '4': 'unavailable (480)',
};

/**
 * Twenty last digits, repeated over the list: 35 % answered by a person (one
 * in seven of them hangs up on the agent), 25 % busy, 20 % declined, 15 %
 * unavailable, 5 % ringing out. Few ring out because each such attempt holds
 * a line for the whole ring time (15 s) and an agent with it while the
 * dialer is still progressive. No answering machines: the demo runs without
 * AMD (a person's answer would otherwise wait for the AMD verdict).
 */
export const LAST_DIGITS = '01371493160134721394';

export const CAMPAIGN_CONTACTS = 300;

/** The campaign as created (POST /v1/campaigns), minus its name and CLI group. */
export const CAMPAIGN = { dialing_mode: 'predictive', max_attempts: 2, retry_delay_minutes: 1 } as const;

/** Its dialer settings (PUT /v1/campaigns/{id}/dialer-settings): short retries so every contact finishes in minutes. */
export const DIALER_SETTINGS = {
  ring_timeout_s: 15,
  amd: false,
  retry_delay_seconds: 5,
  abandon_target_percent: 3,
  max_lines_per_agent: 3,
} as const;

/** How long an agent talks before hanging up, seconds (uniform); the caller may hang up first. */
export const HANDLE_TIME_S = { min: 2, max: 4 } as const;

export const AGENTS = [
  { key: 'layla', fullName: 'Layla Ahmed', sipUser: 'agent_1001', greeting: 'Hello, this is Layla at Crier. How can I help you today?' },
  { key: 'omar', fullName: 'Omar Haddad', sipUser: 'agent_1002', email: 'omar@demo.crier.test', greeting: 'Good afternoon, Omar speaking, from Crier.' },
  { key: 'sara', fullName: 'Sara Nasser', sipUser: 'agent_1003', email: 'sara@demo.crier.test', greeting: 'Hi, this is Sara from Crier, thanks for picking up.' },
] as const;

export interface DemoContact {
  phone: string;
  first_name: string;
  last_name: string;
  custom_fields: { line: string };
}

const FIRST = ['Ahmed', 'Fatima', 'Yousef', 'Mariam', 'Khalid', 'Noura', 'Omar', 'Aisha', 'Hassan', 'Layla', 'Saeed', 'Huda'];
const LAST = ['Al Mansoori', 'Haddad', 'Nasser', 'Rahman', 'Al Suwaidi', 'Karim', 'Farouk', 'Saleh'];

/** `count` UAE mobile numbers, +971502NNNNND, whose last digit D follows LAST_DIGITS. */
export function demoContacts(count = CAMPAIGN_CONTACTS): DemoContact[] {
  return Array.from({ length: count }, (_, i) => {
    const digit = LAST_DIGITS[i % LAST_DIGITS.length]!;
    return {
      phone: `+971502${String(i).padStart(5, '0')}${digit}`,
      first_name: FIRST[i % FIRST.length]!,
      last_name: LAST[(i * 5) % LAST.length]!,
      custom_fields: { line: CARRIER_LINES[digit]! },
    };
  });
}

/** Contacts per carrier outcome, for the demo's opening lines. */
export function lineMix(contacts: readonly DemoContact[]): Array<{ line: string; contacts: number }> {
  const counts = new Map<string, number>();
  for (const c of contacts) counts.set(c.custom_fields.line, (counts.get(c.custom_fields.line) ?? 0) + 1);
  return [...counts].map(([line, n]) => ({ line, contacts: n })).sort((a, b) => b.contacts - a.contacts);
}

/** The settings line the demo prints before it starts, so a reader knows why it finishes in minutes. */
export function settingsLine(): string {
  return (
    `predictive, max_attempts ${CAMPAIGN.max_attempts}, retry after ${DIALER_SETTINGS.retry_delay_seconds} s (dialer setting retry_delay_seconds), ` +
    `ring ${DIALER_SETTINGS.ring_timeout_s} s, abandon target ${DIALER_SETTINGS.abandon_target_percent} %, ` +
    `at most ${DIALER_SETTINGS.max_lines_per_agent} lines per agent, AMD off; agents talk ${HANDLE_TIME_S.min}–${HANDLE_TIME_S.max} s then hang up`
  );
}
