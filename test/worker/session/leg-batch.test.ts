// The legs of one batch of node events (leg-batch.ts), in a real Durable
// Object's SQLite: read once, changed in memory, written back in one
// statement with exactly the columns applying events changes; a path that
// writes a leg by itself sees the batch's changes and makes the batch read
// every leg again (so a path that let another request change one could not be
// overwritten); open connects are known from one read.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { LegBatch } from '../../../worker/src/durable/broadcast-session/leg-batch.ts';
import { LegStore } from '../../../worker/src/durable/broadcast-session/leg-store.ts';
import { CONNECTS_DDL, ConnectStore } from '../../../worker/src/durable/broadcast-session/connect-store.ts';

function withStores<T>(fn: (legs: LegStore, connects: ConnectStore, sql: SqlStorage) => T): Promise<T> {
  // A session object that was never started: its storage is empty, the stores make their tables.
  const stub = env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(`leg-batch-test-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    sql.exec(CONNECTS_DDL);
    return fn(new LegStore(sql), new ConnectStore(sql), sql);
  });
}

function dialled(legs: LegStore, sql: SqlStorage, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    legs.addLeg(i, `97150000000${i}`, '{}');
    const voiceId = `voice-${i}`;
    sql.exec("UPDATE legs SET voice_id = ?, state = 'dialing', node_id = 'n1', dialed_at = 5, hangup_cause = 99 WHERE idx = ?", voiceId, i);
    ids.push(voiceId);
  }
  legs.recount();
  return ids;
}

describe('leg batch', () => {
  it('reads the batch’s legs once and writes the changed ones back in one statement, other columns untouched', () =>
    withStores((legs, connects, sql) => {
      const ids = dialled(legs, sql, 3);
      const batch = new LegBatch(legs, connects, [ids[0]!, ids[1]!, ids[0]!, 'voice-unknown']);
      const a = batch.find(ids[0]!)!;
      expect(batch.find(ids[0]!)).toBe(a);
      expect(batch.find('voice-unknown')).toBeNull();
      a.last_seq = 3;
      a.state = 'disconnected';
      a.channel_id = 'ch';
      a.answered_at = 1_700_000_000_123;
      a.answered_by = 'HUMAN';
      a.cause = 16;
      a.reason = 'Normal Clearing';
      a.ended_at = 1_700_000_001_000;
      a.duration = 1.5;
      batch.changed(a);
      // Not written until the batch says so.
      expect(legs.byVoice(ids[0]!)!.state).toBe('dialing');
      batch.write();
      expect(legs.byVoice(ids[0]!)).toMatchObject({
        last_seq: 3,
        state: 'disconnected',
        channel_id: 'ch',
        answered_at: 1_700_000_000_123,
        answered_by: 'HUMAN',
        cause: 16,
        reason: 'Normal Clearing',
        ended_at: 1_700_000_001_000,
        duration: 1.5,
        // Columns the batch does not own keep what they had.
        node_id: 'n1',
        dialed_at: 5,
        hangup_cause: 99,
        idle_since: null,
      });
      expect(legs.byVoice(ids[1]!)).toMatchObject({ state: 'dialing', last_seq: 0 });
    }));

  it('writes its changes before a path that works on the table itself, then reads that leg again', async () => {
    await withStores(async (legs, connects, sql) => {
      const ids = dialled(legs, sql, 2);
      const batch = new LegBatch(legs, connects, ids);
      const a = batch.find(ids[0]!)!;
      const b = batch.find(ids[1]!)!;
      a.last_seq = 1;
      b.last_seq = 1;
      batch.changed(a);
      batch.changed(b);
      await batch.aside(() => {
        expect(legs.byVoice(ids[0]!)!.last_seq).toBe(1);
        legs.setIdleSince(a.idx, 42);
      });
      const again = batch.find(ids[0]!)!;
      expect(again).not.toBe(a);
      expect(again.idle_since).toBe(42);
      // Its later changes are written over the path's, not under them.
      again.last_seq = 2;
      batch.changed(again);
      batch.write();
      expect(legs.byVoice(ids[0]!)).toMatchObject({ last_seq: 2, idle_since: 42 });
    });
  });

  it('after an aside, reads every leg again: a change another request made meanwhile is not written over', async () => {
    await withStores(async (legs, connects, sql) => {
      const ids = dialled(legs, sql, 3);
      const batch = new LegBatch(legs, connects, ids);
      const b = batch.find(ids[1]!)!;
      expect(batch.mayHaveOpenConnect(ids[2]!)).toBe(false);
      await batch.aside(async () => {
        // What a path that waited on I/O would let in: another request ends leg 1 and opens a connect on leg 2.
        await Promise.resolve();
        sql.exec("UPDATE legs SET state = 'disconnected', cause = 16 WHERE voice_id = ?", ids[1]!);
        connects.insert({ connectId: 'c-new', voiceId: ids[2]!, from: '1', to: '2', nodeId: 'n1', requestedAt: 3 });
      });
      const bAgain = batch.find(ids[1]!)!;
      expect(bAgain).not.toBe(b);
      expect(bAgain).toMatchObject({ state: 'disconnected', cause: 16 });
      bAgain.last_seq = 4;
      batch.changed(bAgain);
      batch.find(ids[2]!);
      expect(batch.mayHaveOpenConnect(ids[2]!)).toBe(true);
      batch.write();
      expect(legs.byVoice(ids[1]!)).toMatchObject({ state: 'disconnected', cause: 16, last_seq: 4 });
      // Read again once, then the batch's copy again.
      expect(batch.find(ids[1]!)).toBe(bAgain);
    });
  });

  it('knows which of its legs had an open connect when it began', () =>
    withStores((legs, connects, sql) => {
      const ids = dialled(legs, sql, 3);
      connects.insert({ connectId: 'c-open', voiceId: ids[0]!, from: '1', to: '2', nodeId: 'n1', requestedAt: 1 });
      connects.insert({ connectId: 'c-over', voiceId: ids[1]!, from: '1', to: '2', nodeId: 'n1', requestedAt: 1 });
      connects.close('c-over', { state: 'failed', cause: 17, reason: 'User Busy', durationS: 0, endedBy: 'destination', atMs: 2 });
      const batch = new LegBatch(legs, connects, ids);
      expect(ids.map((id) => batch.mayHaveOpenConnect(id))).toEqual([true, false, false]);
    }));
});
