/**
 * Paths after connect on the virtual network (issue 13; docs/connection-process.md, "After the
 * connection"): a relayed pair upgrades to direct once the direct path opens, a direct pair
 * falls back to the relay when direct goes silent and comes back, and a NAT rebinding is
 * followed. Everything runs in memory on one ManualClock; the client sends an update every
 * 50 ms and the host echoes each one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NetworkRunner, PathChangedEvent, PeerDisconnectedEvent } from '../../client-sdk/index.js';
import type { VirtualHost, VirtualNat } from '../../vnet/index.js';
import { advanceUntilSettled } from '../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../support/memory-cloud.js';
import { createMemorySessionStore, type SessionServiceOptions } from '../../src/index.js';
import { createStatsCollector, type StatsCollector } from '../../src/stats/index.js';
import { createSilentLogger, type Clock } from '../../core/index.js';

/** The cloud's statistics on the session's store: what the client's CONNECTED and PATH_REPORT told it. */
function withStats(): { options: SessionServiceOptions; stats: (clock: Clock) => StatsCollector } {
  const store = createMemorySessionStore();
  let collector: StatsCollector | undefined;
  const sink = {
    connected: (...args: Parameters<StatsCollector['connected']>) => collector?.connected(...args),
    pathChanged: (...args: Parameters<StatsCollector['pathChanged']>) => collector?.pathChanged(...args) ?? false,
    committed: (...args: Parameters<StatsCollector['committed']>) => collector?.committed(...args),
  };
  return { options: { store, connectReports: sink }, stats: (clock) => (collector ??= createStatsCollector({ clock, logger: createSilentLogger() }, { store })) };
}

const UPDATE_MS = 50;

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

interface Session {
  c: MemoryCloud;
  /** Clock time before the host started. */
  startedAt: number;
  host: NetworkRunner;
  client: NetworkRunner;
  /** The host's peer id at the client, and the client's at the host. */
  serverId: string;
  clientId: string;
  /** Updates sent by the client, and the ones whose echo came back, by number. */
  sent: number;
  echoed: Set<number>;
  /** Clock time each echo came back. */
  echoedAt: Map<number, number>;
  changes: { side: 'host' | 'client'; at: number; event: PathChangedEvent }[];
  disconnected: PeerDisconnectedEvent[];
  /** Sends an update every 50 ms for `ms` (or until `until` holds), advancing the clock. */
  play(ms: number, until?: () => boolean): Promise<number>;
}

async function session(
  seed: number,
  nats: (c: MemoryCloud) => { hostHost: VirtualHost; clientHost: VirtualHost; before?: () => void },
  options: SessionServiceOptions = {},
): Promise<Session> {
  const c = (cloud = await createMemoryCloud(seed, options));
  const { hostHost, clientHost, before } = nats(c);
  before?.();
  const host = c.runner(hostHost);
  const client = c.runner(clientHost);
  const changes: Session['changes'] = [];
  const disconnected: PeerDisconnectedEvent[] = [];
  host.on('pathChanged', (event) => changes.push({ side: 'host', at: c.clock.now(), event }));
  client.on('pathChanged', (event) => changes.push({ side: 'client', at: c.clock.now(), event }));
  host.on('peerDisconnected', (event) => disconnected.push(event));
  client.on('peerDisconnected', (event) => disconnected.push(event));
  let clientId = '';
  const startedAt = c.clock.now();
  host.on('peerConnected', (event) => (clientId = event.peerId));
  host.on('message', (event) => host.send(event.peerId, event.data));
  await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: `paths-${seed}` }), 'host start');
  const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: `paths-${seed}` }), 'client start');
  const serverId = started.server!.peerId;
  const s: Session = {
    c,
    startedAt,
    host,
    client,
    serverId,
    get clientId() {
      return clientId;
    },
    sent: 0,
    echoed: new Set(),
    echoedAt: new Map(),
    changes,
    disconnected,
    async play(ms, until) {
      const end = c.clock.now() + ms;
      while (c.clock.now() < end && !until?.()) {
        const update = Buffer.alloc(8);
        update.writeUInt32BE(s.sent++);
        client.send(serverId, update);
        await c.clock.advanceAsync(UPDATE_MS);
      }
      return c.clock.now();
    },
  };
  client.on('message', (event) => {
    const n = Buffer.from(event.data).readUInt32BE(0);
    if (!s.echoed.has(n)) s.echoedAt.set(n, c.clock.now());
    s.echoed.add(n);
  });
  return s;
}

