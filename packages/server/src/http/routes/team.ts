import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { setPasswordLink } from '../../accounts/set-password-link.ts';
import type { Account } from '../../storage/accounts.ts';
import type { AppDeps } from '../context.ts';
import { apiKeySecurity, jsonBody, jsonResponse, problemResponses } from '../openapi-parts.ts';
import { iso } from '../presenters.ts';
import { notFound, ProblemError } from '../problem.ts';
import { ROLES } from '../roles.ts';
import { createRouter, handle } from '../route.ts';
import { ownOrigin } from '../session-cookie.ts';

const tags = ['Team'];

const memberSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    active: z.boolean().describe('Whether the person has set a password yet'),
    createdAt: z.string(),
  })
  .meta({ id: 'TeamMember' });

const userParams = z.object({ userId: z.string().min(1).max(256) });

const listTeam = createRoute({
  method: 'get',
  path: '/',
  summary: "The workspace's people (owner only)",
  tags,
  security: apiKeySecurity,
  responses: {
    200: jsonResponse(
      'Everyone (one page)',
      z.object({ data: z.array(memberSchema), nextCursor: z.null() }),
    ),
    ...problemResponses,
  },
});

const invite = createRoute({
  method: 'post',
  path: '/',
  summary: 'Invite a person (owner only): `inviteUrl` is a one-time set-password link',
  tags,
  security: apiKeySecurity,
  request: {
    body: jsonBody(z.strictObject({ email: z.email().max(320), role: z.enum(ROLES) })),
  },
  responses: {
    201: jsonResponse('The invited person', memberSchema.extend({ inviteUrl: z.string() })),
    ...problemResponses,
  },
});

const changeRole = createRoute({
  method: 'patch',
  path: '/{userId}',
  summary: "Change a person's role (owner only)",
  tags,
  security: apiKeySecurity,
  request: { params: userParams, body: jsonBody(z.strictObject({ role: z.enum(ROLES) })) },
  responses: { 200: jsonResponse('The person', memberSchema), ...problemResponses },
});

const remove = createRoute({
  method: 'delete',
  path: '/{userId}',
  summary: 'Remove a person (owner only): their sessions end at once',
  tags,
  security: apiKeySecurity,
  request: { params: userParams },
  responses: { 204: { description: 'Removed' }, ...problemResponses },
});

const memberJson = (account: Account) => ({
  id: account.id,
  email: account.email,
  role: account.role,
  active: account.active,
  createdAt: iso(account.createdAt),
});

const lastOwner = () => new ProblemError(409, 'Conflict', 'A workspace keeps at least one owner');

/** `/v1/team` (API.md "Dashboard and accounts"); roles.ts keeps it to owners. */
export function teamRoutes({ store, clock, trustProxy }: AppDeps) {
  const app = createRouter();

  handle(app, listTeam, async (c) => {
    const people = await store.accounts.list(c.get('workspace').id);
    return c.json({ data: people.map(memberJson), nextCursor: null }, 200);
  });

  handle(app, invite, async (c, { body }) => {
    const workspaceId = c.get('workspace').id;
    const created = await store.accounts.create({ workspaceId, ...body }, clock());
    if (!created) throw new ProblemError(409, 'Conflict', 'That email already has an account');
    const inviteUrl = setPasswordLink(ownOrigin(c, trustProxy ?? 0), created.token);
    c.header('Cache-Control', 'no-store');
    return c.json({ ...memberJson(created.account), inviteUrl }, 201);
  });

  handle(app, changeRole, async (c, { params, body }) => {
    const workspaceId = c.get('workspace').id;
    const current = await store.accounts.get(workspaceId, params.userId);
    if (!current) throw notFound('Person');
    if (current.role === 'owner' && body.role !== 'owner') {
      if ((await store.accounts.countOwners(workspaceId)) <= 1) throw lastOwner();
    }
    const updated = await store.accounts.setRole(workspaceId, current.id, body.role, clock());
    if (!updated) throw notFound('Person');
    return c.json(memberJson(updated), 200);
  });

  handle(app, remove, async (c, { params }) => {
    const workspaceId = c.get('workspace').id;
    const current = await store.accounts.get(workspaceId, params.userId);
    if (!current) throw notFound('Person');
    if (current.role === 'owner' && (await store.accounts.countOwners(workspaceId)) <= 1) {
      throw lastOwner();
    }
    await store.accounts.remove(workspaceId, current.id);
    return c.body(null, 204);
  });

  return app;
}
