import { describe, expect, it } from 'vitest';
import type { UdpEndpoint } from '../../../src/runtime/index.js';
import { ClientLink } from '../../../client-sdk/peer/client-link.js';
import type { LinkOutput, Via } from '../../../client-sdk/peer/link-core.js';
import { decodePeerPacket, encodePeerPacket, pairTag, PeerPacketType, type PeerPacket } from '../../../client-sdk/peer/packets.js';
import { attemptPath, directAttemptCount, type ScheduleConfig } from '../../../client-sdk/peer/schedule.js';
import { ServerLink } from '../../../client-sdk/peer/server-link.js';

const ep = (address: string, port: number): UdpEndpoint => ({ address, port, family: 'IPv4' });
const schedule: ScheduleConfig = { attemptsLimit: 10, attemptIntervalMs: 500, directFraction: 2 / 3, forceRelay: false };
const timing = { keepaliveIntervalMs: 2000, peerTimeoutMs: 10_000 };
const token = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2]);
const serverLocal = ep('10.0.0.1', 4000);
const serverReflexive = ep('203.0.113.1', 40000);
const clientLocal = ep('192.168.1.2', 5000);
const clientReflexive = ep('198.51.100.7', 50000);

function client(overrides: Partial<ScheduleConfig> = {}, relayAvailable = true): ClientLink {
  return new ClientLink({
    self: 2,
    server: { actor: 1, candidates: [serverLocal, serverReflexive], token },
    startedAt: 0,
    schedule: { ...schedule, ...overrides },
    timing,
    relayAvailable,
    nonceBase: 1000,
  });
}

function server(overrides: Partial<ScheduleConfig> = {}): ServerLink {
  return new ServerLink({
    self: 1,
    client: { actor: 2, candidates: [clientReflexive, clientLocal], token },
    learnedAt: 0,
    schedule: { ...schedule, ...overrides },
    timing,
  });
}

const sends = (out: LinkOutput[]) =>
  out.flatMap((o) => (o.type === 'send' ? [{ via: o.via, packet: decoded(o.bytes) }] : []));
function decoded(bytes: Uint8Array): PeerPacket {
  const result = decodePeerPacket(bytes);
  if (!result.ok) throw new Error(result.error);
  return result.packet;
}
const where = (via: Via) => (via.path === 'relay' ? 'relay' : `${via.endpoint.address}:${via.endpoint.port}`);

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
    const connect = sends(log[0]!.out)[0]!.packet;
    expect(connect).toMatchObject({ type: PeerPacketType.CONNECT, from: 2, to: 1, attempt: 0, token });
  });

  it('catches up attempts missed by a late timer, in order', () => {
    const link = client();
    const out = link.poll(1200);
    expect(out.filter((o) => o.type === 'attempt').map((o) => (o.type === 'attempt' ? o.n : -1))).toEqual([0, 1, 2]);
  });

  it('connects on a direct accept, with RTT and attempt number', () => {
    const link = client();
    link.poll(0);
    link.poll(500);
    const accept = acceptFor(sends(link.poll(1000))[1]!.packet);
    const out = link.receive(accept, { path: 'direct', endpoint: serverReflexive }, 1030);
    expect(out).toContainEqual({
      type: 'connected',
      via: { path: 'direct', endpoint: serverReflexive },
      rttMs: 30,
      attempt: 2,
      elapsedMs: 1030,
    });
    expect(link.phase).toBe('connected');
  });

  it('connects on a relay accept, and a late direct accept moves it to direct', () => {
    const link = client();
    const log = drive(link, 3000);
    const direct = sends(log[5]!.out)[0]!.packet;
    const relay = sends(log[6]!.out)[0]!.packet;
    const viaRelay = link.receive(acceptFor(relay), { path: 'relay' }, 3040);
    expect(viaRelay.find((o) => o.type === 'connected')).toMatchObject({ via: { path: 'relay' }, attempt: 6, elapsedMs: 3040 });
    const late = link.receive(acceptFor(direct), { path: 'direct', endpoint: serverLocal }, 3100);
    expect(late).toContainEqual({ type: 'pathChanged', via: { path: 'direct', endpoint: serverLocal } });
    expect(link.core.via).toEqual({ path: 'direct', endpoint: serverLocal });
    // A relay accept never displaces a direct path.
    expect(link.receive(acceptFor(relay), { path: 'relay' }, 3200)).toEqual([]);
  });

  it('ignores accepts with a wrong tag or an unknown nonce, and packets for other actors', () => {
    const link = client();
    const connect = sends(link.poll(0))[0]!.packet;
    const accept = acceptFor(connect);
    const via: Via = { path: 'direct', endpoint: serverLocal };
    expect(link.receive({ ...accept, tag: new Uint8Array(8) }, via, 10)).toEqual([]);
    expect(link.receive({ ...accept, nonce: 5 }, via, 10)).toEqual([]);
    expect(link.receive({ ...accept, from: 3 }, via, 10)).toEqual([]);
    expect(link.receive({ ...accept, to: 3 }, via, 10)).toEqual([]);
    expect(link.phase).toBe('connecting');
  });

  it('learns a peer-reflexive endpoint from a genuine ping and answers it with a connect', () => {
    const link = client();
    link.poll(0);
    const unknown = ep('203.0.113.1', 40123);
    const ping = { type: PeerPacketType.PING, from: 1, to: 2, seq: 0, tag: pairTag(token) } as const;
    const out = link.receive(ping, { path: 'direct', endpoint: unknown }, 100);
    expect(out[0]).toEqual({ type: 'learned', endpoint: unknown });
    expect(sends(out)).toEqual([{ via: { path: 'direct', endpoint: unknown }, packet: expect.objectContaining({ type: PeerPacketType.CONNECT }) }]);
    expect(link.candidates).toContainEqual(unknown);
    // A forged ping (wrong tag) teaches nothing.
    expect(link.receive({ ...ping, tag: new Uint8Array(8) }, { path: 'direct', endpoint: ep('6.6.6.6', 1) }, 100)).toEqual([]);
    // Later attempts include the learned endpoint.
    expect(sends(link.poll(500)).map((s) => where(s.via))).toContain('203.0.113.1:40123');
  });

  it('fails fast with CONNECT_REJECTED on a reject echoing its nonce, not on a forged one', () => {
    const link = client();
    const connect = sends(link.poll(0))[0]!.packet;
    const nonce = connect.type === PeerPacketType.CONNECT ? connect.nonce : 0;
    const reject = { type: PeerPacketType.REJECT, from: 1, to: 2, nonce: nonce + 999, reason: 1 } as const;
    expect(link.receive(reject, { path: 'direct', endpoint: serverLocal }, 5)).toEqual([]);
    expect(link.receive({ ...reject, nonce }, { path: 'direct', endpoint: serverLocal }, 5)).toEqual([
      { type: 'failed', code: 'CONNECT_REJECTED' },
    ]);
  });

  it('with force relay sends every attempt through the relay and ignores pings', () => {
    const link = client({ forceRelay: true });
    expect(sends(link.poll(0)).map((s) => where(s.via))).toEqual(['relay']);
    const ping = { type: PeerPacketType.PING, from: 1, to: 2, seq: 0, tag: pairTag(token) } as const;
    expect(sends(link.receive(ping, { path: 'direct', endpoint: serverLocal }, 1))).toEqual([]);
  });
});

