// Which contacts the dialer takes next (contact-rows.ts dueContacts): retries whose
// delay has run out come before contacts never dialled, so a long list does not hold
// a busy number's redial back until every other contact has been dialled once.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedDialerTenant } from '../../helpers/dialer.ts';
import { createCampaign, uaeMobiles, upload } from '../campaigns/fixtures.ts';
import { dueContacts } from '../../../../worker/src/durable/campaign-dialer/contact-rows.ts';

const NOW = '2026-12-05T09:00:00.000Z';

async function campaignWith(phones: string[]): Promise<{ campaignId: string; idOf: (phone: string) => Promise<string> }> {
  const t = await seedDialerTenant();
  const campaign = await createCampaign(t);
  await upload(t.supervisor, campaign.id, phones.map((phone) => ({ phone })));
  const idOf = async (phone: string) => (await env.DB.prepare('SELECT id FROM contacts WHERE campaign_id = ? AND phone = ?').bind(campaign.id, phone).first<{ id: string }>())!.id;
  return { campaignId: campaign.id, idOf };
}

const retryAt = (id: string, at: string) => env.DB.prepare('UPDATE contacts SET next_attempt_at = ?, attempts = 1 WHERE id = ?').bind(at, id).run();

describe('dueContacts', () => {
  it('takes due retries first (oldest due first), then never-dialled contacts in id order; not-yet-due retries wait', async () => {
    const phones = uaeMobiles(6, 500);
    const { campaignId, idOf } = await campaignWith(phones);
    const ids = await Promise.all(phones.map(idOf));
    await retryAt(ids[4]!, '2026-12-05T08:59:00.000Z');
    await retryAt(ids[5]!, '2026-12-05T08:30:00.000Z');
    await retryAt(ids[0]!, '2026-12-05T09:05:00.000Z'); // not due yet

    // Never-dialled contacts in id order (UUIDv7: upload order, to the millisecond).
    const fresh = [ids[1]!, ids[2]!, ids[3]!].sort();
    const order = (await dueContacts(env.DB, campaignId, NOW, 10)).map((c) => c.id);
    expect(order).toEqual([ids[5], ids[4], ...fresh]);
    expect((await dueContacts(env.DB, campaignId, NOW, 3)).map((c) => c.id)).toEqual([ids[5], ids[4], fresh[0]]);
    expect((await dueContacts(env.DB, campaignId, NOW, 10, [ids[5]!, fresh[0]!])).map((c) => c.id)).toEqual([ids[4], fresh[1], fresh[2]]);
  });

  it('answers the fields the dial needs and nothing for a zero limit', async () => {
    const { campaignId } = await campaignWith(uaeMobiles(1, 600));
    const [c] = await dueContacts(env.DB, campaignId, NOW, 1);
    expect(Object.keys(c!).sort()).toEqual(['attempts', 'custom_fields', 'first_name', 'id', 'last_name', 'phone']);
    expect(await dueContacts(env.DB, campaignId, NOW, 0)).toEqual([]);
  });
});
