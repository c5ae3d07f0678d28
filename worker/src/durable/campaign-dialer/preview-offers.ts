/**
 * Preview mode's open offers, in the CampaignDialer's SQLite: at most one per
 * agent, each a contact nobody else is offered and the engine does not dial
 * meanwhile. An offer holds until the agent accepts or skips it.
 */
import type { DueContact } from './contact-rows.ts';

export interface PreviewOffer {
  agentId: string;
  contact: DueContact;
  offeredAtMs: number;
}

interface Row extends Record<string, SqlStorageValue> {
  agent_id: string;
  contact_id: string;
  data: string;
  offered_at_ms: number;
}

export class PreviewOffers {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS preview_offers (agent_id TEXT PRIMARY KEY, contact_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL, offered_at_ms INTEGER NOT NULL)');
  }

  ofAgent(agentId: string): PreviewOffer | null {
    const row = this.sql.exec<Row>('SELECT * FROM preview_offers WHERE agent_id = ?', agentId).toArray()[0];
    return row ? { agentId: row.agent_id, contact: JSON.parse(row.data) as DueContact, offeredAtMs: row.offered_at_ms } : null;
  }

  offer(agentId: string, contact: DueContact, nowMs: number): PreviewOffer {
    this.sql.exec('INSERT INTO preview_offers (agent_id, contact_id, data, offered_at_ms) VALUES (?, ?, ?, ?)', agentId, contact.id, JSON.stringify(contact), nowMs);
    return { agentId, contact, offeredAtMs: nowMs };
  }

  remove(agentId: string): void {
    this.sql.exec('DELETE FROM preview_offers WHERE agent_id = ?', agentId);
  }

  contactIds(): string[] {
    return this.sql.exec<{ contact_id: string }>('SELECT contact_id FROM preview_offers').toArray().map((r) => r.contact_id);
  }
}
