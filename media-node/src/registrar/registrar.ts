/**
 * The media node as the agents' registrar: assembles the REGISTER
 * transactions, the binding store, the credential source (the Worker, cached)
 * and the report of binding changes to the Worker, and answers "where is this
 * agent" for calls to agents. Settings come from the node's env
 * (media-node/README.md, docs/agents-sip.md).
 */
import type { RegistrationChange } from '../../../worker/src/media-protocol/index.ts';
import type { SipRequest, SipResponse } from '../sip/message.ts';
import type { Peer, SipConnection } from '../sip/transport.ts';
import type { Logger } from '../log/logger.ts';
import { BindingStore, type Binding, type BindingChange } from './binding-store.ts';
import { CredentialSource, type CredentialLookup } from './credential-source.ts';
import { FailureThrottle } from './failure-throttle.ts';
import { NonceCounts, NonceIssuer } from './nonce-issuer.ts';
import { RegisterTransactions, type ExpiresRules } from './register-transaction.ts';
import type { DigestAlgorithm } from './digest-verifier.ts';

export interface RegistrarSettings {
  nodeId: string;
  /** The node's boot (heartbeat started_at): nonces from another boot are refused. */
  startedAt: string;
  sipDomain: string;
  expires: ExpiresRules;
  /** Digest challenges offered, preferred first. */
  algorithms: readonly DigestAlgorithm[];
  /** Challenges offered over a SIP WebSocket (browsers); default: `algorithms`. */
  wsAlgorithms?: readonly DigestAlgorithm[];
  nonceLifetimeS: number;
  throttle: { maxFailures: number; windowS: number };
  credentialCacheS: number;
}

export interface RegistrarDeps {
  lookup: CredentialLookup;
  report(change: RegistrationChange): void;
  send(res: SipResponse, to: Peer): void;
  log: Logger;
}

export class Registrar {
  readonly bindings: BindingStore;
  readonly #transactions: RegisterTransactions;
  readonly #log: Logger;
  readonly #report: (change: RegistrationChange) => void;

  constructor(settings: RegistrarSettings, deps: RegistrarDeps) {
    this.#log = deps.log.child({ part: 'registrar' });
    this.#report = deps.report;
    this.bindings = new BindingStore((change) => {
      this.#logChange(change);
      deps.report(toReport(change));
    });
    this.#transactions = new RegisterTransactions({
      sipDomain: settings.sipDomain,
      expires: settings.expires,
      algorithms: settings.algorithms,
      ...(settings.wsAlgorithms ? { wsAlgorithms: settings.wsAlgorithms } : {}),
      nonces: new NonceIssuer(settings.nodeId, settings.startedAt, settings.nonceLifetimeS),
      nonceCounts: new NonceCounts(settings.nonceLifetimeS * 1000),
      throttle: new FailureThrottle(settings.throttle.maxFailures, settings.throttle.windowS * 1000),
      credentials: new CredentialSource(deps.lookup, settings.credentialCacheS * 1000),
      bindings: this.bindings,
      send: deps.send,
      log: this.#log,
    });
  }

  handleRegister(req: SipRequest, from: Peer): void {
    void this.#transactions.handle(req, from);
  }

  /** The agent's live binding on this node, if any. */
  binding(realm: string, sipUser: string): Binding | undefined {
    return this.bindings.get(realm, sipUser);
  }

  /** A browser's SIP WebSocket closed: its bindings through it are gone (reported expired). */
  connectionClosed(connection: SipConnection): void {
    this.bindings.dropUnreachable((b) => b.source.connection === connection);
  }

  /**
   * Reports every binding held, as it stands (reason `refresh`): the Worker
   * asked for them, having dropped this boot's bindings when it took the node
   * for lost (docs/media-protocol.md). Returns how many.
   */
  reportAll(): number {
    const all = this.bindings.all();
    for (const binding of all) this.#report(toReport({ state: 'registered', reason: 'refresh', binding, at: new Date() }));
    return all.length;
  }

  /** Drops every binding without reporting: the Worker drops a node's bindings when it stops or restarts. */
  close(): void {
    this.bindings.clear();
  }

  #logChange(change: BindingChange): void {
    const b = change.binding;
    // Refreshes are routine (every agent, every few minutes): debug, not info.
    this.#log[change.reason === 'refresh' ? 'debug' : 'info'](`agent ${change.reason}`, { realm: b.realm, user: b.sipUser, contact: b.contact, source: `${b.source.host}:${b.source.port}`, expires_at: b.expiresAt.toISOString() });
  }
}

function toReport(change: BindingChange): RegistrationChange {
  const b = change.binding;
  return {
    tenant_id: b.tenantId,
    agent_id: b.agentId,
    sip_user: b.sipUser,
    realm: b.realm,
    state: change.state,
    contact: b.contact,
    user_agent: b.userAgent,
    registered_at: b.registeredAt.toISOString(),
    expires_at: b.expiresAt.toISOString(),
    reason: change.reason,
  };
}
