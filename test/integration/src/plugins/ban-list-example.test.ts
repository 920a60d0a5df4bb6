// The plugin guide's example (examples/plugins/ban-list.ts) on the real service: the host bans a
// player through a property, the player is removed and told why, cannot come back, and joins are
// checked against the game's ban service (a real local HTTPS receiver) through host.http.
import { afterEach, describe, expect, it } from 'vitest';
import { BAN_LIST, WELCOME_EVENT, banListFactory } from '../../../../examples/plugins/ban-list.js';
import { EventType, Feature, PROTOCOL_VERSION, RequestType } from '../../../../src/protocol/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';
import { replyError, startPluginService, type PluginService } from '../../../support/plugin-fixtures.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

let service: PluginService | undefined;
let receiver: TestReceiver | undefined;
afterEach(async () => {
  await service?.close();
  await receiver?.close();
  service = receiver = undefined;
});

/** A raw client whose hello's auth names its user (the test's authenticate hook takes it as the user id). */
async function player(s: PluginService, user: string): Promise<TestSignalingClient> {
  const client = await TestSignalingClient.connect(s.url);
  await client.request({ type: RequestType.HELLO, appId: 'game', appVersion: '1', protocolVersion: PROTOCOL_VERSION, auth: user, features: [Feature.CODES_V2, Feature.PLUGIN_EVENTS] });
  return client;
}

describe('the ban-list example plugin', () => {
  it('welcomes a joiner; the host bans it by a property: it is removed with the message and refused afterwards; the ban is no property', async () => {
    service = await startPluginService({
      hooks: { authenticate: ({ auth }) => (auth ? { userId: auth } : {}) },
      apps: { game: { plugins: { factory: banListFactory, defaultPlugin: BAN_LIST } } },
    });
    const host = await player(service, 'host-user');
    await host.request({ type: RequestType.CREATE, name: 'pub' });
    const rowdy = await player(service, 'rowdy');
    const joined = await rowdy.request({ type: RequestType.JOIN, name: 'pub' });
    expect(await rowdy.next(EventType.PLUGIN_EVENT)).toMatchObject({ code: WELCOME_EVENT });
    const calm = await player(service, 'calm');
    await calm.request({ type: RequestType.JOIN, name: 'pub' });
    await host.request({ type: RequestType.SET_PROPERTIES, properties: { ban: joined.actor, round: 2 } });
    expect(await rowdy.next(EventType.KICKED)).toMatchObject({ reason: 'plugin', message: 'The host banned you from this session' });
    expect(await calm.next(EventType.PEER_LEFT)).toMatchObject({ actor: joined.actor });
    expect((await calm.next(EventType.PROPERTIES_CHANGED)).properties).toEqual({ round: 2 });
    const again = await player(service, 'rowdy');
    expect(await replyError(again.request({ type: RequestType.JOIN, name: 'pub' }))).toMatchObject({ code: 'PLUGIN_REPORTED_ERROR', detail: { reason: 'banned' } });
    for (const c of [host, rowdy, calm, again]) await c.close();
  });

  it("checks each join with the game's ban service over HTTPS through the egress client, and fails closed when it is down", async () => {
    receiver = await startReceiver();
    receiver.answer((request) => ({ kind: 'json', body: { banned: request.query.user === 'cheater' } }));
    service = await startPluginService({
      hooks: { authenticate: ({ auth }) => (auth ? { userId: auth } : {}) },
      egress: { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca] },
      apps: { game: { plugins: { factory: banListFactory, defaultPlugin: BAN_LIST, config: { banServiceUrl: `${receiver.url}/bans` } } } },
    });
    const host = await player(service, 'host-user');
    await host.request({ type: RequestType.CREATE, name: 'ranked' });
    const fair = await player(service, 'fair');
    await fair.request({ type: RequestType.JOIN, name: 'ranked' });
    const cheater = await player(service, 'cheater');
    expect(await replyError(cheater.request({ type: RequestType.JOIN, name: 'ranked' }))).toMatchObject({ code: 'PLUGIN_REPORTED_ERROR', detail: { reason: 'banned' } });
    expect(receiver.requests.map((r) => [r.method, r.path, r.query.user])).toEqual([
      ['GET', '/bans', 'fair'],
      ['GET', '/bans', 'cheater'],
    ]);
    receiver.answer({ kind: 'status', status: 503 });
    const late = await player(service, 'late');
    expect(await replyError(late.request({ type: RequestType.JOIN, name: 'ranked' }))).toMatchObject({ code: 'PLUGIN_REPORTED_ERROR', detail: { reason: 'ban-service' } });
    for (const c of [host, fair, cheater, late]) await c.close();
  });

  it('a ban service on a loopback address the egress policy does not allow is refused before any packet: the join fails closed', async () => {
    receiver = await startReceiver();
    service = await startPluginService({
      hooks: { authenticate: ({ auth }) => (auth ? { userId: auth } : {}) },
      apps: { game: { plugins: { factory: banListFactory, defaultPlugin: BAN_LIST, config: { banServiceUrl: `${receiver.url}/bans` } } } },
    });
    const host = await player(service, 'host-user');
    await host.request({ type: RequestType.CREATE, name: 'strict' });
    const guest = await player(service, 'guest');
    expect(await replyError(guest.request({ type: RequestType.JOIN, name: 'strict' }))).toMatchObject({ detail: { reason: 'ban-service' } });
    expect(receiver.requests).toEqual([]);
    for (const c of [host, guest]) await c.close();
  });
});
