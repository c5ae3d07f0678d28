/**
 * The envelope every dialer webhook carries (spec "Payload structure"):
 * event_id (UUIDv7, the same on every retry), event_type, tenant_id,
 * occurred_at, correlation_id, schema_version "1", payload. The body is
 * serialised once, stored, and sent byte for byte on every attempt, so its
 * signature is always over exactly what the receiver reads.
 */
import { uuidv7 } from '../ids/uuid-v7.ts';

export const SCHEMA_VERSION = '1';

/** An event with its identity fixed: what the outbox stores. */
export interface PreparedEvent {
  eventId: string;
  type: string;
  correlationId: string;
  /** ISO 8601 UTC. */
  occurredAt: string;
  payload: Record<string, unknown>;
}

export function prepareEvent(event: { type: string; correlationId: string; payload: Record<string, unknown>; occurredAt?: string; eventId?: string }, nowMs = Date.now()): PreparedEvent {
  const occurred = event.occurredAt === undefined ? nowMs : Date.parse(event.occurredAt);
  if (!Number.isFinite(occurred)) throw new TypeError(`dialer event ${event.type}: occurredAt "${event.occurredAt}" is not a date`);
  if (!event.correlationId) throw new TypeError(`dialer event ${event.type}: correlationId is required`);
  return {
    eventId: event.eventId ?? uuidv7(nowMs),
    type: event.type,
    correlationId: event.correlationId,
    occurredAt: new Date(occurred).toISOString(),
    payload: event.payload,
  };
}

export function envelopeBody(tenantId: string, event: PreparedEvent): string {
  return JSON.stringify({
    event_id: event.eventId,
    event_type: event.type,
    tenant_id: tenantId,
    occurred_at: event.occurredAt,
    correlation_id: event.correlationId,
    schema_version: SCHEMA_VERSION,
    payload: event.payload,
  });
}
