// docs/auth.md's 15-line provider, run as written behind HTTPS: it verifies the cloud's signature
// with node:crypto alone, and the cloud honours its answers (and its 401 for an unsigned call).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { generateWebhookSecret } from '../../../../src/egress/index.js';
import { Feature, PROTOCOL_VERSION, RequestType, type HelloAuth } from '../../../../src/protocol/index.js';
import { TEST_CA_PEM } from '../../../support/https-receiver.js';
import { SignalingError, TestSignalingClient } from '../../../support/signaling-client.js';
// @ts-expect-error -- a plain JavaScript fixture without types
import { provider } from '../../../fixtures/auth/provider.mjs';

const SECRET = generateWebhookSecret((size) => randomBytes(size));
const KEY_PEM = readFileSync(new URL('../../../fixtures/tls/localhost.key.pem', import.meta.url), 'utf8');
let server: ReturnType<typeof createServer>;
let service: SessionService;
let url: string;

beforeAll(async () => {
  server = createServer({ cert: TEST_CA_PEM, key: KEY_PEM }, (provider as (secret: string) => Parameters<typeof createServer>[1])(SECRET));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const custom = (secrets: string[]) => ({ type: 'custom' as const, url: `https://127.0.0.1:${port}/auth`, secrets });
  service = buildSessionService({
    apps: { signed: { auth: { providers: [custom([SECRET])] } }, unsigned: { auth: { providers: [{ type: 'custom', url: `https://127.0.0.1:${port}/auth` }] } } },
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [TEST_CA_PEM] },
  });
  const endpoint = await service.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${endpoint.port}/v1/signaling`;
});

afterAll(async () => {
  await service.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function hello(appId: string, auth: HelloAuth): Promise<unknown> {
  const client = await TestSignalingClient.connect(url);
  try {
    return await client.request({ type: RequestType.HELLO, appId, appVersion: '1', protocolVersion: PROTOCOL_VERSION, features: [Feature.CODES_V2, Feature.AUTH], auth });
  } catch (error) {
    return error instanceof SignalingError ? error.reply.code : error;
  } finally {
    await client.close();
  }
}

describe("docs/auth.md's provider", () => {
  it('accepts alice, refuses a wrong password, and answers 401 to an unsigned call', async () => {
    expect(await hello('signed', { params: { user: 'alice', password: 'secret' } })).toMatchObject({ authStatus: 'ok', userId: 'u_alice' });
    expect(await hello('signed', { params: { user: 'alice', password: 'guess' } })).toBe('AUTH_FAILED');
    expect(await hello('unsigned', { params: { user: 'alice', password: 'secret' } })).toBe('AUTH_UNAVAILABLE');
  });
});
