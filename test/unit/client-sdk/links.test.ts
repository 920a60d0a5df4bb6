// The client and server links as sans-IO state machines: schedule, handshake, paths, connected phase.
import { describe, expect, it } from 'vitest';
import type { ClientLink } from '../../../client-sdk/peer/client-link.js';
import type { LinkOutput, Via } from '../../../client-sdk/peer/link-core.js';
import { PeerPacketType } from '../../../client-sdk/peer/packets.js';
import { attemptPath, directAttemptCount } from '../../../client-sdk/peer/schedule.js';
import type { ServerLink } from '../../../client-sdk/peer/server-link.js';
import { clientLink, ep, first, OTHER_SECRET, peek, schedule, sends, serverLink, where } from '../../support/sealed-packets.js';

const serverLocal = ep('10.0.0.1', 4000);
const serverReflexive = ep('203.0.113.1', 40000);
const clientLocal = ep('192.168.1.2', 5000);
const clientReflexive = ep('198.51.100.7', 50000);
const direct = (endpoint: typeof serverLocal): Via => ({ path: 'direct', endpoint });
const relay: Via = { path: 'relay' };

const client = (options: Parameters<typeof clientLink>[0] = {}) => clientLink({ candidates: [serverLocal, serverReflexive], ...options });
const server = (options: Parameters<typeof serverLink>[0] = {}) => serverLink({ candidates: [clientReflexive, clientLocal], ...options });

/** Runs a link's poll at every deadline up to `until`, recording what it sent and when. */
function drive(link: ClientLink | ServerLink, until: number) {
  const log: { t: number; out: LinkOutput[] }[] = [];
  for (let t = link.nextDeadline(); t !== undefined && t <= until; t = link.nextDeadline()) {
    const out = link.poll(t);
    log.push({ t, out });
    if (out.length === 0) break;
  }
  return log;
}

/** The one packet `link` sends in answer to `bytes` from `via`. */
function answer(link: ClientLink | ServerLink, bytes: Uint8Array, via: Via, now: number): Uint8Array {
  const out = sends(link.receive(bytes, via, now));
  expect(out).toHaveLength(1);
  return out[0]!.bytes;
}

/**
 * Connects a client and a server link over `clientVia` (how the server sees the client) and
 * `serverVia` (how the client sees the server): connect → accept → confirm.
 */
function handshake(c: ClientLink, s: ServerLink, clientVia: Via, serverVia: Via, now = 0) {
  const connect = sends(c.poll(now)).find((p) => where(p.via) === where(serverVia))!.bytes;
  const accept = answer(s, connect, clientVia, now + 10);
  const confirm = answer(c, accept, serverVia, now + 20);
  const done = s.receive(confirm, clientVia, now + 30);
  expect(first(done, 'connected')).toBeDefined();
  return { connect, accept, confirm };
}

describe('schedule', () => {
  it('sends 6 of 10 attempts direct, then relay; all relay when forced; all direct without a relay', () => {
    expect(directAttemptCount(schedule)).toBe(6);
    expect([...Array(10).keys()].map((n) => attemptPath(schedule, n, true))).toEqual([
      ...Array(6).fill('direct'),
      ...Array(4).fill('relay'),
    ]);
    expect(attemptPath({ ...schedule, forceRelay: true }, 0, true)).toBe('relay');
    expect(attemptPath(schedule, 9, false)).toBe('direct');
    expect(directAttemptCount({ ...schedule, attemptsLimit: 9 })).toBe(6);
  });
});

