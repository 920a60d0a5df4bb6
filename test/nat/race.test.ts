/**
 * The race policy on the virtual network (issue 13): how soon a relayed pair carries game
 * updates, a cone pair still going direct at attempt 0, and the reported NAT types sparing a
 * pair the direct attempts they rule out. SDK, STUN server and relay on one ManualClock.
 */
import { describe, expect, it } from 'vitest';
import type { NetworkRunner, NetworkRunnerOptions } from '../../client-sdk/index.js';
import type { NatOptions } from '../../vnet/index.js';
import { advanceUntil } from '../support/drive.js';
import { type VirtualWorld, connectPair } from '../support/virtual-cloud.js';
import { useVirtualWorlds } from '../support/virtual-worlds.js';

const worlds = useVirtualWorlds();

/** 10 ms each way on every NAT's link: relay round trips are 40 ms, direct ones 40 ms too. */
const LINK = { latencyMs: 10 };

interface Timeline {
  /** When the client received the server's addresses (connection step 1). */
  addressesAt: number | undefined;
  /** When the client got the server's echo of its first game update. */
  echoAt: number | undefined;
  /** Where and when the client's path changed. */
  changes: { path: string; at: number }[];
  /** Datagrams translated out of one NAT towards the other's public address (punches). */
  punches: number;
}

/**
 * Connects a pair with `options` on both runners; the client sends a game update the moment it
 * connects and the server echoes every update back.
 */
async function race(seed: number, serverNat: NatOptions, clientNat: NatOptions, options: Partial<NetworkRunnerOptions>) {
  const w = await worlds.open(seed);
  const timeline: Timeline = { addressesAt: undefined, echoAt: undefined, changes: [], punches: 0 };
  let client: NetworkRunner | undefined;
  const watch = (server: NetworkRunner, c: NetworkRunner): void => {
    client = c;
    c.on('progress', (e) => {
      if (e.flow === 'connect' && e.step === 1) timeline.addressesAt ??= w.clock.now();
    });
    // Sent once the connect's confirm is out (the event fires just before it).
    c.on('peerConnected', (e) => w.clock.setTimeout(() => c.send(e.peerId, Buffer.from('update')), 0));
    c.on('message', () => (timeline.echoAt ??= w.clock.now()));
    c.on('pathChanged', (e) => timeline.changes.push({ path: e.path, at: w.clock.now() }));
    server.on('message', (e) => server.send(e.peerId, e.data));
  };
  const nats = [w.network.addNat({ ...serverNat, link: LINK }), w.network.addNat({ ...clientNat, link: LINK })] as const;
  const publics = new Set(nats.map((nat) => nat.publicAddress));
  w.network.onPacket((e) => {
    if (e.kind === 'translate' && publics.has(e.src.address) && publics.has(e.dst.address)) timeline.punches++;
  });
  const [serverHost, clientHost] = nats.map((nat) => nat.addHost()) as [ReturnType<(typeof nats)[0]['addHost']>, ReturnType<(typeof nats)[1]['addHost']>];
  const outcome = await connectPairWatched(w, serverHost, clientHost, options, watch);
  if (!outcome.result.ok) throw new Error(`did not connect: ${outcome.result.code}`);
  await advanceUntil(w.clock, () => timeline.echoAt !== undefined, 'the echo');
  return { ...outcome, connected: outcome.result.connected, timeline, client: client! };
}

/** connectPair, with listeners on both runners before either starts. */
async function connectPairWatched(
  w: VirtualWorld,
  serverHost: Parameters<typeof connectPair>[1],
  clientHost: Parameters<typeof connectPair>[2],
  options: Partial<NetworkRunnerOptions>,
  watch: (server: NetworkRunner, client: NetworkRunner) => void,
) {
  const runner = w.runner.bind(w);
  let server: NetworkRunner | undefined;
  // The world makes the server's runner first, then the client's.
  w.runner = (host, overrides) => {
    const made = runner(host, overrides);
    if (!server) server = made;
    else watch(server, made);
    return made;
  };
  try {
    return await connectPair(w, serverHost, clientHost, { server: options, client: options });
  } finally {
    w.runner = runner;
  }
}

