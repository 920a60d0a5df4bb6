// The operator's webhook endpoints on the service's HTTP port, only with an admin token
// (Authorization: Bearer, compared in constant time): the delivery log, dead letters, replay and a
// test send (docs/webhooks.md, "Admin API").
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_DEFAULT_LIMIT, ADMIN_MAX_LIMIT, NOTIFICATION_TYPES, type NotificationType } from './constants.js';
import type { WebhookDispatcher } from './dispatcher.js';

export interface AdminRoutesOptions {
  token: string;
  webhooks: WebhookDispatcher;
  /** Whether an Authorization header carries the token (the service's constant-time check). */
  authorized(header: string | undefined, token: string): boolean;
}

const short = (value: unknown, max = 200): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined);

export function registerWebhookAdminRoutes(app: FastifyInstance, options: AdminRoutesOptions): void {
  const { webhooks } = options;
  const guard = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (options.authorized(request.headers.authorization, options.token)) return true;
    void reply.code(401).send({ code: 'NOT_ALLOWED', message: 'admin endpoints need Authorization: Bearer <admin token>' });
    return false;
  };
  const query = (request: FastifyRequest): Record<string, unknown> => (typeof request.query === 'object' && request.query !== null ? (request.query as Record<string, unknown>) : {});

  app.get('/v1/admin/deliveries', async (request, reply) => {
    if (!guard(request, reply)) return reply;
    const q = query(request);
    const limit = typeof q.limit === 'string' ? Number.parseInt(q.limit, 10) : ADMIN_DEFAULT_LIMIT;
    const after = typeof q.after === 'string' ? Number.parseInt(q.after, 10) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > ADMIN_MAX_LIMIT || !Number.isInteger(after) || after < 0) {
      return reply.code(400).send({ code: 'INVALID_REQUEST', message: `limit is 1 to ${ADMIN_MAX_LIMIT}, after a whole number` });
    }
    const appId = short(q.appId);
    const sessionId = short(q.sessionId);
    return { deliveries: webhooks.deliveries({ limit, after, ...(appId ? { appId } : {}), ...(sessionId ? { sessionId } : {}) }) };
  });

  app.get('/v1/admin/dead-letters', async (request, reply) => {
    if (!guard(request, reply)) return reply;
    return { deadLetters: webhooks.deadLetters(short(query(request).appId)) };
  });

  app.post('/v1/admin/dead-letters/:id/replay', async (request, reply) => {
    if (!guard(request, reply)) return reply;
    const id = short((request.params as { id?: unknown }).id, 64);
    if (!id || !webhooks.replay(id)) return reply.code(404).send({ code: 'INVALID_REQUEST', message: 'no dead letter with that id' });
    return { replayed: id };
  });

  app.post('/v1/admin/webhooks/test', async (request, reply) => {
    if (!guard(request, reply)) return reply;
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as { appId?: unknown; type?: unknown };
    const appId = short(body.appId);
    const type = NOTIFICATION_TYPES.find((t) => t === body.type);
    if (!appId || !type) return reply.code(400).send({ code: 'INVALID_REQUEST', message: `appId and type (${NOTIFICATION_TYPES.join(', ')}) are required` });
    const result = await webhooks.test(appId, type as NotificationType);
    if (!result) return reply.code(404).send({ code: 'INVALID_REQUEST', message: `app "${appId}" has no webhooks` });
    return { delivery: result };
  });
}
