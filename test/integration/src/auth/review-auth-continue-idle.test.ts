// Review 15: the hello timer only looks at `peer.hello`, which a provider's ResultCode 0 (continue)
// already sets. A connection whose login never completes is kept for ever: it can do nothing
// (NOT_AUTHENTICATED) but holds a connection slot of its address and of the service.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { Feature, PROTOCOL_VERSION, RequestType, type HelloResult } from '../../../../src/protocol/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

let provider: TestReceiver;
let service: SessionService;
let url: string;
const HELLO_TIMEOUT_MS = 400;

beforeAll(async () => {
  provider = await startReceiver();
  provider.answer({ kind: 'json', body: { ResultCode: 0, Data: { step: 'otp' } } });
  service = buildSessionService({
    helloTimeoutMs: HELLO_TIMEOUT_MS,
    apps: { game: { auth: { providers: [{ type: 'custom', url: `${provider.url}/auth` }] } } },
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [provider.ca] },
  });
  const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${port}/v1/signaling`;
});

afterAll(async () => {
  await service.close();
  await provider.close();
});

it('review15: a login left at "continue" is closed like a missing hello', async () => {
  const client = await TestSignalingClient.connect(url);
  const reply = (await client.request({ type: RequestType.HELLO, appId: 'game', appVersion: '1', protocolVersion: PROTOCOL_VERSION, features: [Feature.CODES_V2, Feature.AUTH], auth: { params: { user: 'a' } } })) as HelloResult;
  expect(reply.authStatus).toBe('continue');
  await new Promise((resolve) => setTimeout(resolve, HELLO_TIMEOUT_MS * 4));
  const stillOpen = client.closeCode === undefined;
  await client.close();
  expect(stillOpen).toBe(false);
}, 20_000);
