/**
 * BroadcastSession: one Durable Object per broadcast. Owns the broadcast's legs
 * (in its SQLite storage), paced dispatch to media nodes, the per-leg state
 * machine, the idle/duration/stuck-leg guards, the webhook outbox, and exactly
 * one broadcastcall_complete.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import type { BroadcastInit, BroadcastStatus, RecipientInput } from './contract.ts';

export class BroadcastSession extends DurableObject<Env> {
  /** Stores the broadcast's settings; idempotent for the same broadcastId. */
  async create(_init: BroadcastInit): Promise<void> {
    throw new Error('not implemented');
  }
  /** Appends recipients (in chunks, so 100,000 never cross one RPC); index is the position in the request. */
  async addLegs(_legs: Array<RecipientInput & { index: number }>): Promise<void> {
    throw new Error('not implemented');
  }
  /** All legs are in: begin paced dispatch. */
  async start(): Promise<void> {
    throw new Error('not implemented');
  }
  async status(): Promise<BroadcastStatus | null> {
    throw new Error('not implemented');
  }
}
