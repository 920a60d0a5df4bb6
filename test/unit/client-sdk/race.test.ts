// The race policy, the NAT-type rules, the burst schedule and low-TTL priming as pure functions,
// and the client and server links under them (sans-IO, exact times).
import { describe, expect, it } from 'vitest';
import { ClientLink } from '../../../client-sdk/peer/client-link.js';
import type { LinkOutput, Via } from '../../../client-sdk/peer/link-core.js';
import { PeerPacketType } from '../../../client-sdk/peer/packets.js';
import { resolveSchedule } from '../../../client-sdk/options.js';
import { PrimeTracker, separatePrimes } from '../../../client-sdk/peer/priming.js';
import { attemptPaths, directOutlook, serverPings } from '../../../client-sdk/peer/race.js';
import { burstDueAt, dueBurst, firstAttemptOfPath, nextBurstAt, type ScheduleConfig } from '../../../client-sdk/peer/schedule.js';
import type { ServerLink } from '../../../client-sdk/peer/server-link.js';
import type { NatType } from '../../../src/protocol/index.js';
import { clientLink, ep, first, schedule, SECRET, sends, serverLink, timing, where } from '../../support/sealed-packets.js';

const race: ScheduleConfig = { ...schedule, policy: 'race' };
const primed: Partial<ScheduleConfig> = { copies: 2, priming: { ttl: 2, leadMs: 250 } };
const serverLocal = ep('10.0.0.1', 4000);
const serverReflexive = ep('203.0.113.1', 40000);
const clientReflexive = ep('198.51.100.7', 50000);
const relay: Via = { path: 'relay' };
const direct = (endpoint: typeof serverLocal): Via => ({ path: 'direct', endpoint });

/** Polls `link` at each deadline up to `until`: [time, what it sent (where:ttl), attempts]. */
function drive(link: ClientLink | ServerLink, until: number): [number, string[], string[]][] {
  const log: [number, string[], string[]][] = [];
  for (let t = link.nextDeadline(); t !== undefined && t <= until; t = link.nextDeadline()) {
    const out = link.poll(t);
    const attempts = out.flatMap((o) => (o.type === 'attempt' ? [`${o.n}:${o.path}`] : []));
    log.push([t, out.flatMap((o) => (o.type === 'send' ? [`${where(o.via)}${o.ttl ? `:ttl${o.ttl}` : ''}`] : [])), attempts]);
    if (out.length === 0 && link.nextDeadline() === t) break;
  }
  return log;
}

describe('directOutlook (docs/nat-matrix.md R1–R4 on reported types)', () => {
  const cases: [NatType, NatType, string][] = [
    ['portRestrictedCone', 'portRestrictedCone', 'direct'], // R1
    ['restrictedCone', 'symmetric', 'direct'], // R2, server ADF
    ['portRestrictedCone', 'symmetric', 'relay'], // R2, server APDF
    ['symmetric', 'portRestrictedCone', 'relay'], // R3, client APDF
    ['symmetric', 'restrictedCone', 'direct'], // R3, client ADF
    ['symmetric', 'symmetric', 'unknown'], // R4: the filters decide, and the label does not carry them
    ['fullCone', 'symmetric', 'direct'], // an EIM/EIF side admits anyone
    ['symmetric', 'open', 'direct'],
    ['unknown', 'portRestrictedCone', 'unknown'],
    ['portRestrictedCone', 'unknown', 'unknown'],
    ['unknown', 'unknown', 'unknown'],
  ];
  for (const [server, client, outlook] of cases) {
    it(`server ${server}, client ${client} → ${outlook}`, () => expect(directOutlook(server, client)).toBe(outlook));
  }
});

