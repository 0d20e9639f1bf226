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
    path: '/v1/jobs/{jobId}',
    summary: 'Job status and progress',
    auth: 'apiKey',
    success: 200,
  },
  ...crud('/v1/audiences', 'audience', audienceCreateSchema, audiencePatchSchema),
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
