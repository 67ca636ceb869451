// The provider API's shapes, written once in zod, and the OpenAPI 3.1 document the relay serves
// at /api/provider/v1/openapi.json, built from them (so the document and the answers cannot drift:
// provider-api.test.ts checks every documented route against real answers).
import { z } from 'zod';
import { DELAY_REASONS } from '../../src-shared/exceptions.js';
import { STAGES } from '../../src-shared/stages.js';
import type { OpenException, RepairDetail, RepairSummary, ShopSla } from '../providers/access.js';
import type { DeliveryLogEntry } from './records.js';
import { SCOPES, SIGNATURE_HEADER } from './secrets.js';

const text = z.string();
const maybe = <T extends z.ZodType>(s: T) => s.nullable();
const reasons = Object.keys(DELAY_REASONS) as [keyof typeof DELAY_REASONS, ...Array<keyof typeof DELAY_REASONS>];

export const RepairSummarySchema = z.object({
  workspaceId: text.describe('The shop (stable id).'),
  shopName: text,
  roId: text.describe('The repair order (stable id).'),
  roNumber: maybe(z.number().int()),
  claimNumber: maybe(text),
  insurer: maybe(text),
  plate: maybe(text),
  vehicle: text,
  stage: maybe(z.enum(STAGES)),
  stageLabel: text,
  promisedDate: maybe(text).describe('Planned completion, YYYY-MM-DD in the shop\'s time zone.'),
  checkedInAt: maybe(text),
  closedAt: maybe(text),
}) satisfies z.ZodType<RepairSummary>;

const ExceptionSchema = z.object({
  id: text,
  tag: maybe(text),
  reason: text.describe(`One of: ${reasons.join(', ')}.`),
  reasonLabel: text,
  openedAt: maybe(text),
  resolvedAt: maybe(text),
});

const SharedFileSchema = z.object({ id: text, fileName: maybe(text), mimeType: maybe(text), caption: maybe(text), blobHash: text, addedAt: maybe(text) });

export const RepairDetailSchema = RepairSummarySchema.extend({
  shop: z.object({ workspaceId: text, name: text, phone: maybe(text), email: maybe(text), address: maybe(text), timeZone: text }),
  customerName: maybe(text),
  vin: maybe(text),
  courtesyCar: maybe(text),
  firstNoticeAt: maybe(text),
  stages: z.array(z.object({ stage: text, label: text, at: text })),
  promisedDateChanges: z.array(z.object({ from: maybe(text), to: maybe(text), reason: maybe(text), at: maybe(text) })),
  exceptions: z.array(ExceptionSchema),
  photos: z.array(SharedFileSchema),
  documents: z.array(SharedFileSchema),
  messages: z.array(z.object({ id: text, at: maybe(text), direction: maybe(text), author: maybe(text), body: text })),
  amounts: maybe(z.object({ estimateTotalCents: maybe(z.number().int()), deductibleCents: maybe(z.number().int()) })).describe('Only when the shop shares amounts with this provider; null otherwise.'),
  shares: z.object({ photos: z.boolean(), documents: z.boolean(), messages: z.boolean(), amounts: z.boolean() }),
}) satisfies z.ZodType<RepairDetail>;

export const OpenExceptionSchema = ExceptionSchema.extend({
  workspaceId: text,
  shopName: text,
  roId: text,
  roNumber: maybe(z.number().int()),
  claimNumber: maybe(text),
  plate: maybe(text),
  ageDays: z.number().int(),
}) satisfies z.ZodType<OpenException>;

export const ShopSlaSchema = z.object({
  workspaceId: text,
  shopName: text,
  openRepairs: z.number().int(),
  pastPromised: z.array(z.object({ roId: text, roNumber: maybe(z.number().int()), claimNumber: maybe(text), promisedDate: text })),
  firstNoticeToStartDays: maybe(z.number()),
  startedCount: z.number().int(),
  cycleDays: maybe(z.number()),
  deliveredCount: z.number().int(),
}) satisfies z.ZodType<ShopSla>;