/** Waits for the updates in flight, then the numbers of the ones never echoed. */
async function lost(s: Session, from = 0, to = s.sent): Promise<number[]> {
  await s.c.clock.advanceAsync(1_000);
  const missing: number[] = [];
  for (let n = from; n < to; n++) if (!s.echoed.has(n)) missing.push(n);
  return missing;
}

function bothOn(s: Session, path: 'direct' | 'relay'): boolean {
  return s.client.connectionType(s.serverId) === path && s.host.connectionType(s.clientId) === path;
}

describe('paths after connect', () => {
  it('upgrade: peer UDP blocked until +6 s, then lifted: the relayed pair moves to direct within 70 s, no update lost', async () => {
    let unblock: () => void = () => undefined;
    const reports = withStats();
    let stats: StatsCollector | undefined;
    const s = await session(
      131,
      (c) => {
        stats = reports.stats(c.clock);
        const hostNat = c.network.addNat({ preset: 'port-restricted-cone' });
        const clientNat = c.network.addNat({ preset: 'port-restricted-cone' });
        return {
          hostHost: hostNat.addHost(),
          clientHost: clientNat.addHost(),
          before: () => (unblock = c.network.blockUdp(hostNat.publicAddress, clientNat.publicAddress)),
        };
      },
      reports.options,
    );
    const t0 = s.startedAt;
    expect(s.client.connectionType(s.serverId)).toBe('relay');
    await s.play(Math.max(0, t0 + 6_000 - s.c.clock.now()));
    unblock();
    const liftedAt = s.c.clock.now();
    const upgradedAt = await s.play(70_000, () => bothOn(s, 'direct'));
    expect(bothOn(s, 'direct')).toBe(true);
    expect(upgradedAt - liftedAt).toBeLessThanOrEqual(70_000);
    await s.play(2_000);
    expect(await lost(s)).toEqual([]);
    expect(s.changes.map((c) => [c.side, c.event.from, c.event.path, c.event.reason]).sort()).toEqual([
      ['client', 'relay', 'direct', 'upgrade'],
      ['host', 'relay', 'direct', 'upgrade'],
    ]);
    expect(s.disconnected).toEqual([]);
    expect(s.client.drops.unproven).toBe(0);
    // The client told the cloud (CONNECTED, then PATH_REPORT): its statistics show the pair upgraded.
    expect(stats!.aggregates()).toMatchObject({ connects: { direct: 0, relay: 1 }, upgrades: 1, fallbacks: 0 });
    expect(stats!.pairs()).toEqual([expect.objectContaining({ path: 'direct', outcome: 'upgraded' })]);
    stats!.close();
  });

  it('fallback: the direct path blocked mid-session: the relay carries updates within 2 s, no peerDisconnected; direct again within 70 s of the lift', async () => {
    let hostPublic = '';
    let clientPublic = '';
    const s = await session(132, (c) => {
      const hostNat = c.network.addNat({ preset: 'port-restricted-cone' });
      const clientNat = c.network.addNat({ preset: 'port-restricted-cone' });
      hostPublic = hostNat.publicAddress;
      clientPublic = clientNat.publicAddress;
      return { hostHost: hostNat.addHost(), clientHost: clientNat.addHost() };
    });
    expect(bothOn(s, 'direct')).toBe(true);
    await s.play(5_000);
    const unblock = s.c.network.blockUdp(hostPublic, clientPublic);
    const blockedAt = s.c.clock.now();
    const firstAfter = s.sent;
    await s.play(2_000);
    expect(bothOn(s, 'relay')).toBe(true);
    // Every update sent from 2 s after the block on comes back through the relay.
    const sentBy2s = s.sent;
    await s.play(5_000);
    expect(await lost(s, sentBy2s)).toEqual([]);
    const firstEcho = Math.min(...[...s.echoedAt].filter(([n]) => n >= firstAfter).map(([, at]) => at));
    expect(firstEcho - blockedAt).toBeLessThanOrEqual(2_000);
    expect(s.changes.filter((c) => c.event.reason === 'fallback').map((c) => c.side).sort()).toEqual(['client', 'host']);
    for (const change of s.changes) expect(change.at - blockedAt).toBeLessThanOrEqual(2_000);
    unblock();
    const liftedAt = s.c.clock.now();
    const backAt = await s.play(70_000, () => bothOn(s, 'direct'));
    expect(bothOn(s, 'direct')).toBe(true);
    expect(backAt - liftedAt).toBeLessThanOrEqual(70_000);
    const sentOnDirect = s.sent;
    await s.play(2_000);
    expect(await lost(s, sentOnDirect)).toEqual([]);
    expect(s.disconnected).toEqual([]);
  });

  it('roaming: the host\'s NAT rebinds mid-session: its direct client keeps the session and is on direct again within 5 s', async () => {
    let hostNat: VirtualNat | undefined;
    const s = await session(134, (c) => {
      hostNat = c.network.addNat({ preset: 'port-restricted-cone' });
      const clientNat = c.network.addNat({ preset: 'port-restricted-cone' });
      return { hostHost: hostNat.addHost(), clientHost: clientNat.addHost() };
    });
    expect(bothOn(s, 'direct')).toBe(true);
    await s.play(5_000);
    expect(hostNat!.rebind().length).toBeGreaterThan(0);
    const reboundAt = s.c.clock.now();
    const directAt = await s.play(5_000, () => bothOn(s, 'direct') && s.changes.some((c) => c.event.reason === 'roamed' || c.event.reason === 'upgrade'));
    expect(directAt - reboundAt).toBeLessThanOrEqual(5_000);
    await s.play(reboundAt + 25_000 - s.c.clock.now());
    const missing = await lost(s);
    expect(missing.length / s.sent).toBeLessThanOrEqual(0.05);
    expect(bothOn(s, 'direct')).toBe(true);
    expect(s.disconnected).toEqual([]);
  });

  for (const [name, hostPreset] of [
    ['port-restricted cone (the Linux MASQUERADE case)', 'port-restricted-cone'],
    ['address-restricted cone', 'restricted-cone'],
  ] as const) {
    it(`roaming: the client's NAT rebinds mid-session behind a ${name} host: the session goes on, ≥ 95 % of updates echoed, direct again within 5 s`, async () => {
      let clientNat: VirtualNat | undefined;
      const s = await session(133, (c) => {
        const hostNat = c.network.addNat({ preset: hostPreset });
        clientNat = c.network.addNat({ preset: 'port-restricted-cone' });
        return { hostHost: hostNat.addHost(), clientHost: clientNat.addHost() };
      });
      expect(bothOn(s, 'direct')).toBe(true);
      await s.play(5_000);
      expect(clientNat!.rebind().length).toBeGreaterThan(0);
      const reboundAt = s.c.clock.now();
      const directAt = await s.play(5_000, () => bothOn(s, 'direct') && s.changes.some((c) => c.event.reason === 'roamed' || c.event.reason === 'upgrade'));
      expect(bothOn(s, 'direct')).toBe(true);
      expect(directAt - reboundAt).toBeLessThanOrEqual(5_000);
      // A 30 s session: 5 s before the rebinding, 25 s after.
      await s.play(reboundAt + 25_000 - s.c.clock.now());
      const missing = await lost(s);
      expect(missing.length / s.sent).toBeLessThanOrEqual(0.05);
      expect(s.disconnected).toEqual([]);
    });
  }

  it('a relayed pair whose client NAT rebinds stays on the relay (it binds again) and loses no session', async () => {
    let clientNat: VirtualNat | undefined;
    const s = await session(135, (c) => {
      const hostNat = c.network.addNat({ preset: 'symmetric' });
      clientNat = c.network.addNat({ preset: 'symmetric' });
      return { hostHost: hostNat.addHost(), clientHost: clientNat.addHost() };
    });
    expect(bothOn(s, 'relay')).toBe(true);
    await s.play(5_000);
    expect(clientNat!.rebind().length).toBeGreaterThan(0);
    const reboundAt = s.c.clock.now();
    await s.play(reboundAt + 25_000 - s.c.clock.now());
    const missing = await lost(s);
    expect(missing.length / s.sent).toBeLessThanOrEqual(0.05);
    expect(bothOn(s, 'relay')).toBe(true);
    expect(s.disconnected).toEqual([]);
  });
});
