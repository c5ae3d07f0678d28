/**
 * Agent SIP bindings held by this node, one per realm + user (the newest
 * contact wins, CONTRACT-AGENTS), with their expiry timers. A refresh of the
 * same contact keeps registered_at; a new contact is a new binding. Every
 * change is handed to `onChange` (the Worker report), expiry included.
 */
import type { RegistrationChange } from '../../../worker/src/media-protocol/index.ts';
import type { Peer } from '../sip/transport.ts';

export interface Binding {
  tenantId: string;
  agentId: string;
  sipUser: string;
  realm: string;
  /** The Contact URI as registered: the Request-URI of calls to the agent. */
  contact: string;
  /** Where the REGISTER came from: calls are sent there (the agent may be behind NAT). */
  source: Peer;
  userAgent: string;
  callId: string;
  cseq: number;
  registeredAt: Date;
  expiresAt: Date;
}

export type BindingChange = Pick<RegistrationChange, 'state' | 'reason'> & { binding: Binding; at: Date };

export const bindingKey = (realm: string, sipUser: string) => `${realm.toLowerCase()}|${sipUser.toLowerCase()}`;

export class BindingStore {
  readonly #bindings = new Map<string, { binding: Binding; timer: NodeJS.Timeout }>();

  constructor(
    private readonly onChange: (change: BindingChange) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#bindings.size;
  }

  get(realm: string, sipUser: string): Binding | undefined {
    return this.#bindings.get(bindingKey(realm, sipUser))?.binding;
  }

  all(): Binding[] {
    return [...this.#bindings.values()].map((e) => e.binding);
  }

  /** Adds or refreshes the user's binding for `expiresS` seconds; returns it. */
  upsert(b: Omit<Binding, 'registeredAt' | 'expiresAt'>, expiresS: number): Binding {
    const key = bindingKey(b.realm, b.sipUser);
    const prev = this.#bindings.get(key);
    const now = this.now();
    const refresh = prev !== undefined && prev.binding.contact === b.contact && prev.binding.agentId === b.agentId;
    if (prev) clearTimeout(prev.timer);
    const binding: Binding = { ...b, registeredAt: refresh ? prev.binding.registeredAt : new Date(now), expiresAt: new Date(now + expiresS * 1000) };
    const timer = setTimeout(() => this.#expire(key, binding), expiresS * 1000);
    timer.unref();
    this.#bindings.set(key, { binding, timer });
    this.onChange({ state: 'registered', reason: refresh ? 'refresh' : 'register', binding, at: new Date(now) });
    return binding;
  }

  /** Removes the user's binding (Expires: 0, Contact: *); `contact` limits it to that contact. */
  remove(realm: string, sipUser: string, contact?: string): Binding | undefined {
    const key = bindingKey(realm, sipUser);
    const entry = this.#bindings.get(key);
    if (!entry || (contact !== undefined && entry.binding.contact !== contact)) return undefined;
    clearTimeout(entry.timer);
    this.#bindings.delete(key);
    const at = new Date(this.now());
    this.onChange({ state: 'unregistered', reason: 'unregister', binding: { ...entry.binding, expiresAt: at }, at });
    return entry.binding;
  }

  /**
   * Removes the bindings that can no longer be reached (their SIP WebSocket closed: RFC 7118 gives no
   * other way back to a browser), reported `expired` as a crashed softphone's would be, only sooner.
   */
  dropUnreachable(unreachable: (b: Binding) => boolean): Binding[] {
    const dropped: Binding[] = [];
    for (const [key, entry] of this.#bindings) {
      if (!unreachable(entry.binding)) continue;
      clearTimeout(entry.timer);
      this.#bindings.delete(key);
      const at = new Date(this.now());
      this.onChange({ state: 'unregistered', reason: 'expired', binding: { ...entry.binding, expiresAt: at }, at });
      dropped.push(entry.binding);
    }
    return dropped;
  }

  /** Forgets every binding without reporting (shutdown: the Worker drops a stopped node's bindings). */
  clear(): void {
    for (const e of this.#bindings.values()) clearTimeout(e.timer);
    this.#bindings.clear();
  }

  #expire(key: string, binding: Binding): void {
    if (this.#bindings.get(key)?.binding !== binding) return;
    this.#bindings.delete(key);
    this.onChange({ state: 'unregistered', reason: 'expired', binding, at: new Date(this.now()) });
  }
}