describe('client link', () => {
  it('follows the exact schedule: direct to every candidate at 0…2500 ms, relay at 3000…4500 ms, fails at 5000 ms', () => {
    const link = client();
    const log = drive(link, 10_000);
    const timeline = log.map(({ t, out }) => ({
      t,
      attempts: out.flatMap((o) => (o.type === 'attempt' ? [`${o.n}:${o.path}`] : [])),
      to: sends(out).map((s) => where(s.via)),
      failed: out.some((o) => o.type === 'failed'),
    }));
    expect(timeline.map((e) => e.t)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
    for (let n = 0; n < 6; n++) {
      expect(timeline[n]).toEqual({ t: n * 500, attempts: [`${n}:direct`], to: ['10.0.0.1:4000', '203.0.113.1:40000'], failed: false });
    }
    for (let n = 6; n < 10; n++) {
      expect(timeline[n]).toEqual({ t: n * 500, attempts: [`${n}:relay`], to: ['relay'], failed: false });
    }
    expect(timeline[10]).toEqual({ t: 5000, attempts: [], to: [], failed: true });
    expect(link.phase).toBe('failed');
    expect(link.nextDeadline()).toBeUndefined();
    const [a, b] = sends(log[0]!.out).map((s) => peek(s.bytes));
    expect(a).toMatchObject({ type: PeerPacketType.CONNECT, from: 2, to: 1, attempt: 0, publicKey: Buffer.from(link.sealer.publicKey) });
    // One ephemeral key per link; a fresh random challenge per connect.
    if (a?.type !== PeerPacketType.CONNECT || b?.type !== PeerPacketType.CONNECT) throw new Error('expected connects');
    expect(a.challenge).not.toEqual(b.challenge);
  });

  it('catches up attempts missed by a late timer, in order', () => {
    const link = client();
    const out = link.poll(1200);
    expect(out.filter((o) => o.type === 'attempt').map((o) => (o.type === 'attempt' ? o.n : -1))).toEqual([0, 1, 2]);
  });

  it('connects on a direct accept, with RTT and attempt number, and confirms it on its path', () => {
    const link = client();
    const s = server();
    link.poll(0);
    link.poll(500);
    const connect = sends(link.poll(1000))[1]!;
    const accept = answer(s, connect.bytes, direct(clientReflexive), 1015);
    const out = link.receive(accept, direct(serverReflexive), 1030);
    expect(out[0]).toEqual({ type: 'connected', via: direct(serverReflexive), rttMs: 30, attempt: 2, elapsedMs: 1030 });
    expect(link.phase).toBe('connected');
    expect(sends(out).map((p) => [where(p.via), p.type])).toEqual([['203.0.113.1:40000', PeerPacketType.KEEPALIVE]]);
  });

  it('connects on a relay accept, and a late direct accept moves it to direct', () => {
    const link = client();
    const s = server();
    const log = drive(link, 3500);
    const directConnect = sends(log[5]!.out)[0]!.bytes;
    const relayConnect = sends(log[6]!.out)[0]!.bytes;
    const laterRelayConnect = sends(log[7]!.out)[0]!.bytes;
    const relayAccept = answer(s, relayConnect, relay, 3020);
    const viaRelay = link.receive(relayAccept, relay, 3040);
    expect(first(viaRelay, 'connected')).toMatchObject({ via: relay, attempt: 6, elapsedMs: 3040 });
    const directAccept = answer(s, directConnect, direct(clientLocal), 3050);
    const late = link.receive(directAccept, direct(serverLocal), 3100);
    expect(late).toContainEqual({ type: 'pathChanged', via: direct(serverLocal), from: relay, reason: 'upgrade' });
    expect(link.core.via).toEqual(direct(serverLocal));
    // A relay accept never displaces a direct path.
    const again = answer(s, laterRelayConnect, relay, 3200);
    expect(link.receive(again, relay, 3200).some((o) => o.type === 'pathChanged')).toBe(false);
  });

  it('drops accepts that are forged, tampered with, sealed for another pair, or answer no connect of its own', () => {
    const link = client();
    const s = server();
    const connect = sends(link.poll(0))[0]!.bytes;
    const accept = answer(s, connect, direct(clientLocal), 5);
    const via = direct(serverLocal);
    const tampered = Uint8Array.from(accept);
    tampered[30] = tampered[30]! ^ 1;
    expect(link.receive(tampered, via, 10)).toEqual([{ type: 'dropped', reason: 'auth' }]);
    const foreign = serverLink({ secret: OTHER_SECRET });
    const foreignAccept = answer(foreign, sends(clientLink({ candidates: [serverLocal], secret: OTHER_SECRET }).poll(0))[0]!.bytes, via, 5);
    expect(link.receive(foreignAccept, via, 10)).toEqual([{ type: 'dropped', reason: 'auth' }]);
    expect(link.phase).toBe('connecting');
    expect(first(link.receive(accept, via, 10), 'connected')).toBeDefined();
    // An authentic accept for a connect this link never sent (another client link of the pair).
    const strangerAccept = answer(server(), sends(client().poll(0))[0]!.bytes, via, 5);
    expect(link.receive(strangerAccept, via, 10)).toEqual([{ type: 'dropped', reason: 'stale' }]);
  });

  it('learns a peer-reflexive endpoint from a genuine ping and answers it with a connect; a replayed ping does nothing', () => {
    const link = client();
    link.poll(0);
    const ping = sends(server().poll(0))[0]!.bytes;
    const unknown = ep('203.0.113.1', 40123);
    const out = link.receive(ping, direct(unknown), 100);
    expect(out[0]).toEqual({ type: 'learned', endpoint: unknown });
    expect(sends(out).map((p) => [where(p.via), p.type, p.bytes.length])).toEqual([['203.0.113.1:40123', PeerPacketType.CONNECT, ping.length]]);
    expect(link.candidates).toContainEqual(unknown);
    // The same ping replayed from elsewhere is dropped before it can teach or trigger anything.
    expect(link.receive(ping, direct(ep('6.6.6.6', 1)), 100)).toEqual([{ type: 'dropped', reason: 'replay' }]);
    // A forged ping (right header, random body) is dropped too.
    const forged = Uint8Array.from(ping);
    forged.fill(0x33, 18);
    forged[17] = forged[17]! + 1;
    expect(link.receive(forged, direct(ep('6.6.6.6', 1)), 100)).toEqual([{ type: 'dropped', reason: 'auth' }]);
    // Later attempts include the learned endpoint.
    expect(sends(link.poll(500)).map((s) => where(s.via))).toContain('203.0.113.1:40123');
  });

  it('with force relay sends every attempt through the relay and ignores pings', () => {
    const link = client({ schedule: { forceRelay: true } });
    expect(sends(link.poll(0)).map((s) => where(s.via))).toEqual(['relay']);
    const ping = sends(server().poll(0))[0]!.bytes;
    expect(sends(link.receive(ping, direct(serverLocal), 1))).toEqual([]);
  });
});

describe('server link', () => {
  it('pings every candidate every interval for the limit, then stops but keeps listening', () => {
    const link = server();
    const log = drive(link, 20_000);
    expect(log.map((e) => e.t)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500]);
    for (const [n, entry] of log.entries()) {
      expect(sends(entry.out).map((s) => [where(s.via), s.type, peek(s.bytes).type === PeerPacketType.PING && peek(s.bytes)])).toEqual([
        ['198.51.100.7:50000', PeerPacketType.PING, expect.objectContaining({ seq: n })],
        ['192.168.1.2:5000', PeerPacketType.PING, expect.objectContaining({ seq: n })],
      ]);
    }
    expect(link.nextDeadline()).toBeUndefined();
    const late = sends(client().poll(0))[0]!;
    const accept = link.receive(late.bytes, relay, 60_000);
    expect(sends(accept).map((s) => s.type)).toEqual([PeerPacketType.ACCEPT]);
  });

  it('answers a direct connect with an accept on the path it came by; connects only when the confirm comes back from there', () => {
    const link = server();
    const c = client();
    link.poll(0);
    const connects = sends(c.poll(0));
    const connect = connects[1]!.bytes;
    const out = link.receive(connect, direct(clientReflexive), 20);
    expect(out.map((o) => o.type)).toEqual(['send']);
    expect(sends(out).map((s) => [where(s.via), s.type, s.bytes.length])).toEqual([['198.51.100.7:50000', PeerPacketType.ACCEPT, connect.length]]);
    expect(link.phase).toBe('waiting');
    const confirm = answer(c, sends(out)[0]!.bytes, direct(serverReflexive), 40);
    expect(link.receive(confirm, direct(clientReflexive), 60)).toEqual([
      { type: 'connected', via: direct(clientReflexive), rttMs: 40, attempt: 0, elapsedMs: 60 },
    ]);
    // No more pings; keepalives from one interval later (the probe measured the RTT), and with
    // the first one a keepalive through the relay, which keeps the fallback path proven.
    expect(link.poll(500)).toEqual([]);
    expect(sends(link.poll(2060)).map((s) => [s.via.path, s.type])).toEqual([
      ['direct', PeerPacketType.KEEPALIVE],
      ['relay', PeerPacketType.KEEPALIVE],
    ]);
    // A repeated connect (the accept was lost) gets another accept and no second 'connected'.
    const again = link.receive(connects[0]!.bytes, direct(clientReflexive), 520);
    expect(again.map((o) => o.type)).toEqual(['send']);
  });

  it('counts a confirm that arrives from another endpoint than its probe went to as unproven, and stays waiting', () => {
    const link = server();
    const c = client();
    const connect = sends(c.poll(0))[1]!.bytes;
    const accept = sends(link.receive(connect, direct(clientReflexive), 20))[0]!.bytes;
    const confirm = answer(c, accept, direct(serverReflexive), 40);
    expect(link.receive(confirm, direct(clientLocal), 60)).toEqual([{ type: 'dropped', reason: 'unproven' }]);
    expect(link.phase).toBe('waiting');
  });

  it('drops a connect sealed with another pair secret and answers nothing (no reject to forge or reflect)', () => {
    const link = server();
    const bad = sends(clientLink({ candidates: [serverLocal], secret: OTHER_SECRET }).poll(0))[0]!.bytes;
    expect(link.receive(bad, relay, 20)).toEqual([{ type: 'dropped', reason: 'auth' }]);
    expect(link.phase).toBe('waiting');
  });

  it('learns a peer-reflexive endpoint from an authentic connect and accepts there (symmetric NAT client)', () => {
    const link = server();
    const mapped = ep('198.51.100.7', 61234);
    const out = link.receive(sends(client().poll(0))[0]!.bytes, direct(mapped), 5);
    expect(out[0]).toEqual({ type: 'learned', endpoint: mapped });
    expect(sends(out)[0]!.via).toEqual(direct(mapped));
    expect(link.candidates).toContainEqual(mapped);
  });

  it('moves to direct when a late direct round trip follows a relay one', () => {
    const link = server();
    const c = client();
    const log = drive(c, 3000);
    const directConnect = sends(log[5]!.out)[0]!.bytes;
    const relayConnect = sends(log[6]!.out)[0]!.bytes;
    const relayConfirm = answer(c, answer(link, relayConnect, relay, 3000), relay, 3010);
    expect(first(link.receive(relayConfirm, relay, 3020), 'connected')).toMatchObject({ via: relay, attempt: 6 });
    const directConfirm = answer(c, answer(link, directConnect, direct(clientReflexive), 3030), direct(serverLocal), 3040);
    // The client moved to the server's local endpoint, and confirms from the mapping the server saw.
    expect(link.receive(directConfirm, direct(clientReflexive), 3050)).toContainEqual({
      type: 'pathChanged',
      via: direct(clientReflexive),
      from: relay,
      reason: 'upgrade',
    });
    expect(link.core.via).toEqual(direct(clientReflexive));
  });

  it('recovers from a lost confirm: an authentic packet from the client earns its path a probe', () => {
    const link = server();
    const c = client();
    const connect = sends(c.poll(0))[0]!.bytes;
    answer(c, answer(link, connect, direct(clientLocal), 10), direct(serverLocal), 20); // the confirm is lost
    expect(link.phase).toBe('waiting');
    // Within a probe interval of the accept (which was a probe to that path), nothing more.
    expect(sends(link.receive(sends(c.send(Buffer.from('early update')))[0]!.bytes, direct(clientLocal), 40))).toEqual([]);
    const update = sends(c.send(Buffer.from('first update')))[0]!.bytes;
    const probe = sends(link.receive(update, direct(clientLocal), 600));
    expect(probe.map((p) => [where(p.via), p.type])).toEqual([['192.168.1.2:5000', PeerPacketType.KEEPALIVE]]);
    expect(probe[0]!.bytes.length).toBeLessThanOrEqual(update.length);
    // A second packet within the probe interval earns no second probe.
    expect(sends(link.receive(sends(c.send(Buffer.from('second update')))[0]!.bytes, direct(clientLocal), 650))).toEqual([]);
    const reply = answer(c, probe[0]!.bytes, direct(serverLocal), 660);
    expect(first(link.receive(reply, direct(clientLocal), 670), 'connected')).toMatchObject({ via: direct(clientLocal), rttMs: 70 });
  });
});

