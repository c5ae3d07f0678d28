/**
 * Recording a call's disposition (PUT /v1/calls/{id}/disposition): an agent
 * for a call of their own, a supervisor or admin for any call of the tenant.
 * The calls row (and the campaign contact it dialled) get the code; a
 * disposition flagged `dnc` also puts the call's number on the tenant DNC
 * with source `agent_disposition` and added_by the user who set it, through
 * the same path as POST /v1/dnc (dnc.added, pending contacts marked).
 */
import type { Env, UserPrincipal } from '../env.ts';
import { Problems } from '../errors/problem.ts';
import { addToTenantDnc } from '../dnc/tenant-dnc.ts';
import { readDispositions, type Disposition } from './disposition-list.ts';

export interface DispositionSet {
  callId: string;
  disposition: Disposition;
  notes: string | null;
  setAt: string;
  setBy: string;
  /** The number was added to the DNC by this request (false when the disposition is not dnc, or it was listed already). */
  dncAdded: boolean;
}

export async function setCallDisposition(env: Env, user: UserPrincipal, callId: string, code: string, notes: string | null): Promise<DispositionSet> {
  const call = await env.DB.prepare('SELECT id, agent_id, contact_phone, contact_id FROM calls WHERE tenant_id = ? AND id = ?')
    .bind(user.tenantId, callId)
    .first<{ id: string; agent_id: string | null; contact_phone: string; contact_id: string | null }>();
  // Another agent's call is as absent as another tenant's: an agent cannot probe which call ids exist.
  if (!call || (user.role === 'agent' && call.agent_id !== user.userId)) throw Problems.notFound(`Call ${callId}`);
  const { dispositions } = await readDispositions(env.DB, user.tenantId);
  const disposition = dispositions.find((d) => d.code === code);
  if (!disposition) throw Problems.validation([{ pointer: '/disposition', reason: `must be one of your tenant's dispositions (GET /v1/dispositions): ${dispositions.map((d) => d.code).join(', ')}` }]);

  const setAt = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare('UPDATE calls SET disposition = ?, disposition_notes = ?, disposition_set_at = ?, disposition_set_by = ? WHERE tenant_id = ? AND id = ?').bind(
      code,
      notes,
      setAt,
      user.userId,
      user.tenantId,
      callId,
    ),
    env.DB.prepare('UPDATE contacts SET disposition = ? WHERE tenant_id = ? AND id = ?').bind(code, user.tenantId, call.contact_id),
  ]);
  let dncAdded = false;
  if (disposition.dnc) {
    const result = await addToTenantDnc(env, {
      tenantId: user.tenantId,
      phones: [call.contact_phone],
      reason: notes ?? `Disposition "${disposition.label}" on call ${callId}`,
      source: 'agent_disposition',
      addedBy: user.userId,
      addedByName: user.fullName,
    });
    dncAdded = result.added > 0;
  }
  return { callId, disposition, notes, setAt, setBy: user.userId, dncAdded };
}
