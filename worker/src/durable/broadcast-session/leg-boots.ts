/**
 * Which boot of its media node each dispatched leg lives on, as the node's
 * originate result said (docs/media-protocol.md "Heartbeats and node loss"),
 * so a node's restart ends only the legs of the boot that is gone. Its own
 * table, keyed by voice_id and tagged with the node: a leg placed again on
 * another node simply has no boot there until that node answers.
 */
import type { LegOnRecord } from '../media-fleet/leg-reconciliation.ts';

export const LEG_BOOTS_DDL = `
CREATE TABLE IF NOT EXISTS leg_boots (voice_id TEXT PRIMARY KEY, node_id TEXT NOT NULL, boot TEXT NOT NULL);
`;

export function recordLegBoot(sql: SqlStorage, voiceId: string, nodeId: string, boot: string): void {
  sql.exec(
    'INSERT INTO leg_boots (voice_id, node_id, boot) VALUES (?, ?, ?) ON CONFLICT(voice_id) DO UPDATE SET node_id = excluded.node_id, boot = excluded.boot',
    voiceId,
    nodeId,
    boot,
  );
}

/** The legs columns reconciliation reads, with the boot of the leg's current node joined in. */
export const LEG_ON_RECORD_SELECT = `
SELECT legs.idx, legs.voice_id, legs.state, legs.node_id, legs.dialed_at, b.boot AS boot
FROM legs LEFT JOIN leg_boots b ON b.voice_id = legs.voice_id AND b.node_id = legs.node_id`;

export interface LegOnRecordRow extends Record<string, SqlStorageValue> {
  idx: number;
  voice_id: string;
  state: string;
  node_id: string | null;
  dialed_at: number | null;
  boot: string | null;
}

export function legOnRecord(row: LegOnRecordRow, live: boolean): LegOnRecord {
  return { voiceId: row.voice_id, live, nodeId: row.node_id, boot: row.boot, dialedAtMs: row.dialed_at };
}