describe('attemptPaths', () => {
  it('sequential: the seed schedule, whatever the NAT types', () => {
    const paths = [...Array(10).keys()].map((n) => attemptPaths(schedule, n, true, 'relay'));
    expect(paths.map((p) => (p.direct ? 'D' : '') + (p.relay ? 'R' : '')).join(' ')).toBe('D D D D D D R R R R');
  });

  it('race: the relay at every attempt, direct beside it for attempts 0–5; none when the types rule direct out', () => {
    const paths = [...Array(10).keys()].map((n) => attemptPaths(race, n, true));
    expect(paths.map((p) => (p.direct ? 'D' : '') + (p.relay ? 'R' : '')).join(' ')).toBe('DR DR DR DR DR DR R R R R');
    expect(attemptPaths(race, 0, true, 'relay')).toEqual({ direct: false, relay: true });
    // No relay: every attempt direct, as sequentially.
    expect(attemptPaths(race, 8, false)).toEqual({ direct: true, relay: false });
    expect(attemptPaths({ ...race, forceRelay: true }, 0, true)).toEqual({ direct: false, relay: true });
  });

  it('the server pings unless forced to the relay or racing a pair the types rule out', () => {
    expect(serverPings(schedule, 'relay')).toBe(true);
    expect(serverPings(race, 'relay')).toBe(false);
    expect(serverPings(race, 'unknown')).toBe(true);
    expect(serverPings({ ...schedule, forceRelay: true })).toBe(false);
  });

  it('announces the first attempt of each path: 0 and 6 sequentially, 0 for both when racing', () => {
    expect([0, 5, 6, 7].map((n) => firstAttemptOfPath(schedule, n, n < 6 ? 'direct' : 'relay'))).toEqual([true, false, true, false]);
    expect([0, 1, 6].map((n) => firstAttemptOfPath(race, n, 'relay'))).toEqual([true, false, false]);
  });
});

describe('bursts', () => {
  it('copy 0 keeps the attempt time; copies spread evenly within the interval', () => {
    const config = { ...schedule, copies: 2 };
    expect([0, 1, 2, 3, 19].map((i) => burstDueAt(config, 100, i))).toEqual([100, 350, 600, 850, 4850]);
    expect(dueBurst(config, 0, 1, 249)).toBeUndefined();
    expect(dueBurst(config, 0, 1, 250)).toBe(1);
    expect(nextBurstAt(config, 0, 20)).toBeUndefined();
    expect(burstDueAt(schedule, 0, 3)).toBe(1500);
  });
});

describe('priming', () => {
  it('primes a new endpoint once, then waits out the lead; an endpoint heard from needs none', () => {
    const primes = new PrimeTracker({ ttl: 2, leadMs: 250 });
    expect(primes.decide(serverLocal, 0)).toBe('prime');
    expect(primes.decide(serverLocal, 100)).toBe('wait');
    expect(primes.decide(serverLocal, 250)).toBe('full');
    primes.heard(serverReflexive);
    expect(primes.decide(serverReflexive, 0)).toBe('full');
    expect(new PrimeTracker(undefined).decide(serverLocal, 0)).toBe('full');
  });

  it('holds the primes of a poll that also sends full-TTL packets for the next poll', () => {
    const send = (ttl?: number): LinkOutput => ({ type: 'send', via: relay, bytes: new Uint8Array(1), ...(ttl ? { ttl } : {}) });
    const attempt: LinkOutput = { type: 'attempt', n: 0, path: 'relay' };
    expect(separatePrimes([attempt, send()])).toEqual({ now: [attempt, send()], later: [] });
    expect(separatePrimes([attempt, send(2)])).toEqual({ now: [attempt, send(2)], later: [] });
    expect(separatePrimes([attempt, send(2), send()])).toEqual({ now: [attempt, send()], later: [send(2)] });
  });
});