describe('connected pair', () => {
  it('exchanges data and keepalives, measures RTT, and times out a silent peer', () => {
    const c = client();
    const s = server();
    const viaServer = direct(serverLocal);
    const viaClient = direct(clientLocal);
    handshake(c, s, viaClient, viaServer, 0);
    expect(c.phase).toBe('connected');
    expect(s.phase).toBe('connected');

    const data = sends(c.send(new Uint8Array([1, 2, 3])))[0]!;
    expect(data.via).toEqual(viaServer);
    expect(Buffer.from(data.bytes).includes(Buffer.from([1, 2, 3]))).toBe(false);
    expect(s.receive(data.bytes, viaClient, 30)).toEqual([{ type: 'message', data: Buffer.from([1, 2, 3]) }]);

    expect(c.nextDeadline()).toBe(2020);
    const keepalive = sends(c.poll(2020))[0]!;
    const reply = sends(s.receive(keepalive.bytes, viaClient, 2030))[0]!;
    expect(reply.type).toBe(PeerPacketType.KEEPALIVE);
    expect(reply.via).toEqual(viaClient);
    c.receive(reply.bytes, viaServer, 2060);
    expect(c.core.rttMs).toBeCloseTo(20 + (40 - 20) / 8);

    expect(c.nextDeadline()).toBe(4020);
    let out: LinkOutput[] = [];
    for (let t = c.nextDeadline(); t !== undefined && t <= 12_060; t = c.nextDeadline()) out = c.poll(t);
    expect(out).toEqual([{ type: 'disconnected', reason: 'timeout' }]);
    expect(c.phase).toBe('closed');
  });

  it('reports a goodbye as a remote disconnect', () => {
    const c = client();
    const s = server();
    handshake(c, s, direct(clientLocal), direct(serverLocal));
    const bye = sends(c.close())[0]!.bytes;
    expect(s.receive(bye, direct(clientLocal), 50)).toEqual([{ type: 'disconnected', reason: 'remote' }]);
    expect(s.phase).toBe('closed');
  });
});
