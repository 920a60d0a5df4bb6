// Shared pieces of the webhook tests: a signed-in raw client (custom auth gives it a user id and a
// nickname, as Photon's webhooks carry them) and waiting for a receiver's requests by predicate.
import { Feature, PROTOCOL_VERSION, RequestType } from '../../../../src/protocol/index.js';
import type { RecordedRequest, TestReceiver } from '../../../support/https-receiver.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** The auth provider's answer: user `name` is `u_<name>` with nickname `<Name>`. */
export function authAnswer(request: RecordedRequest) {
  const user = request.query.user ?? 'nobody';
  return { kind: 'json' as const, body: { ResultCode: 1, UserId: `u_${user}`, Nickname: user[0]!.toUpperCase() + user.slice(1) } };
}

export async function signedIn(url: string, appId: string, user: string, clients: TestSignalingClient[]): Promise<TestSignalingClient> {
  const client = await TestSignalingClient.connect(url);
  clients.push(client);
  await client.request({ type: RequestType.HELLO, appId, appVersion: '1.4', protocolVersion: PROTOCOL_VERSION, features: [Feature.CODES_V2, Feature.AUTH], auth: { params: { user } } });
  return client;
}

/** Waits until `filter` holds for `count` of the receiver's requests; returns them in arrival order. */
export async function received(receiver: TestReceiver, filter: (request: RecordedRequest) => boolean, count: number, timeoutMs = 10_000): Promise<RecordedRequest[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matching = receiver.requests.filter(filter);
    if (matching.length >= count) return matching;
    if (Date.now() > deadline) throw new Error(`receiver: ${matching.length} of ${count} matching requests after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