describe('race policy', () => {
  it('symmetric ↔ symmetric: the first update is echoed through the relay within 100 ms of the addresses (3 s sequentially)', async () => {
    const raced = await race(1, { preset: 'symmetric' }, { preset: 'symmetric' }, { connectPolicy: 'race' });
    expect(raced.connected).toMatchObject({ path: 'relay', attempt: 0 });
    expect(raced.timeline.echoAt! - raced.timeline.addressesAt!).toBeLessThanOrEqual(100);
    await worlds.current.close();
    const sequential = await race(1, { preset: 'symmetric' }, { preset: 'symmetric' }, {});
    expect(sequential.connected).toMatchObject({ path: 'relay', attempt: 6 });
    expect(sequential.timeline.echoAt! - sequential.timeline.addressesAt!).toBeGreaterThanOrEqual(3000);
  });

  it('cone ↔ cone: on the relay at once, then direct from attempt 0 (within its 500 ms slot); sequentially direct at attempt 0', async () => {
    const raced = await race(2, { preset: 'port-restricted-cone' }, { preset: 'port-restricted-cone' }, { connectPolicy: 'race' });
    expect(raced.connected).toMatchObject({ path: 'relay', attempt: 0 });
    await worlds.current.clock.advanceAsync(1000);
    expect(raced.timeline.changes).toHaveLength(1);
    expect(raced.timeline.changes[0]!.path).toBe('direct');
    expect(raced.timeline.changes[0]!.at - raced.timeline.addressesAt!).toBeLessThan(500);
    expect(raced.client.connectionType(raced.connected.peerId)).toBe('direct');
    await worlds.current.close();
    const sequential = await race(2, { preset: 'port-restricted-cone' }, { preset: 'port-restricted-cone' }, {});
    expect(sequential.connected).toMatchObject({ path: 'direct', attempt: 0 });
  });

  it('NAT types known (discoverNat): a port-restricted cone server and a symmetric client stop the direct attempts and pings once discovery reports', async () => {
    const raced = await race(3, { preset: 'port-restricted-cone' }, { preset: 'symmetric' }, { connectPolicy: 'race', discoverNat: true });
    expect(raced.connected).toMatchObject({ path: 'relay', attempt: 0 });
    // Discovery runs after each start (it never delays one): the types come a moment later.
    await advanceUntil(worlds.current.clock, () => raced.server.natType === 'portRestrictedCone' && raced.client.natType === 'symmetric', 'both NAT types');
    const knownAt = worlds.current.clock.now();
    const atKnown = raced.timeline.punches;
    await worlds.current.clock.advanceAsync(3000 - (knownAt - raced.timeline.addressesAt!));
    // The rest of the direct window (attempts up to 5, pings) sent nothing towards the other NAT.
    expect(raced.timeline.punches).toBe(atKnown);
    await worlds.current.clock.advanceAsync(900);
    const aware = raced.timeline.punches;
    expect(raced.client.connectionType(raced.connected.peerId)).toBe('relay');
    await worlds.current.close();
    // Without the types the same pair punches beside the relay, in vain, through the whole window.
    const blind = await race(3, { preset: 'port-restricted-cone' }, { preset: 'symmetric' }, { connectPolicy: 'race', discoverNat: false });
    await worlds.current.clock.advanceAsync(3000 - (worlds.current.clock.now() - blind.timeline.addressesAt!));
    await worlds.current.clock.advanceAsync(900);
    expect(blind.timeline.punches).toBeGreaterThan(aware);
    expect(blind.client.natType).toBe('unknown');
    expect(blind.client.connectionType(blind.connected.peerId)).toBe('relay');
  });
});
