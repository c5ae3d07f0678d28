// POST /v1/calls/originate up to the 202: validation, who may ask, the
// compliance block (the spec's 403 body, call.compliance_blocked, nothing
// dialled), the agent (404, 409 not registered, 409 busy), the caller ID
// rules, and a node that will not ring the agent.
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { dialerProblem } from '../../helpers/dialer.ts';
import { BASE } from '../../helpers/tenant.ts';
import { TEST_CLI } from '../../helpers/compliance.ts';
import { stopNodesAfterEach, waitFor } from '../../session/harness.ts';
import { addUser } from '../agents/fixtures.ts';
import { DESTINATION, SIP_USER, UAE_CLI, agentState, callRow, commandsOf, envelopesWhen, floorWithRegisteredAgent, originate, originated } from './fixtures.ts';
import { realmOf } from '../agents/sip-fixtures.ts';

const stops = stopNodesAfterEach();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('POST /v1/calls/originate', () => {
  it('202 with the spec body; the agent is rung on the node holding their registration, as an agent_call leg', async () => {
    const { t, node, nodeId } = await floorWithRegisteredAgent(stops);
    const body = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    expect(Object.keys(body)).toEqual(['call_id', 'status', 'destination', 'compliance']);
    expect(body).toEqual({
      call_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      status: 'dialing',
      destination: DESTINATION,
      compliance: { allowed: true, rule_version: expect.any(String), audit_ref: expect.stringMatching(/^AUD-\d+$/) },
    });
    const [cmd] = await commandsOf(node, 'originate');
    expect(cmd).toMatchObject({
      command_id: `${body.call_id}:originate`,
      voice_id: body.call_id,
      owner: { kind: 'agent_call', id: body.call_id },
      target: { kind: 'agent', sip_user: SIP_USER, realm: realmOf(t) },
      from: UAE_CLI.slice(1), // the tenant's number of the destination's country
      amd: false,
    });
    expect(await callRow(body.call_id)).toMatchObject({
      tenant_id: t.tenantId,
      agent_id: t.agent.id,
      campaign_id: null,
      contact_phone: DESTINATION,
      from_number: UAE_CLI,
      direction: 'outbound',
      status: 'in_progress',
      media_node_id: nodeId,
    });
    expect(await agentState(t)).toMatchObject({ state: 'on_call', current_call_id: body.call_id });
    // The audit names the context and who asked.
    const audit = await env.DB.prepare('SELECT context, subject, allowed FROM compliance_audit WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1').bind(t.tenantId).first();
    expect(audit).toEqual({ context: 'originate', subject: t.supervisor.id, allowed: 1 });
  });

  it('400 names every failing field; tenant_id is a 422; nothing is dialled', async () => {
    const { t, node } = await floorWithRegisteredAgent(stops);
    const p = await dialerProblem(await originate(t.supervisor, { destination: '0501234567', cli_override: 'nope', extra: 1 }), 400);
    expect(p.errors!.map((e) => e.pointer).sort()).toEqual(['', '/agent_id', '/cli_override', '/destination'].sort());
    await dialerProblem(await originate(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION, tenant_id: t.tenantId }), 422);
    await sleep(200);
    expect(await node.commands()).toEqual([]);
  });

  it('403 compliance block: the spec body, a call.compliance_blocked event, no call, nothing dialled, the agent untouched', async () => {
    const { t, node, hooks } = await floorWithRegisteredAgent(stops);
    await env.DB.prepare("INSERT INTO dnc (id, tenant_id, phone, source, added_at) VALUES (?, ?, ?, 'api', ?)").bind(crypto.randomUUID(), t.tenantId, DESTINATION, new Date().toISOString()).run();
    const res = await originate(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    const p = (await dialerProblem(res, 403)) as unknown as Record<string, any>;
    expect(p).toEqual({
      type: 'https://engage.broadnet.me/errors/compliance-blocked',
      title: 'Call blocked by compliance',
      status: 403,
      detail: 'Number is on your DNC list.',
      compliance: { allowed: false, rule: 'dnc_tenant', rule_version: expect.any(String), audit_ref: expect.stringMatching(/^AUD-\d+$/) },
    });
    const [blocked] = await envelopesWhen(hooks, (all) => all.some((e) => e.event_type === 'call.compliance_blocked'), 'call.compliance_blocked');
    expect(blocked).toMatchObject({
      event_type: 'call.compliance_blocked',
      payload: { agent_id: t.agent.id, campaign_id: null, contact_phone: DESTINATION, status: 'blocked', compliance: p.compliance },
    });
    await sleep(200);
    expect(await node.commands()).toEqual([]);
    expect(await callRow(blocked!.payload.call_id)).toBeNull();
    expect((await agentState(t)).state).not.toBe('on_call');
  });

  it('404 for an agent that is not an enabled agent of the tenant (unknown, a supervisor, another tenant)', async () => {
    const { t, node } = await floorWithRegisteredAgent(stops);
    const other = await floorWithRegisteredAgent(stops);
    for (const id of [crypto.randomUUID(), t.supervisor.id, other.t.agent.id]) {
      await dialerProblem(await originate(t.supervisor, { agent_id: id, destination: DESTINATION }), 404);
    }
    expect(await node.commands()).toEqual([]);
  });

  it('409 agent-not-registered for an agent with no live registration; nothing dialled', async () => {
    const { t, node } = await floorWithRegisteredAgent(stops, { register: false });
    const p = await dialerProblem(await originate(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION }), 409);
    expect(p.type).toBe('https://engage.broadnet.me/errors/agent-not-registered');
    expect(await node.commands()).toEqual([]);
    expect((await agentState(t)).state).not.toBe('on_call');
  });

  it('409 agent-busy while the agent is on another call; the first call is untouched', async () => {
    const { t, node } = await floorWithRegisteredAgent(stops);
    const first = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    const p = await dialerProblem(await originate(t.supervisor, { agent_id: t.agent.id, destination: '+971501234568' }), 409);
    expect(p.type).toBe('https://engage.broadnet.me/errors/agent-busy');
    expect(await commandsOf(node, 'originate')).toHaveLength(1);
    expect(await agentState(t)).toMatchObject({ state: 'on_call', current_call_id: first.call_id });
  });

  it('an agent may originate to their own phone only', async () => {
    const { t } = await floorWithRegisteredAgent(stops);
    const colleague = await addUser(t, { fullName: 'Omar Khalil' });
    await dialerProblem(await originate(t.agent, { agent_id: colleague.id, destination: DESTINATION }), 403);
    await originated(t.agent, { agent_id: t.agent.id, destination: DESTINATION });
  });

  it('cli_override: one of the tenant CLI numbers is presented as given; any other number is a 403 naming the field', async () => {
    const { t, node } = await floorWithRegisteredAgent(stops);
    const p = await dialerProblem(await originate(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION, cli_override: '+97142999999' }), 403);
    expect(p).toMatchObject({ type: 'https://engage.broadnet.me/errors/cli-not-allowed', field: '/cli_override' });
    expect(await node.commands()).toEqual([]);
    await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION, cli_override: TEST_CLI.slice(1) });
    const [cmd] = await commandsOf(node, 'originate');
    expect(cmd!.from).toBe(TEST_CLI.slice(1));
  });

  it("campaign_id: the campaign's CLI group gives the caller ID; an unknown campaign is a 404; the call row carries the campaign", async () => {
    const { t, node } = await floorWithRegisteredAgent(stops);
    await dialerProblem(await originate(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION, campaign_id: crypto.randomUUID() }), 404);
    const groupId = crypto.randomUUID();
    const campaignId = crypto.randomUUID();
    const now = new Date().toISOString();
    await env.DB.batch([
      env.DB.prepare('INSERT INTO cli_groups (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)').bind(groupId, t.tenantId, 'Campaign CLIs', now),
      env.DB.prepare('INSERT INTO cli_numbers (cli_group_id, tenant_id, number) VALUES (?, ?, ?)').bind(groupId, t.tenantId, '+97142000009'),
      env.DB.prepare('INSERT INTO cli_numbers (cli_group_id, tenant_id, number) VALUES (?, ?, ?)').bind(groupId, t.tenantId, '+12025550100'),
      env.DB.prepare(
        "INSERT INTO campaigns (id, tenant_id, name, status, dialing_mode, cli_group_id, max_attempts, retry_delay_minutes, dial_ratio, timezone, created_at) VALUES (?, ?, 'Spring', 'draft', 'progressive', ?, 3, 30, 1, 'Asia/Dubai', ?)",
      ).bind(campaignId, t.tenantId, groupId, now),
    ]);
    const body = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION, campaign_id: campaignId });
    const [cmd] = await commandsOf(node, 'originate');
    expect(cmd!.from).toBe('97142000009');
    expect(await callRow(body.call_id)).toMatchObject({ campaign_id: campaignId, from_number: '+97142000009' });
  });

  it('is in the OpenAPI document with its body fields and answers', async () => {
    const doc = (await (await SELF.fetch(`${BASE}/v1/openapi.json`)).json()) as { paths: Record<string, { post?: Record<string, any> }>; components: { schemas: Record<string, any> } };
    const post = doc.paths['/v1/calls/originate']!.post!;
    expect(Object.keys(post.responses).sort()).toEqual(['202', '400', '403', '404', '409', '503']);
    const schema = post.requestBody.content['application/json'].schema;
    const body = schema.$ref ? doc.components.schemas.OriginateRequest : schema;
    expect(Object.keys(body.properties).sort()).toEqual(['agent_id', 'campaign_id', 'cli_override', 'destination']);
    expect(body.required.sort()).toEqual(['agent_id', 'destination']);
  });

  it('a node that no longer holds the registration: 409, the agent back, no call row', async () => {
    const { t, node } = await floorWithRegisteredAgent(stops);
    await node.configure({ commandErrors: { originate: 'agent_not_registered' } });
    const p = await dialerProblem(await originate(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION }), 409);
    expect(p.type).toBe('https://engage.broadnet.me/errors/agent-not-registered');
    const [cmd] = await commandsOf(node, 'originate');
    expect(await callRow(cmd!.voice_id)).toBeNull();
    expect((await agentState(t)).state).not.toBe('on_call');
    // Nothing is held: a second try after the node recovers goes through.
    await node.configure({ commandErrors: {} });
    await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    await waitFor(async () => ((await agentState(t)).state === 'on_call' ? true : null));
  });
});
