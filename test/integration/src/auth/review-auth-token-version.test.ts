// Review 15: the auth token is bound to its app but not to its app version. A provider that
// refuses a version (Photon's own example: ResultCode 5 "Version not allowed") is bypassed by a
// token minted for an allowed version: the token path never calls the provider.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { Feature, PROTOCOL_VERSION, RequestType, type HelloResult } from '../../../../src/protocol/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';
import { SignalingError, TestSignalingClient } from '../../../support/signaling-client.js';

let provider: TestReceiver;
let service: SessionService;
let url: string;
const clients: TestSignalingClient[] = [];

beforeAll(async () => {
  provider = await startReceiver();
  provider.answer((request) =>
    request.headers['x-punchthrough-app-version'] === '1.0'
      ? { kind: 'json', body: { ResultCode: 1, UserId: 'u_alice' } }
      : { kind: 'json', body: { ResultCode: 5, Message: 'Version not allowed' } },
  );
  service = buildSessionService({
    apps: { game: { auth: { providers: [{ type: 'custom', url: `${provider.url}/auth` }], tokenKeys: [randomBytes(32).toString('base64')] } } },
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [provider.ca] },
  });
  const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${port}/v1/signaling`;
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await service.close();
  await provider.close();
});

async function hello(appVersion: string, auth: object): Promise<HelloResult | SignalingError['reply']> {
  const client = await TestSignalingClient.connect(url);
  clients.push(client);
  try {
    return (await client.request({ type: RequestType.HELLO, appId: 'game', appVersion, protocolVersion: PROTOCOL_VERSION, features: [Feature.CODES_V2, Feature.AUTH], auth })) as HelloResult;
  } catch (error) {
    if (error instanceof SignalingError) return error.reply;
    throw error;
  }
}

it('review15: a token minted for app version 1.0 does not authenticate version 2.0, which the provider refuses', async () => {
  const refused = await hello('2.0', { params: { user: 'alice' } });
  expect(refused).toMatchObject({ code: 'AUTH_FAILED', detail: { resultCode: 5 } });
  const ok = (await hello('1.0', { params: { user: 'alice' } })) as HelloResult;
  expect(ok.authStatus).toBe('ok');
  // The provider said no to 2.0; the token of 1.0 must not say yes for it.
  const viaToken = await hello('2.0', { token: ok.authToken });
  expect(viaToken).toMatchObject({ code: 'AUTH_TOKEN_EXPIRED' });
});