export const DeliverySchema = z.object({
  endpointId: text,
  url: text,
  eventId: text,
  kind: text,
  workspaceId: text,
  roId: text,
  claimNumber: maybe(text),
  status: z.enum(['pending', 'delivered', 'failed', 'withheld']),
  attempts: z.number().int(),
  lastAttemptAt: maybe(text),
  lastStatusCode: maybe(z.number().int()),
  lastError: maybe(text),
  nextAttemptAt: maybe(text),
  deliveredAt: maybe(text),
  createdAt: text,
}) satisfies z.ZodType<DeliveryLogEntry>;

export const ErrorSchema = z.object({ error: text.describe('A stable code, e.g. missing-key, key-in-query, invalid-key, missing-scope, rate-limited, not-found.'), message: text });

export const EVENT_TYPES = ['repair.stage-changed', 'repair.promised-date-revised', 'repair.exception-opened', 'repair.exception-closed', 'repair.delivered'] as const;

export const WebhookBodySchema = z.object({
  id: text.describe('The event id: the same on every delivery of this event (de-duplicate on it).'),
  type: z.enum(EVENT_TYPES),
  occurredAt: text,
  sequence: z.number().int().describe('Grows with each event of a shop; a repair\'s events arrive in this order.'),
  repair: z.object({ shopId: text, roId: text, roNumber: maybe(z.number().int()), claimNumber: maybe(text) }),
  data: z.record(z.string(), z.string().nullable()).describe('stage-changed: stage; promised-date-revised: from, to, reason; exception-*: exceptionId, reason, tag; delivered: closedAt.'),
});

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' });

export const API_BASE = '/api/provider/v1';