describe('server link', () => {
  it('pings every candidate every interval for the limit, then stops but keeps listening', () => {
    const link = server();
    const log = drive(link, 20_000);
    expect(log.map((e) => e.t)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500]);
    for (const [n, entry] of log.entries()) {
      expect(sends(entry.out).map((s) => [where(s.via), s.packet.type, s.packet.type === PeerPacketType.PING && s.packet.seq])).toEqual([
        ['198.51.100.7:50000', PeerPacketType.PING, n],
        ['192.168.1.2:5000', PeerPacketType.PING, n],
      ]);
    }
    expect(link.nextDeadline()).toBeUndefined();
    const connect = { type: PeerPacketType.CONNECT, from: 2, to: 1, nonce: 7, attempt: 9, token } as const;
    const out = link.receive(connect, { path: 'relay' }, 60_000);
    expect(out[0]).toMatchObject({ type: 'connected', via: { path: 'relay' }, attempt: 9 });
  });

  it('accepts a direct connect on the socket it came by and stops pinging', () => {
    const link = server();
    link.poll(0);
    const connect = { type: PeerPacketType.CONNECT, from: 2, to: 1, nonce: 7, attempt: 0, token } as const;
    const out = link.receive(connect, { path: 'direct', endpoint: clientReflexive }, 20);
    expect(out[0]).toMatchObject({ type: 'connected', via: { path: 'direct', endpoint: clientReflexive } });
    expect(sends(out)).toEqual([
      { via: { path: 'direct', endpoint: clientReflexive }, packet: { type: PeerPacketType.ACCEPT, from: 1, to: 2, nonce: 7, tag: pairTag(token) } },
    ]);
    // No more pings; the first keepalive goes at once, to measure the RTT the accept could not.
    expect(sends(link.poll(500)).map((s) => s.packet.type)).toEqual([PeerPacketType.KEEPALIVE]);
    expect(link.poll(1000)).toEqual([]);
    // A repeated connect (the accept was lost) gets another accept and no second 'connected'.
    const again = link.receive({ ...connect, nonce: 8 }, { path: 'direct', endpoint: clientReflexive }, 520);
    expect(again.map((o) => o.type)).toEqual(['send']);
  });

  it('rejects a wrong token on the path it came by and stays waiting', () => {
    const link = server();
    const bad = { type: PeerPacketType.CONNECT, from: 2, to: 1, nonce: 7, attempt: 0, token: new Uint8Array([1]) } as const;
    const out = link.receive(bad, { path: 'relay' }, 20);
    expect(out[0]).toEqual({ type: 'rejectedConnect' });
    expect(sends(out)).toEqual([{ via: { path: 'relay' }, packet: { type: PeerPacketType.REJECT, from: 1, to: 2, nonce: 7, reason: 1 } }]);
    expect(link.phase).toBe('waiting');
  });

  it('learns a peer-reflexive endpoint from a valid connect and accepts there (symmetric NAT client)', () => {
    const link = server();
    const mapped = ep('198.51.100.7', 61234);
    const connect = { type: PeerPacketType.CONNECT, from: 2, to: 1, nonce: 1, attempt: 0, token } as const;
    const out = link.receive(connect, { path: 'direct', endpoint: mapped }, 5);
    expect(out[0]).toEqual({ type: 'learned', endpoint: mapped });
    expect(sends(out)[0]!.via).toEqual({ path: 'direct', endpoint: mapped });
    expect(link.candidates).toContainEqual(mapped);
  });

  it('moves to direct when a late direct connect follows a relay accept', () => {
    const link = server();
    const connect = { type: PeerPacketType.CONNECT, from: 2, to: 1, nonce: 1, attempt: 6, token } as const;
    link.receive(connect, { path: 'relay' }, 3000);
    const out = link.receive({ ...connect, attempt: 5 }, { path: 'direct', endpoint: clientReflexive }, 3010);
    expect(out).toContainEqual({ type: 'pathChanged', via: { path: 'direct', endpoint: clientReflexive } });
  });
});

