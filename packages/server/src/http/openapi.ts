import { z } from 'zod';
import {
  audienceCreateSchema,
  audiencePreviewSchema,
  audiencePatchSchema,
  membersChangeSchema,
} from './routes/audiences.ts';
import { triggerPatchSchema, triggerSchema } from './routes/triggers.ts';
import { putUserSchema } from './routes/users.ts';
import { organizationPatchSchema } from './routes/workspace.ts';
import * as schemas from './schemas.ts';
import {
  segmentAliasSchema,
  segmentBatchSchema,
  segmentGroupSchema,
  segmentIdentifySchema,
  segmentPageSchema,
  segmentScreenSchema,
  segmentTrackSchema,
} from './segment-schemas.ts';

interface Operation {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  summary: string;
  auth: 'apiKey' | 'public';
  body?: z.ZodType;
  success: number;
}

/**
 * Routes not yet declared with `createRoute` (see route.ts), with the schema of their body.
 * Transitional: each resource leaves this list when its routes declare themselves.
 */
const OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/v1/sites/{siteKey}/config',
    summary: 'Site config for the snippet',
    auth: 'public',
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/sites/{siteKey}/subscriptions',
    summary: 'Subscribe (same endpoint again → 200, updated)',
    auth: 'public',
    body: schemas.subscribeSchema,
    success: 201,
  },
  {
    method: 'delete',
    path: '/v1/sites/{siteKey}/subscriptions',
    summary: 'Unsubscribe by endpoint',
    auth: 'public',
    body: schemas.unsubscribeSchema,
    success: 204,
  },
  {
    method: 'post',
    path: '/v1/sites/{siteKey}/events',
    summary: 'Pixel events (one or an array)',
    auth: 'public',
    body: schemas.pixelBatchSchema,
    success: 202,
  },
  {
    method: 'get',
    path: '/v1/sites/{siteKey}/pixel.gif',
    summary: 'Image pixel',
    auth: 'public',
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/sites/{siteKey}/receipts',
    summary: 'Service-worker receipts',
    auth: 'public',
    body: schemas.receiptSchema,
    success: 202,
  },
  {
    method: 'get',
    path: '/v1/organization',
    summary: 'Workspace, its sites and features',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'patch',
    path: '/v1/organization',
    summary: 'Workspace settings: retention {eventsDays, deliveriesDays, jobsDays}',
    auth: 'apiKey',
    body: organizationPatchSchema,
    success: 200,
  },
  {
    method: 'get',
    path: '/v1/subscribers',
    summary: 'List subscribers (siteId, externalId, category)',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'get',
    path: '/v1/subscribers/{id}',
    summary: 'Get a subscriber',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'delete',
    path: '/v1/subscribers/{id}',
    summary: 'Delete a subscriber',
    auth: 'apiKey',
    success: 204,
  },
  {
    method: 'post',
    path: '/v1/campaigns',
    summary: 'Create a campaign',
    auth: 'apiKey',
    body: schemas.campaignCreateSchema,
    success: 201,
  },
  { method: 'get', path: '/v1/campaigns', summary: 'List campaigns', auth: 'apiKey', success: 200 },
  {
    method: 'get',
    path: '/v1/campaigns/{id}',
    summary: 'Get a campaign',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'patch',
    path: '/v1/campaigns/{id}',
    summary: 'Update a campaign',
    auth: 'apiKey',
    body: schemas.campaignPatchSchema,
    success: 200,
  },
  {
    method: 'get',
    path: '/v1/campaigns/{id}/stats',
    summary:
      'Campaign stats, total and per message; `?interval=hour|day&from=&to=&messageId=` adds `series` (hourly roll-ups)',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/notifications',
    summary: 'Send (Idempotency-Key supported)',
    auth: 'apiKey',
    body: schemas.notificationCreateSchema,
    success: 202,
  },
  {
    method: 'get',
    path: '/v1/notifications/{id}',
    summary: 'Notification status, counts and failure reasons',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'get',
    path: '/v1/notifications',
    summary: 'List notifications, newest first (?status=&campaignId=&limit=&cursor=)',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/notifications/{id}/cancel',
    summary: 'Cancel: nothing more is sent (409 once sent, failed or cancelled)',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'get',
    path: '/v1/jobs/{jobId}',
    summary: 'Job status and progress',
    auth: 'apiKey',
    success: 200,
  },
  ...crud('/v1/audiences', 'audience', audienceCreateSchema, audiencePatchSchema),
  {
    method: 'post',
    path: '/v1/audiences/preview',
    summary: 'The size a rule would have (nothing stored)',
    auth: 'apiKey',
    body: audiencePreviewSchema,
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/audiences/{id}/members',
    summary: 'Add / remove members (a job)',
    auth: 'apiKey',
    body: membersChangeSchema,
    success: 202,
  },
  {
    method: 'get',
    path: '/v1/audiences/{id}/members',
    summary: 'List members',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'put',
    path: '/v1/users/{externalId}',
    summary: "Set a user's traits",
    auth: 'apiKey',
    body: putUserSchema,
    success: 200,
  },
  {
    method: 'get',
    path: '/v1/users/{externalId}',
    summary: 'A user, its subscribers and audiences',
    auth: 'apiKey',
    success: 200,
  },
  {
    method: 'delete',
    path: '/v1/users/{externalId}',
    summary: 'Erase a user (GDPR)',
    auth: 'apiKey',
    success: 204,
  },
  ...crud('/v1/triggers', 'trigger', triggerSchema, triggerPatchSchema),
  {
    method: 'post',
    path: '/v1/identify',
    summary: 'Segment identify',
    auth: 'apiKey',
    body: segmentIdentifySchema,
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/track',
    summary: 'Segment track',
    auth: 'apiKey',
    body: segmentTrackSchema,
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/page',
    summary: 'Segment page',
    auth: 'apiKey',
    body: segmentPageSchema,
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/screen',
    summary: 'Segment screen (recorded like page)',
    auth: 'apiKey',
    body: segmentScreenSchema,
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/group',
    summary: "Segment group (the user's group trait)",
    auth: 'apiKey',
    body: segmentGroupSchema,
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/alias',
    summary: "Segment alias (previousId's data moves to userId)",
    auth: 'apiKey',
    body: segmentAliasSchema,
    success: 200,
  },
  {
    method: 'post',
    path: '/v1/batch',
    summary: 'Segment batch',
    auth: 'apiKey',
    body: segmentBatchSchema,
    success: 200,
  },
];