/** The routes, as the document names them (the test walks this list). */
export const DOCUMENTED_ROUTES = [
  { method: 'get', path: '/repairs', schema: 'RepairList', scope: 'repairs:read' },
  { method: 'get', path: '/repairs/{shopId}/{roId}', schema: 'RepairDetail', scope: 'repairs:read' },
  { method: 'get', path: '/exceptions', schema: 'ExceptionList', scope: 'exceptions:read' },
  { method: 'get', path: '/sla', schema: 'SlaList', scope: 'sla:read' },
  { method: 'get', path: '/webhooks/deliveries', schema: 'DeliveryList', scope: 'webhooks:read' },
] as const;

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const errors = (codes: number[]) =>
    Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]));
  const ok = (name: string, description: string) => ({ '200': { description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } } });
  const guarded = (scope: string) => ({ security: [{ apiKey: [scope] }] });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bayline work-provider API',
      version: '1.0.0',
      description: [
        'Read-only access to the repairs that shops granted your organisation, and signed webhooks when they move.',
        'Authenticate with `Authorization: Bearer <API key>`. A key in the address (query string) is refused with 400 key-in-query and the request is not served.',
        'Each key is limited to a number of requests per minute; over it the answer is 429 with Retry-After.',
        `Webhooks are POSTed as JSON with \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex>\` where hex = HMAC-SHA256(endpoint secret, "<t>.<raw body>"); also \`bayline-event-id\` and \`bayline-event-type\`.`,
        'Answer 2xx to acknowledge. Anything else (or no answer in 10 s) is retried with exponential backoff and jitter; an event may arrive more than once, always with the same id; a repair\'s events arrive in order.',
      ].join('\n\n'),
    },
    servers: [{ url: `${serverUrl.replace(/\/+$/, '')}${API_BASE}` }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: `An API key (bkp_…). Scopes: ${[...SCOPES].join(', ')}.` } },
      schemas: {
        RepairSummary: json(RepairSummarySchema),
        RepairList: { type: 'object', required: ['repairs'], properties: { repairs: { type: 'array', items: { $ref: '#/components/schemas/RepairSummary' } } } },
        RepairDetail: json(RepairDetailSchema),
        OpenException: json(OpenExceptionSchema),
        ExceptionList: { type: 'object', required: ['exceptions'], properties: { exceptions: { type: 'array', items: { $ref: '#/components/schemas/OpenException' } } } },
        ShopSla: json(ShopSlaSchema),
        SlaList: { type: 'object', required: ['shops'], properties: { shops: { type: 'array', items: { $ref: '#/components/schemas/ShopSla' } } } },
        Delivery: json(DeliverySchema),
        DeliveryList: { type: 'object', required: ['deliveries'], properties: { deliveries: { type: 'array', items: { $ref: '#/components/schemas/Delivery' } } } },
        Error: json(ErrorSchema),
        WebhookEvent: json(WebhookBodySchema),
      },
    },
    paths: {
      '/repairs': {
        get: {
          operationId: 'findRepairs',
          summary: 'Repairs by claim reference or plate, across every shop that granted you (case, spaces, dashes and dots ignored).',
          ...guarded('repairs:read'),
          parameters: [
            { name: 'claim', in: 'query', schema: { type: 'string' }, description: 'A claim reference.' },
            { name: 'plate', in: 'query', schema: { type: 'string' }, description: 'A licence plate.' },
            { name: 'q', in: 'query', schema: { type: 'string' }, description: 'Either one.' },
          ],
          responses: { ...ok('RepairList', 'The matching repairs you may see (none is an empty list).'), ...errors([400, 401, 403, 429]) },
        },
      },
      '/repairs/{shopId}/{roId}': {
        get: {
          operationId: 'getRepair',
          summary: 'One repair as the shop shares it: stages with dates, promised date and each revision, exceptions, shared files and messages, amounts when shared.',
          ...guarded('repairs:read'),
          parameters: [
            { name: 'shopId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'roId', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: { ...ok('RepairDetail', 'The repair.'), ...errors([401, 403, 404, 429]) },
        },
      },
      '/exceptions': {
        get: {
          operationId: 'listOpenExceptions',
          summary: 'Every open exception on your repairs, oldest first.',
          ...guarded('exceptions:read'),
          responses: { ...ok('ExceptionList', 'Open exceptions.'), ...errors([401, 403, 429]) },
        },
      },
      '/sla': {
        get: {
          operationId: 'slaByShop',
          summary: 'Per shop: open repairs past their promised date, first notice to repair start, cycle time.',
          ...guarded('sla:read'),
          responses: { ...ok('SlaList', 'Figures per shop.'), ...errors([401, 403, 429]) },
        },
      },
      '/webhooks/deliveries': {
        get: {
          operationId: 'webhookDeliveries',
          summary: 'Your webhook deliveries, newest first: status, attempts, last answer, next attempt.',
          ...guarded('webhooks:read'),
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'delivered', 'failed', 'withheld'] } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
          responses: { ...ok('DeliveryList', 'Deliveries.'), ...errors([400, 401, 403, 429]) },
        },
      },
    },
    webhooks: Object.fromEntries(
      EVENT_TYPES.map((type) => [
        type,
        {
          post: {
            summary: `Sent when: ${type.replace('repair.', '').replace(/-/g, ' ')}.`,
            parameters: [
              { name: SIGNATURE_HEADER, in: 'header', required: true, schema: { type: 'string' }, description: 't=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>' },
              { name: 'bayline-event-id', in: 'header', required: true, schema: { type: 'string' } },
            ],
            requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookEvent' } } } },
            responses: { '200': { description: 'Any 2xx acknowledges the event.' } },
          },
        },
      ]),
    ),
  };
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request (for example key-in-query: the key was in the address).',
  401: 'No key, an unknown key or a revoked key.',
  403: 'The key lacks the scope this route needs.',
  404: 'No such repair, or not one you may see (the same answer).',
  429: 'Too many requests for this key; wait for Retry-After seconds.',
};
