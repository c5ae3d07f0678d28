// CLI groups: admin writes, everyone reads, numbers normalised to E.164 and
// unique per group, no deleting a group a campaign uses, other tenants' groups 404.
import { describe, expect, it } from 'vitest';
import { allPages, call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { createCampaign, createCliGroup, json } from './fixtures.ts';

interface Group {
  id: string;
  name: string;
  numbers: string[];
  created_at: string;
}

describe('CLI groups', () => {
  it('creates with numbers normalised to E.164 and deduplicated, reads it back, lists it', async () => {
    const t = await seedDialerTenant();
    const group = await json<Group>(await call(t.admin, 'POST', '/v1/cli-groups', { name: 'Dubai lines', numbers: ['97145550002', '+97145550001', '+97145550002'] }), 201);
    expect(group).toEqual({ id: expect.any(String), name: 'Dubai lines', numbers: ['+97145550001', '+97145550002'], created_at: expect.any(String) });
    expect(await json<Group>(await call(t.agent, 'GET', `/v1/cli-groups/${group.id}`))).toEqual(group);
    const empty = await json<Group>(await call(t.admin, 'POST', '/v1/cli-groups', { name: 'Later' }), 201);
    expect(empty.numbers).toEqual([]);
    expect(await allPages<Group>(t.agent, '/v1/cli-groups', 1)).toEqual([group, empty]);
  });

  it('renames, adds and removes numbers; unknown removals and repeated additions are no-ops', async () => {
    const t = await seedDialerTenant();
    const id = await createCliGroup(t, ['+97145550001', '+97145550002']);
    const changed = await json<Group>(
      await call(t.admin, 'PATCH', `/v1/cli-groups/${id}`, { name: 'Renamed', add_numbers: ['+97145550003', '97145550001'], remove_numbers: ['+97145550002', '+97145559999'] }),
    );
    expect(changed).toMatchObject({ id, name: 'Renamed', numbers: ['+97145550001', '+97145550003'] });
    await dialerProblem(await call(t.admin, 'PATCH', `/v1/cli-groups/${id}`, {}), 400);
    const both = await dialerProblem(await call(t.admin, 'PATCH', `/v1/cli-groups/${id}`, { add_numbers: ['+97145550009'], remove_numbers: ['97145550009'] }), 400);
    expect(both.field).toBe('/add_numbers/0');
  });

  it('400s numbers that are not E.164, naming each by pointer, and stores nothing', async () => {
    const t = await seedDialerTenant();
    const p = await dialerProblem(await call(t.admin, 'POST', '/v1/cli-groups', { name: 'Bad', numbers: ['+97145550001', '04 555 0001', '+99912345678', 42] }), 400);
    expect(p.errors!.map((e) => e.pointer)).toEqual(['/numbers/1', '/numbers/2', '/numbers/3']);
    expect(await allPages(t.admin, '/v1/cli-groups', 50)).toEqual([]);
    await dialerProblem(await call(t.admin, 'POST', '/v1/cli-groups', { numbers: [] }), 400);
  });

  it('409s a second group with the same name, on create and on rename', async () => {
    const t = await seedDialerTenant();
    await createCliGroup(t, [], 'Main');
    const other = await createCliGroup(t, [], 'Other');
    const p = await dialerProblem(await call(t.admin, 'POST', '/v1/cli-groups', { name: 'Main' }), 409);
    expect(p.type).toBe('https://engage.broadnet.me/errors/cli-group-name-taken');
    await dialerProblem(await call(t.admin, 'PATCH', `/v1/cli-groups/${other}`, { name: 'Main' }), 409);
    // Another tenant may use the name.
    await createCliGroup(await seedDialerTenant(), [], 'Main');
  });

  it('deletes an unused group (204) and 409s one a campaign uses', async () => {
    const t = await seedDialerTenant();
    const unused = await createCliGroup(t);
    expect((await call(t.admin, 'DELETE', `/v1/cli-groups/${unused}`)).status).toBe(204);
    await dialerProblem(await call(t.agent, 'GET', `/v1/cli-groups/${unused}`), 404);
    await dialerProblem(await call(t.admin, 'DELETE', `/v1/cli-groups/${unused}`), 404);

    const used = await createCliGroup(t);
    await createCampaign(t, { cli_group_id: used });
    const p = await dialerProblem(await call(t.admin, 'DELETE', `/v1/cli-groups/${used}`), 409);
    expect(p.type).toBe('https://engage.broadnet.me/errors/cli-group-in-use');
    expect((await json<Group>(await call(t.admin, 'GET', `/v1/cli-groups/${used}`))).numbers).toEqual(['+97145550001']);
  });

  it('lets agents and supervisors read but only admins write; 401 without a token', async () => {
    const t = await seedDialerTenant();
    const id = await createCliGroup(t);
    for (const who of [t.agent, t.supervisor]) {
      await dialerProblem(await call(who, 'POST', '/v1/cli-groups', { name: 'x' }), 403);
      await dialerProblem(await call(who, 'PATCH', `/v1/cli-groups/${id}`, { name: 'x' }), 403);
      await dialerProblem(await call(who, 'DELETE', `/v1/cli-groups/${id}`), 403);
      expect((await call(who, 'GET', '/v1/cli-groups')).status).toBe(200);
      expect((await call(who, 'GET', `/v1/cli-groups/${id}`)).status).toBe(200);
    }
    for (const [method, path] of [['GET', '/v1/cli-groups'], ['POST', '/v1/cli-groups'], ['GET', `/v1/cli-groups/${id}`], ['DELETE', `/v1/cli-groups/${id}`]] as const) {
      await dialerProblem(await call(null, method, path), 401);
    }
  });

  it("answers 404 for another tenant's group on every route and never lists it", async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const theirs = await createCliGroup(other);
    await dialerProblem(await call(t.admin, 'GET', `/v1/cli-groups/${theirs}`), 404);
    await dialerProblem(await call(t.admin, 'PATCH', `/v1/cli-groups/${theirs}`, { name: 'mine now' }), 404);
    await dialerProblem(await call(t.admin, 'DELETE', `/v1/cli-groups/${theirs}`), 404);
    expect(await allPages(t.admin, '/v1/cli-groups', 50)).toEqual([]);
    expect((await json<Group>(await call(other.admin, 'GET', `/v1/cli-groups/${theirs}`))).name).not.toBe('mine now');
  });

  it('pages through groups with inserts in between: every group once, in creation order', async () => {
    const t = await seedDialerTenant();
    for (let i = 0; i < 12; i++) await createCliGroup(t, [`+9714555${String(i).padStart(4, '0')}`], `G${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let added = 0;
    do {
      const page: { items: Group[]; next_cursor: string | null; total: number } = await json(await call(t.agent, 'GET', `/v1/cli-groups?limit=5${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.items.map((g) => g.name));
      cursor = page.next_cursor;
      if (added < 2) await createCliGroup(t, [], `late${added++}`);
    } while (cursor);
    expect(seen).toEqual([...Array.from({ length: 12 }, (_, i) => `G${i}`), 'late0', 'late1']);
  });
});
