/**
 * MediaFleet: one Durable Object per deployment that knows which media nodes
 * are alive (heartbeats), which boot of each is current, how loaded they are,
 * and which leg owners have legs on each. It picks nodes for new legs (least
 * loaded first) and, when a node misses heartbeats past the timeout or comes
 * back as a new boot, tells every owner with legs there to end those of the
 * gone boot (cause 41) so no broadcast waits forever on a dead process.
 * Reconciliation of each beat with the owners runs in heartbeat-intake.ts.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import { heldVoiceIds, type Heartbeat, type HeartbeatAck, type LegOwner } from '../../media-protocol/index.ts';
import { isAlive, pickNodes, silentNodes, type NodeLoad } from './node-selection.ts';
import { BindingTenants } from './binding-tenants.ts';
import { classifyBeat, wantsRegistrations } from './node-boot.ts';
import { legOwnerObject } from './leg-owners.ts';

export const HEARTBEAT_INTERVAL_S = 5;

export interface NodeSlot {
  nodeId: string;
  controlUrl: string;
}

export interface FleetNodeView {
  node_id: string;
  control_url: string;
  capacity: number;
  assigned: number;
  reported_live: number;
  draining: boolean;
  alive: boolean;
  last_seen: string;
}

/** What the fleet made of a heartbeat: the node's answer, and who must reconcile with it. */
export interface HeartbeatOutcome {
  ack: HeartbeatAck;
  /** Owners with legs assigned to the node. */
  owners: LegOwner[];
  /** False: a late beat from a replaced boot, not applied; its calls are only checked for hang-ups. */
  current: boolean;
}

interface NodeRow extends Record<string, SqlStorageValue> {
  node_id: string;
  control_url: string;
  capacity: number;
  assigned: number;
  reported_live: number;
  draining: number;
  last_seen_ms: number;
  started_at: string;
  lost: number;
}