describe('connected pair', () => {
  it('exchanges data and keepalives, measures RTT, and times out a silent peer', () => {
    const c = client();
    const s = server();
    const viaServer: Via = { path: 'direct', endpoint: serverLocal };
    const viaClient: Via = { path: 'direct', endpoint: clientLocal };
    const connect = sends(c.poll(0))[0]!.packet;
    const accepted = s.receive(connect, viaClient, 10);
    c.receive(sends(accepted)[0]!.packet, viaServer, 20);
    expect(c.phase).toBe('connected');
    expect(s.phase).toBe('connected');

    const data = sends(c.send(new Uint8Array([1, 2, 3])))[0]!;
    expect(data.via).toEqual(viaServer);
    expect(s.receive(data.packet, viaClient, 30)).toEqual([{ type: 'message', data: new Uint8Array([1, 2, 3]) }]);
    // Data from an endpoint the client never proved is not the client's.
    expect(s.receive(data.packet, { path: 'direct', endpoint: ep('6.6.6.6', 6) }, 30)).toEqual([]);

    expect(c.nextDeadline()).toBe(2020);
    const keepalive = sends(c.poll(2020))[0]!;
    const reply = sends(s.receive(keepalive.packet, viaClient, 2030))[0]!;
    expect(reply.packet).toMatchObject({ type: PeerPacketType.KEEPALIVE, reply: true });
    c.receive(reply.packet, viaServer, 2060);
    expect(c.core.rttMs).toBeCloseTo(20 + (40 - 20) / 8);

    // The server hears the client's keepalives; the client's own silence timer runs from its last reply.
    expect(c.nextDeadline()).toBe(4020);
    let out: LinkOutput[] = [];
    for (let t = c.nextDeadline(); t !== undefined && t <= 12_060; t = c.nextDeadline()) out = c.poll(t);
    expect(out).toEqual([{ type: 'disconnected', reason: 'timeout' }]);
    expect(c.phase).toBe('closed');
  });

  it('reports a goodbye as a remote disconnect', () => {
    const s = server();
    const viaClient: Via = { path: 'relay' };
    s.receive({ type: PeerPacketType.CONNECT, from: 2, to: 1, nonce: 1, attempt: 6, token }, viaClient, 0);
    const bye = decoded(encodePeerPacket({ type: PeerPacketType.DISCONNECT, from: 2, to: 1, reason: 1 }));
    expect(s.receive(bye, viaClient, 5)).toEqual([{ type: 'disconnected', reason: 'remote' }]);
    expect(s.phase).toBe('closed');
  });
});

function acceptFor(connect: PeerPacket): Extract<PeerPacket, { type: typeof PeerPacketType.ACCEPT }> {
  if (connect.type !== PeerPacketType.CONNECT) throw new Error('not a connect');
  return { type: PeerPacketType.ACCEPT, from: connect.to, to: connect.from, nonce: connect.nonce, tag: pairTag(connect.token) };
}
