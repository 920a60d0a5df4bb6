// The lean-join feature over a real WebSocket: a peer that announces it gets the start inside its
// create/join/join-random/rejoin reply and no START event; a peer that does not (a first-release
// SDK) gets the reply then START exactly as before, in the same session; the SDK's connection
// hands its runner a START either way.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createRealClock, createSilentLogger } from '../../../../core/index.js';
import { connectSignaling } from '../../../../client-sdk/signaling.js';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { EventType, Feature, RequestType, type Event, type WireEndpoint } from '../../../../src/protocol/index.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

const stun: WireEndpoint = { address: '127.0.0.1', port: 3478 };
const relayEndpoint: WireEndpoint = { address: '127.0.0.1', port: 4000 };
const LEAN = [Feature.CODES_V2, Feature.LEAN_JOIN];
const ticketText = (ticket: Uint8Array | undefined): string => new TextDecoder().decode(ticket);

let service: SessionService;
let url: string;
const clients: TestSignalingClient[] = [];

async function peer(features?: string[]): Promise<TestSignalingClient> {
  const client = await TestSignalingClient.hello(url, 'game', '1', features);
  clients.push(client);
  return client;
}

/** The START events `client` has been sent so far (a LIST round trip first: every earlier frame has arrived). */
async function startsSeen(client: TestSignalingClient): Promise<Event[]> {
  await client.request({ type: RequestType.LIST });
  return client.events.filter((event) => event.type === EventType.START);
}

beforeEach(async () => {
  service = buildSessionService({
    stunServers: [stun],
    relay: { endpoint: relayEndpoint, issueTicket: (sessionId, actor) => ({ ticket: new TextEncoder().encode(`${sessionId}/${actor}`), expiresAtMs: 42 }) },
  });
  const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${port}/v1/signaling`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await service.close();
});

it('a lean-join peer gets the start in its create, join and join-random replies and no START event', async () => {
  const host = await peer(LEAN);
  const created = await host.request({ type: RequestType.CREATE, name: 'lean', properties: { map: 'dust' }, lobbyKeys: ['map'] });
  expect(created.start).toMatchObject({ stunServers: [stun], relay: { endpoint: relayEndpoint, expiresAtMs: 42 } });
  expect(ticketText(created.start?.relay?.ticket)).toBe(`${created.session.sessionId}/1`);

  const joiner = await peer(LEAN);
  const joined = await joiner.request({ type: RequestType.JOIN, name: 'lean' });
  expect(joined).toMatchObject({ actor: 2, mode: 'client', start: { stunServers: [stun] } });
  expect(ticketText(joined.start?.relay?.ticket)).toBe(`${created.session.sessionId}/2`);

  const random = await peer(LEAN);
  const third = await random.request({ type: RequestType.JOIN_RANDOM, filter: { map: 'dust' } });
  expect(third).toMatchObject({ actor: 3, start: { stunServers: [stun] } });

  for (const client of [host, joiner, random]) expect(await startsSeen(client)).toEqual([]);
  // The events that are not the start still come.
  expect((await host.next(EventType.PEER_JOINED)).peer.actor).toBe(2);
});

it('a peer without the feature gets the reply without a start, then START, beside a lean peer in the same session', async () => {
  const host = await peer(LEAN);
  await host.request({ type: RequestType.CREATE, name: 'mixed' });
  const old = await peer();
  const joined = await old.request({ type: RequestType.JOIN, name: 'mixed' });
  expect(joined.start).toBeUndefined();
  expect(Object.keys(joined).sort()).toEqual(['actor', 'created', 'mode', 'peerId', 'rejoinToken', 'session']);
  const start = await old.next(EventType.START);
  expect(start).toMatchObject({ actor: 2, peerId: joined.peerId, mode: 'client', session: { name: 'mixed' }, stunServers: [stun], relay: { endpoint: relayEndpoint } });
  expect(ticketText(start.relay?.ticket)).toBe(`${joined.session.sessionId}/2`);
  expect(await startsSeen(host)).toEqual([]);
});

it('a lean-join rejoin carries the start in its reply', async () => {
  const host = await peer(LEAN);
  await host.request({ type: RequestType.CREATE, name: 'back' });
  const first = await peer(LEAN);
  const joined = await first.request({ type: RequestType.JOIN, name: 'back' });
  await first.kill();
  const again = await peer(LEAN);
  const rejoined = await again.request({ type: RequestType.REJOIN, sessionId: joined.session.sessionId, actor: joined.actor, rejoinToken: joined.rejoinToken });
  expect(rejoined).toMatchObject({ actor: joined.actor, start: { stunServers: [stun], relay: { endpoint: relayEndpoint } } });
  expect(await startsSeen(again)).toEqual([]);
});

it("the SDK's connection announces lean-join and hands its event handlers the START the reply carried, before later events", async () => {
  const host = await peer();
  await host.request({ type: RequestType.CREATE, name: 'sdk' });
  await host.request({ type: RequestType.REPORT_ADDRESSES, local: [{ address: '192.168.1.10', port: 6000 }] });
  const signaling = await connectSignaling({ url, appId: 'game', appVersion: '1', clock: createRealClock(), logger: createSilentLogger(), connectTimeoutMs: 5_000, requestTimeoutMs: 5_000 });
  try {
    const seen: Event[] = [];
    signaling.onEvent((event) => seen.push(event));
    const joined = await signaling.request({ type: RequestType.JOIN, name: 'sdk' });
    expect(joined.start).toBeDefined();
    // A round trip more: the host's addresses (published in the join's tick) have arrived.
    await signaling.request({ type: RequestType.LIST });
    expect(seen.map((event) => event.type)).toEqual([EventType.START, EventType.PEER_ADDRESSES]);
    expect(seen[0]).toMatchObject({ actor: joined.actor, peerId: joined.peerId, mode: 'client', session: { sessionId: joined.session.sessionId }, stunServers: [stun] });
    expect(signaling.droppedFrames).toBe(0);
  } finally {
    await signaling.close();
  }
});