/** The five routes of a resource with create / list / get / patch / delete. */
function crud(base: string, name: string, create: z.ZodType, patch: z.ZodType): Operation[] {
  return [
    {
      method: 'post',
      path: base,
      summary: `Create a ${name}`,
      auth: 'apiKey',
      body: create,
      success: 201,
    },
    { method: 'get', path: base, summary: `List ${name}s`, auth: 'apiKey', success: 200 },
    { method: 'get', path: `${base}/{id}`, summary: `Get a ${name}`, auth: 'apiKey', success: 200 },
    {
      method: 'patch',
      path: `${base}/{id}`,
      summary: `Update a ${name}`,
      auth: 'apiKey',
      body: patch,
      success: 200,
    },
    {
      method: 'delete',
      path: `${base}/{id}`,
      summary: `Delete a ${name}`,
      auth: 'apiKey',
      success: 204,
    },
  ];
}

const problem = {
  description: 'An RFC 9457 problem',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

/** The part of the OpenAPI 3.1 document not yet generated from route declarations. */
export function legacyOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.auth === 'apiKey' && { security: [{ apiKey: [] }] }),
      ...(params.length > 0 && { parameters: params }),
      ...(op.body && {
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }),
            },
          },
        },
      }),
      responses: { [op.success]: { description: 'Success' }, '4XX': problem },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Beckon', version: '1', description: 'Self-hosted web push: see API.md' },
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
}