export class MediaFleet extends DurableObject<Env> {
  #sql: SqlStorage;
  /** Agent SIP bindings per node, by tenant (binding-tenants.ts). */
  #bindings: BindingTenants;
  /** When this object (this run of the Worker) started hearing beats: node silence is counted from here at the earliest. */
  readonly #listeningSinceMs = Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`
      CREATE TABLE IF NOT EXISTS nodes (
        node_id TEXT PRIMARY KEY, control_url TEXT NOT NULL, capacity INTEGER NOT NULL,
        assigned INTEGER NOT NULL DEFAULT 0, reported_live INTEGER NOT NULL DEFAULT 0,
        draining INTEGER NOT NULL DEFAULT 0, last_seen_ms INTEGER NOT NULL, started_at TEXT NOT NULL,
        lost INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS assignments (
        node_id TEXT NOT NULL, owner_kind TEXT NOT NULL, owner_id TEXT NOT NULL, legs INTEGER NOT NULL,
        PRIMARY KEY (node_id, owner_kind, owner_id));
    `);
    this.#bindings = new BindingTenants(this.#sql);
  }

  /** The registrations route: these tenants now have agent SIP bindings on the node. */
  async noteBindingTenants(nodeId: string, tenantIds: string[]): Promise<void> {
    this.#bindings.note(nodeId, tenantIds);
  }

  get #timeoutMs(): number {
    return Number(this.env.MEDIA_NODE_HEARTBEAT_TIMEOUT_S || 15) * 1000;
  }

  async heartbeat(hb: Heartbeat): Promise<HeartbeatOutcome> {
    const now = Date.now();
    const existing = this.#sql.exec<NodeRow>('SELECT * FROM nodes WHERE node_id = ?', hb.node_id).toArray()[0];
    const kind = classifyBeat(existing ? { startedAt: existing.started_at, lost: existing.lost === 1, lastSeenMs: existing.last_seen_ms } : null, hb.started_at, now, this.#timeoutMs);
    // At least three beats per timeout, so one lost heartbeat never costs a node its calls.
    const interval_s = Math.max(0.5, Math.min(HEARTBEAT_INTERVAL_S, this.#timeoutMs / 3000));
    if (kind === 'stale') {
      console.warn(JSON.stringify({ msg: 'heartbeat from a replaced boot ignored', node_id: hb.node_id, started_at: hb.started_at, current: existing!.started_at }));
      return { ack: { ok: true, interval_s }, owners: this.#ownersOn(hb.node_id), current: false };
    }
    // A new boot has none of the old boot's legs; legs already placed on this boot (before this beat) stay.
    let endedOnOldBoot = 0;
    if (kind === 'restarted' && existing?.lost === 0) {
      console.warn(JSON.stringify({ msg: 'media node restarted', node_id: hb.node_id, started_at: hb.started_at, previous: existing.started_at }));
      endedOnOldBoot = await this.#failNodeLegs(hb.node_id, hb.started_at);
    }
    // Back from a partition: the calls it still carries were already ended for the client; they must stop.
    const orphaned = kind === 'returned' ? heldVoiceIds(hb) : [];
    // Agent SIP bindings of an older boot are gone too (binding-tenants.ts).
    if (existing && (kind === 'restarted' || kind === 'returned')) await this.#bindings.dropNode(this.env, hb.node_id, hb.started_at);
    this.#sql.exec(
      `INSERT INTO nodes (node_id, control_url, capacity, assigned, reported_live, draining, last_seen_ms, started_at, lost)
       VALUES (?, ?, ?, 0, ?, ?, ?, ?, 0)
       ON CONFLICT(node_id) DO UPDATE SET control_url = excluded.control_url, capacity = excluded.capacity,
         reported_live = excluded.reported_live, draining = excluded.draining, last_seen_ms = excluded.last_seen_ms,
         started_at = excluded.started_at, lost = 0, assigned = MAX(0, nodes.assigned - ?)`,
      hb.node_id,
      hb.control_url,
      hb.capacity,
      hb.live_calls,
      hb.draining ? 1 : 0,
      now,
      hb.started_at,
      endedOnOldBoot,
    );
    await this.#ensureAlarm(now + this.#timeoutMs);
    if (orphaned.length > 0) console.warn(JSON.stringify({ msg: 'lost media node is back with calls: hanging them up', node_id: hb.node_id, calls: orphaned.length }));
    const ack: HeartbeatAck = orphaned.length > 0 ? { ok: true, interval_s, hangup_voice_ids: orphaned } : { ok: true, interval_s };
    // Its bindings were dropped when it was taken for lost (or were never heard of): it reports them all again.
    if (wantsRegistrations(kind, hb.sip_bindings)) {
      ack.report_registrations = true;
      console.warn(JSON.stringify({ msg: 'asking the media node to report its agent bindings again', node_id: hb.node_id, beat: kind, sip_bindings: hb.sip_bindings ?? null }));
    }
    return { ack, owners: this.#ownersOn(hb.node_id), current: true };
  }

  #ownersOn(nodeId: string): LegOwner[] {
    return this.#sql
      .exec<{ owner_kind: LegOwner['kind']; owner_id: string }>('SELECT owner_kind, owner_id FROM assignments WHERE node_id = ? AND legs > 0', nodeId)
      .toArray()
      .map((r) => ({ kind: r.owner_kind, id: r.owner_id }));
  }

  /** Reserves up to `count` slots for an owner's new legs; fewer (or none) when the fleet is full or empty. */
  async reserve(owner: LegOwner, count: number): Promise<NodeSlot[]> {
    const now = Date.now();
    const rows = this.#sql.exec<NodeRow>('SELECT * FROM nodes WHERE lost = 0').toArray();
    const picks = pickNodes(rows.map(toLoad), count, now, this.#timeoutMs);
    const perNode = new Map<string, number>();
    for (const id of picks) perNode.set(id, (perNode.get(id) ?? 0) + 1);
    for (const [nodeId, n] of perNode) {
      this.#sql.exec('UPDATE nodes SET assigned = assigned + ? WHERE node_id = ?', n, nodeId);
      this.#sql.exec(
        `INSERT INTO assignments (node_id, owner_kind, owner_id, legs) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET legs = legs + excluded.legs`,
        nodeId,
        owner.kind,
        owner.id,
        n,
      );
    }
    const urls = new Map(rows.map((r) => [r.node_id, r.control_url]));
    return picks.map((nodeId) => ({ nodeId, controlUrl: urls.get(nodeId)! }));
  }

  /**
   * Reserves one slot on a given node (the one holding an agent's SIP
   * binding: the agent can only be rung there). Null when that node is not
   * alive, is draining, or is full.
   */
  async reserveOn(owner: LegOwner, nodeId: string): Promise<NodeSlot | null> {
    const row = this.#sql.exec<NodeRow>('SELECT * FROM nodes WHERE node_id = ? AND lost = 0', nodeId).toArray()[0];
    if (!row || pickNodes([toLoad(row)], 1, Date.now(), this.#timeoutMs).length === 0) return null;
    this.#sql.exec('UPDATE nodes SET assigned = assigned + 1 WHERE node_id = ?', nodeId);
    this.#sql.exec(
      `INSERT INTO assignments (node_id, owner_kind, owner_id, legs) VALUES (?, ?, ?, 1)
       ON CONFLICT DO UPDATE SET legs = legs + 1`,
      nodeId,
      owner.kind,
      owner.id,
    );
    return { nodeId, controlUrl: row.control_url };
  }

  /** Legs that ended (or never started) give their slots back. */
  async release(owner: LegOwner, perNode: Record<string, number>): Promise<void> {
    for (const [nodeId, n] of Object.entries(perNode)) {
      if (n <= 0) continue;
      this.#sql.exec('UPDATE nodes SET assigned = MAX(0, assigned - ?) WHERE node_id = ?', n, nodeId);
      this.#sql.exec('UPDATE assignments SET legs = MAX(0, legs - ?) WHERE node_id = ? AND owner_kind = ? AND owner_id = ?', n, nodeId, owner.kind, owner.id);
      this.#sql.exec('DELETE FROM assignments WHERE legs = 0');
    }
  }

  async nodes(): Promise<FleetNodeView[]> {
    const now = Date.now();
    return this.#sql
      .exec<NodeRow>('SELECT * FROM nodes ORDER BY node_id')
      .toArray()
      .map((r) => ({
        node_id: r.node_id,
        control_url: r.control_url,
        capacity: r.capacity,
        assigned: r.assigned,
        reported_live: r.reported_live,
        draining: r.draining === 1,
        alive: r.lost === 0 && isAlive(toLoad(r), now, this.#timeoutMs),
        last_seen: new Date(r.last_seen_ms).toISOString(),
      }));
  }

  async liveNodeCount(): Promise<number> {
    return (await this.nodes()).filter((n) => n.alive && !n.draining).length;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const rows = this.#sql.exec<NodeRow>('SELECT * FROM nodes WHERE lost = 0').toArray();
    const { lost, nextCheckAtMs } = silentNodes(rows.map(toLoad), this.#listeningSinceMs, now, this.#timeoutMs);
    for (const row of rows.filter((r) => lost.includes(r.node_id))) {
      console.warn(JSON.stringify({ msg: 'media node lost', node_id: row.node_id, silent_ms: now - row.last_seen_ms }));
      this.#sql.exec('UPDATE nodes SET lost = 1, assigned = 0 WHERE node_id = ?', row.node_id);
      await this.#failNodeLegs(row.node_id, null);
      await this.#bindings.dropNode(this.env, row.node_id, null);
    }
    if (nextCheckAtMs !== null) await this.#ensureAlarm(nextCheckAtMs);
  }

  /**
   * Tells each owner with legs on the node to end those not on `keepBoot`
   * (null: the node is gone, end them all). A loss forgets the node's
   * assignments; a restart takes off only what the owners ended, since legs
   * already placed on the new boot are still there. Returns how many ended.
   */
  async #failNodeLegs(nodeId: string, keepBoot: string | null): Promise<number> {
    const owners = this.#ownersOn(nodeId);
    if (keepBoot === null) this.#sql.exec('DELETE FROM assignments WHERE node_id = ?', nodeId);
    const ended = await Promise.all(
      owners.map(async (owner) => {
        const n = (await legOwnerObject(this.env, owner)?.nodeLost(nodeId, keepBoot)) ?? 0;
        if (keepBoot !== null && n > 0) {
          this.#sql.exec('UPDATE assignments SET legs = MAX(0, legs - ?) WHERE node_id = ? AND owner_kind = ? AND owner_id = ?', n, nodeId, owner.kind, owner.id);
        }
        return n;
      }),
    );
    this.#sql.exec('DELETE FROM assignments WHERE legs = 0');
    return ended.reduce((a, b) => a + b, 0);
  }

  async #ensureAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}

function toLoad(r: NodeRow): NodeLoad {
  return {
    nodeId: r.node_id,
    controlUrl: r.control_url,
    capacity: r.capacity,
    assigned: r.assigned,
    reportedLive: r.reported_live,
    draining: r.draining === 1,
    lastSeenMs: r.last_seen_ms,
  };
}

