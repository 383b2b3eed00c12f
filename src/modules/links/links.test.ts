import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Ctx } from '../../infra/context.js';
import { queryRows } from '../../infra/db/client.js';
import { buildConsumer, buildSupplier, call, createOrganization, createTestApp, expectProblem, registerUser, type TestUser } from '../../../test/helpers.js';
import { listAcceptedLinkConsumers } from './index.js';
import { updateStatusIf } from './links.repo.js';
import { assertTransition, canTransition, LINK_TRANSITIONS } from './links.service.js';
import { LINK_STATUSES, type LinkStatus } from './links.tables.js';

const { app, database, config } = await createTestApp();
/** A context over the test database (no actor), as the module's callers pass one. */
const ctx = { db: database.db, actor: null, config } as unknown as Ctx;

/** Asks `supplierId` for a link as `user`; expects 201. */
async function request(user: TestUser, supplierId: string, consumerId?: string) {
  const res = await call(app, 'POST', '/api/v1/links/requests', {
    token: user.token,
    body: { supplier_id: supplierId, ...(consumerId ? { consumer_id: consumerId } : {}) },
  });
  if (res.status !== 201) throw new Error(`link request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; status: LinkStatus };
}

const patchStatus = (user: TestUser, id: string, status: string, note?: string) =>
  call(app, 'PATCH', `/api/v1/links/${id}/status`, { token: user.token, body: { status, ...(note ? { note } : {}) } });

/** Moves a link along allowed transitions as `decider`; expects 200 at each step. */
async function drive(decider: TestUser, id: string, ...steps: LinkStatus[]) {
  for (const s of steps) {
    const res = await patchStatus(decider, id, s);
    if (res.status !== 200) throw new Error(`transition to ${s} failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

const statusOf = async (user: TestUser, id: string) => (await call(app, 'GET', `/api/v1/links/${id}`, { token: user.token })).body.status;

const events = (aggregateId: string) =>
  queryRows<{ type: string; organization_id: string; payload: Record<string, unknown> }>(
    database.db,
    sql`select type, organization_id, payload from outbox_events where aggregate_id = ${aggregateId} order by created_at, id`,
  );

/** An id no link has. */
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('the transition table', () => {
  it('allows exactly pending→accepted|denied, accepted→blocked, blocked→accepted, denied→pending', () => {
    const allowed = LINK_STATUSES.flatMap((from) => LINK_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(['accepted→blocked', 'blocked→accepted', 'denied→pending', 'pending→accepted', 'pending→denied']);
    expect(Object.keys(LINK_TRANSITIONS).sort()).toEqual([...LINK_STATUSES].sort());
  });

  it('throws 409 INVALID_STATUS_TRANSITION for anything else, including staying put', () => {
    for (const s of LINK_STATUSES) {
      expect(() => assertTransition(s, s)).toThrowError(expect.objectContaining({ status: 409, code: 'INVALID_STATUS_TRANSITION' }));
    }
    expect(() => assertTransition('denied', 'accepted')).toThrowError(/cannot go from denied to accepted/);
    expect(() => assertTransition('pending', 'accepted')).not.toThrow();
  });
});

describe('POST /links/requests', () => {
  it('lets a consumer owner and a buyer ask; answers the pending link with names and writes link.requested', async () => {
    const c = await buildConsumer(app);
    const [s1, s2] = await Promise.all([buildSupplier(app), buildSupplier(app)]);
    const res = await call(app, 'POST', '/api/v1/links/requests', { token: c.owner.token, body: { supplier_id: s1.org.id } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'pending',
      consumer: { id: c.org.id, name: c.org.name },
      supplier: { id: s1.org.id, name: s1.org.name },
      requested_by: c.owner.id,
      decided_by: null,
    });
    expect(res.body.created_at).toMatch(/Z$/);
    const ev = await events(res.body.id);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: 'link.requested', organization_id: s1.org.id, payload: { consumer_id: c.org.id, supplier_id: s1.org.id } });

    const byBuyer = await call(app, 'POST', '/api/v1/links/requests', { token: c.buyer.token, body: { supplier_id: s2.org.id } });
    expect(byBuyer.status).toBe(201);
    expect(byBuyer.body.requested_by).toBe(c.buyer.id);
    expect(byBuyer.body.consumer.id).toBe(c.org.id);
  });

  it('refuses a user without a consumer organization with 403', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    expectProblem(await call(app, 'POST', '/api/v1/links/requests', { token: s.owner.token, body: { supplier_id: other.org.id } }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/links/requests', { token: s.sales.token, body: { supplier_id: other.org.id } }), 403);
    const nobody = await registerUser(app);
    expectProblem(await call(app, 'POST', '/api/v1/links/requests', { token: nobody.token, body: { supplier_id: other.org.id } }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/links/requests', { body: { supplier_id: other.org.id } }), 401);
  });

  it('answers 404 Supplier for an unknown supplier, a consumer organization, or an inactive supplier, and writes nothing', async () => {
    const c = await buildConsumer(app);
    const other = await buildConsumer(app);
    const inactive = await buildSupplier(app);
    await database.db.execute(sql`update organizations set is_active = false where id = ${inactive.org.id}`);
    for (const supplierId of [MISSING_ID, other.org.id, inactive.org.id]) {
      const p = expectProblem(await call(app, 'POST', '/api/v1/links/requests', { token: c.owner.token, body: { supplier_id: supplierId } }), 404, 'NOT_FOUND');
      expect(p.detail).toMatch(/Supplier/);
    }
    const list = await call(app, 'GET', '/api/v1/links', { token: c.owner.token });
    expect(list.body.total).toBe(0);
  });

  it('rejects a second link for the same pair with 409 LINK_EXISTS, also after a denial', async () => {
    const c = await buildConsumer(app);
    const s = await buildSupplier(app);
    const link = await request(c.owner, s.org.id);
    const dup = expectProblem(await call(app, 'POST', '/api/v1/links/requests', { token: c.buyer.token, body: { supplier_id: s.org.id } }), 409, 'LINK_EXISTS');
    expect(dup.details).toMatchObject({ link_id: link.id, status: 'pending' });
    await drive(s.manager, link.id, 'denied');
    expectProblem(await call(app, 'POST', '/api/v1/links/requests', { token: c.owner.token, body: { supplier_id: s.org.id } }), 409, 'LINK_EXISTS');
    const list = await call(app, 'GET', '/api/v1/links', { token: c.owner.token });
    expect(list.body.items.map((l: { id: string }) => l.id)).toEqual([link.id]);
    expect(list.body.items[0].status).toBe('denied');
  });

  it('lets exactly one of two concurrent requests for a pair create the link', async () => {
    const c = await buildConsumer(app);
    const s = await buildSupplier(app);
    const results = await Promise.all(
      [c.owner, c.buyer].map((u) => call(app, 'POST', '/api/v1/links/requests', { token: u.token, body: { supplier_id: s.org.id } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.code).toBe('LINK_EXISTS');
    expect((await call(app, 'GET', '/api/v1/links', { token: c.owner.token })).body.total).toBe(1);
  });

  it('needs consumer_id when the caller may ask for several consumers (422), and checks it', async () => {
    const c = await buildConsumer(app);
    const second = await createOrganization(app, c.owner, { type: 'consumer' });
    const s = await buildSupplier(app);
    const ambiguous = expectProblem(
      await call(app, 'POST', '/api/v1/links/requests', { token: c.owner.token, body: { supplier_id: s.org.id } }),
      422,
      'VALIDATION_FAILED',
    );
    expect(ambiguous.errors[0].path).toBe('body/consumer_id');

    const stranger = await buildConsumer(app);
    expectProblem(
      await call(app, 'POST', '/api/v1/links/requests', { token: c.owner.token, body: { supplier_id: s.org.id, consumer_id: stranger.org.id } }),
      404,
    );
    // An organization the caller owns but which is a supplier cannot ask.
    const ownSupplier = await createOrganization(app, c.owner, { type: 'supplier' });
    const notConsumer = expectProblem(
      await call(app, 'POST', '/api/v1/links/requests', { token: c.owner.token, body: { supplier_id: s.org.id, consumer_id: ownSupplier.id } }),
      422,
    );
    expect(notConsumer.errors[0].path).toBe('body/consumer_id');
    expect((await call(app, 'GET', '/api/v1/links', { token: c.owner.token })).body.total).toBe(0);

    const link = await request(c.owner, s.org.id, second.id);
    expect(link).toMatchObject({ consumer: { id: second.id } });
    // The buyer belongs to one consumer only: no id needed.
    const s2 = await buildSupplier(app);
    expect((await request(c.buyer, s2.org.id)).status).toBe('pending');
  });

  it('rejects a malformed body with 422', async () => {
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'POST', '/api/v1/links/requests', { token: c.owner.token, body: {} }), 422);
    const p = expectProblem(await call(app, 'POST', '/api/v1/links/requests', { token: c.owner.token, body: { supplier_id: 'nope' } }), 422);
    expect(p.errors[0].path).toBe('body/supplier_id');
  });
});

describe('PATCH /links/{id}/status', () => {
  it('applies every allowed transition, sets decided_by and writes link.status_changed', async () => {
    const c = await buildConsumer(app);
    const s = await buildSupplier(app);
    const link = await request(c.owner, s.org.id);

    const accepted = await patchStatus(s.manager, link.id, 'accepted', 'welcome');
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      status: 'accepted',
      decided_by: s.manager.id,
      requested_by: c.owner.id,
      consumer: { name: c.org.name },
      supplier: { name: s.org.name },
    });
    const blocked = await patchStatus(s.owner, link.id, 'blocked');
    expect(blocked.body).toMatchObject({ status: 'blocked', decided_by: s.owner.id });
    expect((await patchStatus(s.manager, link.id, 'accepted')).body.status).toBe('accepted');

    const ev = (await events(link.id)).filter((e) => e.type === 'link.status_changed');
    expect(ev.map((e) => [e.payload.from, e.payload.to])).toEqual([
      ['pending', 'accepted'],
      ['accepted', 'blocked'],
      ['blocked', 'accepted'],
    ]);
    expect(ev[0].payload.note).toBe('welcome');
    expect(ev[0].organization_id).toBe(c.org.id);

    const s2 = await buildSupplier(app);
    const other = await request(c.buyer, s2.org.id);
    expect((await patchStatus(s2.owner, other.id, 'denied')).body.status).toBe('denied');
    expect((await patchStatus(s2.manager, other.id, 'pending')).body.status).toBe('pending');
    expect((await patchStatus(s2.manager, other.id, 'accepted')).body.status).toBe('accepted');
    expect(await statusOf(c.owner, other.id)).toBe('accepted');
  });

  it('refuses every other transition with 409 and leaves the status unchanged', async () => {
    const c = await buildConsumer(app);
    const suppliers = await Promise.all(LINK_STATUSES.map(() => buildSupplier(app)));
    const paths: Record<LinkStatus, LinkStatus[]> = { pending: [], accepted: ['accepted'], denied: ['denied'], blocked: ['accepted', 'blocked'] };
    for (const [i, from] of LINK_STATUSES.entries()) {
      const s = suppliers[i];
      const link = await request(c.owner, s.org.id);
      await drive(s.manager, link.id, ...paths[from]);
      expect(await statusOf(c.owner, link.id)).toBe(from);
      for (const to of LINK_STATUSES.filter((t) => !LINK_TRANSITIONS[from].includes(t))) {
        const p = expectProblem(await patchStatus(s.manager, link.id, to), 409, 'INVALID_STATUS_TRANSITION');
        expect(p.details).toEqual({ from, to });
        expect(await statusOf(c.owner, link.id)).toBe(from);
      }
      expect((await events(link.id)).filter((e) => e.type === 'link.status_changed')).toHaveLength(paths[from].length);
    }
  });

  it("lets only the supplier's owner or manager decide: 403 on either side otherwise, 404 for outsiders", async () => {
    const c = await buildConsumer(app);
    const s = await buildSupplier(app);
    const link = await request(c.owner, s.org.id);
    expectProblem(await patchStatus(c.owner, link.id, 'accepted'), 403);
    expectProblem(await patchStatus(c.buyer, link.id, 'accepted'), 403);
    expectProblem(await patchStatus(s.sales, link.id, 'accepted'), 403);
    expectProblem(await patchStatus(s.employee, link.id, 'accepted'), 403);
    const otherSupplier = await buildSupplier(app);
    expectProblem(await patchStatus(otherSupplier.owner, link.id, 'accepted'), 404);
    expectProblem(await patchStatus(otherSupplier.manager, link.id, 'accepted'), 404);
    const otherConsumer = await buildConsumer(app);
    expectProblem(await patchStatus(otherConsumer.owner, link.id, 'accepted'), 404);
    expectProblem(await patchStatus(s.owner, MISSING_ID, 'accepted'), 404);
    expect(await statusOf(c.owner, link.id)).toBe('pending');
  });

  it('rejects an unknown status with 422', async () => {
    const c = await buildConsumer(app);
    const s = await buildSupplier(app);
    const link = await request(c.owner, s.org.id);
    const p = expectProblem(await patchStatus(s.owner, link.id, 'approved'), 422);
    expect(p.errors[0].path).toBe('body/status');
    expect(await statusOf(c.owner, link.id)).toBe('pending');
  });

  it('lets exactly one of two concurrent decisions apply', async () => {
    const c = await buildConsumer(app);
    const s = await buildSupplier(app);
    for (let round = 0; round < 3; round++) {
      const sup = round === 0 ? s : await buildSupplier(app);
      const link = await request(c.owner, sup.org.id);
      const [a, d] = await Promise.all([patchStatus(sup.owner, link.id, 'accepted'), patchStatus(sup.manager, link.id, 'denied')]);
      expect([a.status, d.status].sort()).toEqual([200, 409]);
      const winner = a.status === 200 ? 'accepted' : 'denied';
      const loser = a.status === 200 ? d : a;
      expect(loser.body.code).toBe('INVALID_STATUS_TRANSITION');
      expect(await statusOf(c.owner, link.id)).toBe(winner);
      expect((await events(link.id)).filter((e) => e.type === 'link.status_changed')).toHaveLength(1);
    }
  });
});

describe('the conditional update', () => {
  it('changes nothing when the link is no longer in the status the decision was made from', async () => {
    const c = await buildConsumer(app);
    const s = await buildSupplier(app);
    const link = await request(c.owner, s.org.id);
    await drive(s.owner, link.id, 'accepted');
    expect(await updateStatusIf(database.db, link.id, 'pending', 'denied', s.manager.id)).toBeUndefined();
    const now = await call(app, 'GET', `/api/v1/links/${link.id}`, { token: c.owner.token });
    expect(now.body).toMatchObject({ status: 'accepted', decided_by: s.owner.id });
  });
});

describe('GET /links/{id}', () => {
  it('shows the link to members with links:read on either side and hides it from everyone else', async () => {
    const c = await buildConsumer(app);
    const s = await buildSupplier(app);
    const link = await request(c.buyer, s.org.id);
    for (const u of [c.owner, c.buyer, s.owner, s.manager, s.sales]) {
      const res = await call(app, 'GET', `/api/v1/links/${link.id}`, { token: u.token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: link.id, consumer: { id: c.org.id, name: c.org.name }, supplier: { id: s.org.id, name: s.org.name } });
    }
    expectProblem(await call(app, 'GET', `/api/v1/links/${link.id}`, { token: s.employee.token }), 403);
    const [oc, os] = await Promise.all([buildConsumer(app), buildSupplier(app)]);
    for (const u of [oc.owner, oc.buyer, os.owner, os.sales]) {
      expectProblem(await call(app, 'GET', `/api/v1/links/${link.id}`, { token: u.token }), 404);
    }
    expectProblem(await call(app, 'GET', `/api/v1/links/${MISSING_ID}`, { token: c.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/links/not-a-uuid', { token: c.owner.token }), 422);
  });
});

describe('lists', () => {
  it("GET /links shows only the caller's consumer links, newest first, filtered by status", async () => {
    const c = await buildConsumer(app);
    const other = await buildConsumer(app);
    const sups = await Promise.all([1, 2, 3].map(() => buildSupplier(app)));
    const l1 = await request(c.owner, sups[0].org.id);
    const l2 = await request(c.buyer, sups[1].org.id);
    const l3 = await request(c.owner, sups[2].org.id);
    const foreign = await request(other.owner, sups[0].org.id);
    await drive(sups[1].manager, l2.id, 'accepted');
    await drive(sups[2].manager, l3.id, 'denied');

    for (const u of [c.owner, c.buyer]) {
      const all = await call(app, 'GET', '/api/v1/links', { token: u.token });
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ total: 3, limit: 20, offset: 0 });
      expect(all.body.items.map((l: { id: string }) => l.id)).toEqual([l3.id, l2.id, l1.id]);
    }
    const accepted = await call(app, 'GET', '/api/v1/links?status=accepted', { token: c.owner.token });
    expect(accepted.body.total).toBe(1);
    expect(accepted.body.items.map((l: { id: string }) => l.id)).toEqual([l2.id]);
    const pending = await call(app, 'GET', '/api/v1/links?status=pending', { token: c.owner.token });
    expect(pending.body.items.map((l: { id: string }) => l.id)).toEqual([l1.id]);

    const theirs = await call(app, 'GET', '/api/v1/links', { token: other.owner.token });
    expect(theirs.body.items.map((l: { id: string }) => l.id)).toEqual([foreign.id]);
    // A supplier's own consumer-side list is empty: its incoming links are elsewhere.
    expect((await call(app, 'GET', '/api/v1/links', { token: sups[0].owner.token })).body.total).toBe(0);
  });

  it("GET /links/incoming shows only the caller's supplier links, to owner, manager and sales", async () => {
    const s = await buildSupplier(app);
    const os = await buildSupplier(app);
    const [c1, c2] = await Promise.all([buildConsumer(app), buildConsumer(app)]);
    const a = await request(c1.owner, s.org.id);
    const b = await request(c2.buyer, s.org.id);
    const elsewhere = await request(c1.owner, os.org.id);
    await drive(s.owner, b.id, 'accepted');

    for (const u of [s.owner, s.manager, s.sales]) {
      const res = await call(app, 'GET', '/api/v1/links/incoming', { token: u.token });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(2);
      expect(res.body.items.map((l: { id: string }) => l.id)).toEqual([b.id, a.id]);
    }
    const pending = await call(app, 'GET', '/api/v1/links/incoming?status=pending', { token: s.sales.token });
    expect(pending.body.items.map((l: { id: string }) => l.id)).toEqual([a.id]);
    const theirs = await call(app, 'GET', '/api/v1/links/incoming', { token: os.owner.token });
    expect(theirs.body.items.map((l: { id: string }) => l.id)).toEqual([elsewhere.id]);
    expectProblem(await call(app, 'GET', '/api/v1/links/incoming', { token: s.employee.token }), 403);
    expect((await call(app, 'GET', '/api/v1/links/incoming', { token: c1.owner.token })).body.total).toBe(0);
  });

  it('reads a page with the same number of queries whatever its size (no N+1)', async () => {
    const c = await buildConsumer(app);
    const sups = await Promise.all([1, 2, 3].map(() => buildSupplier(app)));
    for (const s of sups) await request(c.owner, s.org.id);
    const cost = async (limit: number) => {
      const before = database.queryCount();
      const res = await call(app, 'GET', `/api/v1/links?limit=${limit}`, { token: c.owner.token });
      expect(res.body.items).toHaveLength(limit);
      return database.queryCount() - before;
    };
    expect(await cost(3)).toBe(await cost(1));
  });

  it('pages with limit and offset and rejects bad query values with 422', async () => {
    const c = await buildConsumer(app);
    const sups = await Promise.all([1, 2, 3].map(() => buildSupplier(app)));
    const ids: string[] = [];
    for (const s of sups) ids.unshift((await request(c.owner, s.org.id)).id);
    const page = await call(app, 'GET', '/api/v1/links?limit=2&offset=1', { token: c.owner.token });
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(page.body.items.map((l: { id: string }) => l.id)).toEqual(ids.slice(1, 3));
    const past = await call(app, 'GET', '/api/v1/links?offset=10', { token: c.owner.token });
    expect(past.body).toMatchObject({ items: [], total: 3 });

    const bad = expectProblem(await call(app, 'GET', '/api/v1/links?status=approved', { token: c.owner.token }), 422);
    expect(bad.errors[0].path).toMatch(/^querystring\/status/);
    expectProblem(await call(app, 'GET', '/api/v1/links/incoming?status=nope', { token: sups[0].owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/links?limit=0', { token: c.owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/links?limit=101', { token: c.owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/links?offset=-1', { token: c.owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/links'), 401);
  });
});

describe('listAcceptedLinkConsumers', () => {
  it('answers the listed consumers with an accepted link, sorted, or none', async () => {
    const s = await buildSupplier(app);
    const [c1, c2, c3] = await Promise.all([buildConsumer(app), buildConsumer(app), buildConsumer(app)]);
    const l1 = await request(c1.owner, s.org.id);
    const l2 = await request(c2.owner, s.org.id);
    const l3 = await request(c3.owner, s.org.id);
    await drive(s.owner, l2.id, 'accepted');
    await drive(s.owner, l3.id, 'accepted');
    await drive(s.owner, l1.id, 'denied');
    expect(await listAcceptedLinkConsumers(ctx, [], s.org.id)).toEqual([]);
    expect(await listAcceptedLinkConsumers(ctx, [c1.org.id], s.org.id)).toEqual([]);
    expect(await listAcceptedLinkConsumers(ctx, [c1.org.id, c3.org.id, c2.org.id], s.org.id)).toEqual([c2.org.id, c3.org.id].sort());
    expect(await listAcceptedLinkConsumers(ctx, [c2.org.id], s.org.id)).toEqual([c2.org.id]);
    const other = await buildSupplier(app);
    expect(await listAcceptedLinkConsumers(ctx, [c2.org.id], other.org.id)).toEqual([]);
    await drive(s.owner, l2.id, 'blocked');
    expect(await listAcceptedLinkConsumers(ctx, [c2.org.id, c3.org.id], s.org.id)).toEqual([c3.org.id]);
  });
});

describe('openapi', () => {
  it('documents every links route with its errors', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/v1/links/requests'].post.responses)).toEqual(expect.arrayContaining(['201', '403', '404', '409', '422']));
    expect(Object.keys(doc.paths['/api/v1/links/{id}/status'].patch.responses)).toEqual(expect.arrayContaining(['200', '403', '404', '409', '422']));
    expect(doc.paths['/api/v1/links/incoming'].get.tags).toEqual(['links']);
  });
});