describe('client link, race policy with priming and two copies', () => {
  it('sends the relay connect at 0 and the primes in the next poll, full-TTL connects from 250 ms, then relay-only after the direct window', () => {
    const link = clientLink({ candidates: [serverLocal, serverReflexive], schedule: { ...race, ...primed } });
    const log = drive(link, 3250);
    expect(log.slice(0, 4)).toEqual([
      [0, ['relay'], ['0:direct', '0:relay']],
      [0, ['10.0.0.1:4000:ttl2', '203.0.113.1:40000:ttl2'], []],
      [250, ['10.0.0.1:4000', '203.0.113.1:40000', 'relay'], []],
      [500, ['10.0.0.1:4000', '203.0.113.1:40000', 'relay'], ['1:direct', '1:relay']],
    ]);
    expect(log.at(-2)).toEqual([3000, ['relay'], ['6:relay']]);
    expect(log.at(-1)).toEqual([3250, ['relay'], []]);
  });

  it('connected through the relay, keeps its direct attempts for the window and answers pings; a direct accept takes over', () => {
    const link = clientLink({ candidates: [serverLocal, serverReflexive], schedule: race });
    const s = serverLink({ candidates: [clientReflexive], schedule: race });
    const relayConnect = sends(link.poll(0)).find((p) => p.via.path === 'relay')!.bytes;
    const accept = sends(s.receive(relayConnect, relay, 10))[0]!.bytes;
    expect(first(link.receive(accept, relay, 20), 'connected')).toMatchObject({ via: relay, attempt: 0 });
    // Attempt 1 goes on, direct only.
    expect(link.nextDeadline()).toBe(500);
    const attempt1 = sends(link.poll(500));
    expect(attempt1.map((p) => where(p.via))).toEqual(['10.0.0.1:4000', '203.0.113.1:40000']);
    // A ping from the server's peer-reflexive port is answered with a connect there.
    const mapped = ep('203.0.113.1', 41999);
    const ping = sends(s.poll(500))[0]!.bytes;
    const answer = sends(link.receive(ping, direct(mapped), 510));
    expect(answer.map((p) => [where(p.via), p.type])).toEqual([['203.0.113.1:41999', PeerPacketType.CONNECT]]);
    const directAccept = sends(s.receive(answer[0]!.bytes, direct(clientReflexive), 520))[0]!.bytes;
    const moved = link.receive(directAccept, direct(mapped), 530);
    expect(first(moved, 'pathChanged')).toEqual({ type: 'pathChanged', via: direct(mapped), from: { path: 'relay' }, reason: 'upgrade' });
    // On direct, the race is over: the next deadline is the keepalive, and attempt 2 never goes.
    expect(link.nextDeadline()).toBe(2020);
    expect(sends(link.poll(1000))).toEqual([]);
  });

  it('a pair whose NAT types rule direct out sends only relay connects', () => {
    const hopeless = new ClientLink({
      self: 2,
      server: { actor: 1, candidates: [serverLocal, serverReflexive], pairSecret: SECRET },
      startedAt: 0,
      schedule: race,
      timing,
      relayAvailable: true,
      counterBase: 99,
      natTypes: { self: 'symmetric', peer: 'portRestrictedCone' },
    });
    expect(drive(hopeless, 1000).map(([t, to]) => [t, to])).toEqual([
      [0, ['relay']],
      [500, ['relay']],
      [1000, ['relay']],
    ]);
  });
});

describe('server link pings', () => {
  it('primes each candidate with its first ping (no extra packet), and keeps pinging while connected through the relay', () => {
    const s = serverLink({ candidates: [clientReflexive], schedule: { ...schedule, ...primed } });
    expect(drive(s, 1000).map(([t, to]) => [t, to])).toEqual([
      [0, ['198.51.100.7:50000:ttl2']],
      [500, ['198.51.100.7:50000']],
      [1000, ['198.51.100.7:50000']],
    ]);
    const c = clientLink({ candidates: [serverReflexive], schedule: race });
    const relayConnect = sends(c.poll(0)).find((p) => p.via.path === 'relay')!.bytes;
    const accept = sends(s.receive(relayConnect, relay, 1010))[0]!.bytes;
    const confirm = sends(c.receive(accept, relay, 1020))[0]!.bytes;
    expect(first(s.receive(confirm, relay, 1030), 'connected')).toBeDefined();
    expect(s.nextDeadline()).toBe(1500);
    expect(sends(s.poll(1500)).map((p) => [where(p.via), p.type])).toEqual([['198.51.100.7:50000', PeerPacketType.PING]]);
  });
});

describe('options', () => {
  const base = { cloudUrl: 'http://127.0.0.1:1', appId: 'a' };
  it('default: the sequential seed schedule, two sends per attempt, TTL-2 primes with a 250 ms lead', () => {
    expect(resolveSchedule(base)).toEqual({ ...schedule, policy: 'sequential', copies: 2, priming: { ttl: 2, leadMs: 250 } });
    expect(resolveSchedule({ ...base, connectPolicy: 'race', lowTtlPriming: false }).priming).toBeUndefined();
    expect(resolveSchedule({ ...base, attemptIntervalMs: 200, primeTtl: 3 }).priming).toEqual({ ttl: 3, leadMs: 100 });
  });

  it('rejects an unknown policy and a TTL out of 1–255', () => {
    for (const bad of [{ connectPolicy: 'eager' as 'race' }, { primeTtl: 0 }, { primeTtl: 256 }, { primeTtl: 1.5 }]) {
      expect(() => resolveSchedule({ ...base, ...bad })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    }
  });
});
