// Review 15: an anonymous admission (allowAnonymous, or a provider down with rejectIfUnavailable
// false) still mints a full auth token, and the token path answers every token with
// authStatus 'ok'. So an outage-time anonymous login becomes, for the token's whole lifetime (up
// to a week), an identity the cloud reports as provider-vouched.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { Feature, PROTOCOL_VERSION, RequestType, type HelloResult } from '../../../../src/protocol/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

let provider: TestReceiver;
let service: SessionService;
let url: string;
const clients: TestSignalingClient[] = [];

beforeAll(async () => {
  provider = await startReceiver();
  service = buildSessionService({
    apps: { game: { auth: { providers: [{ type: 'custom', url: `${provider.url}/auth`, rejectIfUnavailable: false }], tokenKeys: [randomBytes(32).toString('base64')] } } },
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

async function hello(auth: object): Promise<HelloResult> {
  const client = await TestSignalingClient.connect(url);
  clients.push(client);
  return (await client.request({ type: RequestType.HELLO, appId: 'game', appVersion: '1', protocolVersion: PROTOCOL_VERSION, features: [Feature.CODES_V2, Feature.AUTH], auth })) as HelloResult;
}

it("review15: a token minted for an anonymous (provider down) login does not come back as 'ok'", async () => {
  provider.answer({ kind: 'status', status: 500 });
  const during = await hello({ params: { user: 'mallory', password: 'wrong' } });
  expect(during.authStatus).toBe('anonymous');
  // The provider is back (and would refuse mallory).
  provider.answer({ kind: 'json', body: { ResultCode: 2, Message: 'wrong user or password' } });
  const later = await hello({ token: during.authToken });
  expect(later.authStatus).not.toBe('ok');
});
