/**
 * POST /v1/calls/originate, the steps in their order (docs/agents-calls.md
 * "Originate"): who may ask, the campaign, the caller ID, the compliance
 * check (a block is a 403 and a call.compliance_blocked event; nothing is
 * dialled), the agent (exists 404; registered and not on a call 409, taken
 * for the call in one step), a slot on the media node holding the agent's
 * registration, and the AgentCall object that rings the agent. Anything that
 * fails after the agent was taken gives them (and the slot) back.
 */
import type { Env, UserPrincipal } from '../env.ts';
import { Problems } from '../errors/problem.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { checkCompliance, complianceBlockedEvent, complianceBlockedProblem } from '../compliance/index.ts';
import { requireCampaign } from '../compliance/routes/campaign-lookup.ts';
import { emitDialerEvents } from '../dialer-events/emit.ts';
import { claimAgentForCall, claimRefusalProblem, releaseAgentFromCall } from '../agents/agent-on-call.ts';
import { agentCall, mediaFleet } from '../durable/stubs.ts';
import { agentCallOwner } from '../durable/media-fleet/leg-owners.ts';
import { resolveCallerId } from './caller-id.ts';
import type { OriginateAccepted, OriginateRequest } from './originate-schema.ts';

export async function acceptOriginate(env: Env, user: UserPrincipal, req: OriginateRequest): Promise<OriginateAccepted> {
  const { tenantId } = user;
  if (user.role === 'agent' && req.agent_id !== user.userId) throw Problems.forbidden('An agent may originate calls only to their own phone.');
  const campaignId = req.campaign_id ?? null;
  if (campaignId !== null) await requireCampaign(env.DB, tenantId, campaignId);
  const cli = await resolveCallerId(env.DB, { tenantId, destination: req.destination, cliOverride: req.cli_override ?? null, campaignId });

  const callId = uuidv7();
  const compliance = await checkCompliance(env, { tenantId, phone: req.destination, campaignId, cli, context: 'originate', subject: user.userId });
  if (!compliance.allowed) {
    await emitDialerEvents(env, [complianceBlockedEvent({ tenantId, callId, campaignId, agentId: req.agent_id }, compliance)]);
    throw complianceBlockedProblem(compliance);
  }

  // Exists (404), registered and not on a call (409): checked and taken in one step, so two originates cannot both win.
  const claim = await claimAgentForCall(env, tenantId, req.agent_id, callId);
  if (!claim.ok) throw claimRefusalProblem(req.agent_id, claim);
  const { agent, binding } = claim;
  if (!binding) throw new Error('claimAgentForCall answered no binding for a registered agent');

  const owner = agentCallOwner(callId);
  try {
    const slot = await mediaFleet(env).reserveOn(owner, binding.node_id);
    if (!slot) throw Problems.unavailable(`The media node holding ${agent.fullName}'s registration cannot take a call now; try again shortly.`);
    const begun = await agentCall(env, callId)
      .begin({
        callId,
        tenantId,
        agent,
        target: { kind: 'agent', sip_user: binding.sip_user, realm: binding.realm },
        campaignId,
        destination: req.destination,
        cli,
        node: slot,
        startedAt: new Date().toISOString(),
      })
      .catch(async (err: unknown) => {
        await mediaFleet(env).release(owner, { [slot.nodeId]: 1 });
        throw err;
      });
    if (!begun.ok) {
      await mediaFleet(env).release(owner, { [slot.nodeId]: 1 });
      if (begun.error === 'agent_not_registered') throw claimRefusalProblem(agent.id, { ok: false, refusal: 'not_registered', agent, currentCallId: null });
      throw Problems.unavailable(`The media node holding ${agent.fullName}'s registration did not take the call; try again shortly.`);
    }
  } catch (err) {
    await releaseAgentFromCall(env, tenantId, agent.id, callId);
    throw err;
  }

  return { call_id: callId, status: 'dialing', destination: req.destination, compliance: { allowed: true, rule_version: compliance.ruleVersion, audit_ref: compliance.auditRef } };
}
