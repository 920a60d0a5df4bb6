// The relay on loopback sockets: binding, forwarding between peers of one session only, rebinding
// after a NAT change, limits under a hostile flood, IPv6.
import { afterEach, describe, expect, it } from 'vitest';
import type { UdpSocket } from '../../../core/index.js';
import {
  createRelayClient,
  createRelayServer,
  createTicketIssuer,
  encodeRelayFrame,
  type RelayClient,
  type RelayServerOptions,
} from '../../../relay/index.js';
import { waitFor } from '../../support/loopback.js';
import { loopbackRelays, RELAY_TEST_SECRET } from '../../support/loopback-relay.js';

const relays = loopbackRelays();
afterEach(() => relays.closeAll());

interface Peer {
  socket: UdpSocket;
  client: RelayClient;
  /** Payloads received, as text, with the sender's actor. */
  received: Array<{ from: number; text: string }>;
}

const socket = (): Promise<UdpSocket> => relays.socket();

/** A relay on loopback with a manual clock: real sockets, time only moves when the test says. */
async function relay(options: Partial<RelayServerOptions> = {}) {
  const { clock, server, issuer, endpoint } = await relays.relay(options);
  const peer = async (sessionId: string, actor: number, ticket = issuer.issue(sessionId, actor).ticket): Promise<Peer> => {
    const own = await socket();
    const client = relays.track(createRelayClient({ socket: own, relay: endpoint, ticket, clock, keepaliveIntervalMs: 0 }));
    const received: Peer['received'] = [];
    client.onMessage((from, payload) => received.push({ from, text: Buffer.from(payload).toString() }));
    return { socket: own, client, received };
  };
  return { clock, server, issuer, endpoint, peer };
}

/** Sends `count` numbered datagrams from `a` to actor `to`, at most `window` unacknowledged by `seen()`. */
async function stream(from: Peer, to: number, count: number, tag: string, seen: () => number, window = 64): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (i - seen() >= window) await waitFor(() => i - seen() < window, `${tag} window`);
    from.client.send(to, Buffer.from(`${tag}:${i}`));
  }
}

describe('relay on loopback', () => {
  it('carries 10,000 datagrams each way between two peers of one session, none lost, duplicated or misdelivered', async () => {
    const { peer, server } = await relay();
    const host = await peer('match', 1);
    const guest = await peer('match', 2);
    await Promise.all([host.client.bind(), guest.client.bind()]);
    const count = 10_000;
    await Promise.all([
      stream(guest, 1, count, 'g', () => host.received.length),
      stream(host, 2, count, 'h', () => guest.received.length),
    ]);
    await waitFor(() => host.received.length >= count && guest.received.length >= count, 'all datagrams');
    const expected = (tag: string) => Array.from({ length: count }, (_, i) => `${tag}:${i}`).sort();
    expect(host.received.every((message) => message.from === 2)).toBe(true);
    expect(guest.received.every((message) => message.from === 1)).toBe(true);
    expect(host.received.map((message) => message.text).sort()).toEqual(expected('g'));
    expect(guest.received.map((message) => message.text).sort()).toEqual(expected('h'));
    expect(server.stats()).toMatchObject({ packetsRelayed: 2 * count, bindings: 2 });
  });

  it('a peer of another session, a forged ticket, an expired ticket and an unbound source inject and receive nothing', async () => {
    const { peer, server, clock, endpoint } = await relay();
    const host = await peer('match', 1);
    const guest = await peer('match', 2);
    // Same actor number as the guest, other session.
    const stranger = await peer('other', 2);
    await Promise.all([host.client.bind(), guest.client.bind(), stranger.client.bind()]);

    const forger = await peer('match', 3, createTicketIssuer({ secret: 'not the relay secret, long enough', clock }).issue('match', 3).ticket);
    await expect(forger.client.bind()).rejects.toMatchObject({ code: 'TICKET_INVALID' });

    const expiredTicket = createTicketIssuer({ secret: RELAY_TEST_SECRET, clock, ttlMs: 1 }).issue('match', 4).ticket;
    clock.advance(2);
    const late = await peer('match', 4, expiredTicket);
    await expect(late.client.bind()).rejects.toMatchObject({ code: 'TICKET_EXPIRED' });

    // An unbound socket sends raw send frames, as if it were a bound peer (it has no binding,
    // so it cannot claim any actor), and forged deliver frames straight to the host.
    const spoofer = await socket();
    const spooferGot: Buffer[] = [];
    spoofer.onMessage((data) => spooferGot.push(data));
    for (const target of [1, 2]) {
      spoofer.send(encodeRelayFrame({ type: 'send', toActor: target, payload: Buffer.from('spoofed') }), endpoint.port, endpoint.address);
      forger.socket.send(encodeRelayFrame({ type: 'send', toActor: target, payload: Buffer.from('forged') }), endpoint.port, endpoint.address);
      late.socket.send(encodeRelayFrame({ type: 'send', toActor: target, payload: Buffer.from('expired') }), endpoint.port, endpoint.address);
    }
    spoofer.send(encodeRelayFrame({ type: 'deliver', fromActor: 2, payload: Buffer.from('fake deliver') }), host.socket.address().port, '127.0.0.1');
    // Actors 1 and 3 exist only in the host's session.
    stranger.client.send(1, Buffer.from('cross-session'));
    stranger.client.send(3, Buffer.from('cross-session'));
    await waitFor(() => server.stats().dropped.peerNotBound === 2, 'the cross-session sends');
    host.client.send(2, Buffer.from('for the guest only'));
    // The relay handles datagrams in arrival order, so once the guest has this, every earlier one was handled.
    await waitFor(() => guest.received.length === 1, 'the legitimate datagram');
    await waitFor(() => server.stats().dropped.notBound >= 6, 'the unbound sends');
    guest.client.send(1, Buffer.from('done'));
    await waitFor(() => host.received.length === 1, 'the marker');

    expect(guest.received).toEqual([{ from: 1, text: 'for the guest only' }]);
    expect(host.received).toEqual([{ from: 2, text: 'done' }]);
    expect(stranger.received).toEqual([]);
    expect(forger.received).toEqual([]);
    expect(late.received).toEqual([]);
    expect(server.stats()).toMatchObject({
      bindings: 3,
      packetsRelayed: 2,
      dropped: { ticketInvalid: 1, ticketExpired: 1, notBound: 6, peerNotBound: 2 },
    });
    // The unbound spoofer got at most one (7-byte) error for its 18-byte sends.
    expect(spooferGot.length).toBeLessThanOrEqual(1);
  });

  it('moves a binding when the peer rebinds from a new address; the old address stops receiving', async () => {
    const { peer, server, issuer, endpoint, clock } = await relay();
    const host = await peer('match', 1);
    const guest = await peer('match', 2);
    await Promise.all([host.client.bind(), guest.client.bind()]);
    host.client.send(2, Buffer.from('before'));
    await waitFor(() => guest.received.length === 1, 'before');

    // The guest's NAT mapping changed: its next datagrams come from another port.
    const moved = await socket();
    const movedClient = relays.track(createRelayClient({ socket: moved, relay: endpoint, ticket: issuer.issue('match', 2).ticket, clock, keepaliveIntervalMs: 0 }));
    const movedGot: string[] = [];
    movedClient.onMessage((_, payload) => movedGot.push(Buffer.from(payload).toString()));
    await movedClient.bind();
    for (let i = 0; i < 100; i++) host.client.send(2, Buffer.from(`after:${i}`));
    await waitFor(() => movedGot.length === 100, 'datagrams at the new address');
    movedClient.send(1, Buffer.from('from the new address'));
    await waitFor(() => host.received.length === 1, 'reply');
    expect(host.received).toEqual([{ from: 2, text: 'from the new address' }]);
    expect(guest.received.map((message) => message.text)).toEqual(['before']);
    expect(server.stats()).toMatchObject({ bindings: 2, rebinds: 1 });
    // The old address is unbound now: its sends are refused, and its client rebinds when told so.
    guest.client.send(1, Buffer.from('old address'));
    await waitFor(() => server.stats().dropped.notBound === 1, 'old address refused');
  });

  it('expires an idle binding; the peer rebinds by itself on the relay’s NOT_BOUND', async () => {
    const { peer, server, clock } = await relay({ idleTimeoutMs: 30_000, sweepIntervalMs: 1_000 });
    const host = await peer('match', 1);
    const guest = await peer('match', 2);
    await Promise.all([host.client.bind(), guest.client.bind()]);
    clock.advance(15_000);
    host.client.keepalive();
    await waitFor(() => server.stats().keepalives === 1 && host.client.rttMs !== undefined, 'keepalive answered');
    clock.advance(16_000);
    expect(server.stats()).toMatchObject({ bindings: 1, expired: 1 });
    expect(server.stats().sessions).toBe(1);
    host.client.send(2, Buffer.from('lost: the guest expired'));
    await waitFor(() => server.stats().dropped.peerNotBound === 1, 'peer not bound');
    const states: string[] = [];
    guest.client.onStateChange((state) => states.push(state));
    guest.client.send(1, Buffer.from('lost: I expired'));
    await waitFor(() => guest.client.state === 'bound' && states.length === 2, 'automatic rebind');
    expect(states).toEqual(['binding', 'bound']);
    guest.client.send(1, Buffer.from('back'));
    await waitFor(() => host.received.length === 1, 'delivery after rebind');
    expect(host.received).toEqual([{ from: 2, text: 'back' }]);
  });

  it('keeps a healthy session intact under random bytes, truncated frames, forged binds and a flood beyond the limits', async () => {
    const { peer, server, clock, endpoint } = await relay({ ratePacketsPerSecond: 200, burstPackets: 100, idleTimeoutMs: 3_600_000 });
    const host = await peer('healthy', 1);
    const guest = await peer('healthy', 2);
    const flooder = await peer('evil', 1);
    const victim = await peer('evil', 2);
    await Promise.all([host.client.bind(), guest.client.bind(), flooder.client.bind(), victim.client.bind()]);
    const garbage = await socket();
    const junk = (i: number): Uint8Array => {
      const kind = i % 5;
      if (kind === 0) return Uint8Array.from({ length: 1 + (i % 300) }, (_, j) => (i * 31 + j * 7) & 0xff);
      if (kind === 1) return encodeRelayFrame({ type: 'send', toActor: 1, payload: Buffer.alloc(10) }).subarray(0, i % 6);
      if (kind === 2) {
        // Ticket-shaped bodies (version 1, a consistent length) of junk, with and without a cookie.
        const body = Buffer.alloc(13 + (i % 60), i & 0xff);
        body[0] = 1;
        body[11] = body.length - 12;
        return encodeRelayFrame({ type: 'bind', cookie: i & 1 ? Buffer.alloc(16, i & 0xff) : undefined, proof: Buffer.alloc(16, 1), body });
      }
      if (kind === 3) return Buffer.alloc(2_000, 0xf1);
      return encodeRelayFrame({ type: 'send', toActor: 2, payload: Buffer.from('inject') });
    };
    const rounds = 10;
    const perRound = 50; // within the healthy peers' rate: 200/s average, burst 100
    // Every datagram the relay has taken off its socket: forwarded, answered, or dropped.
    const handled = (): number => {
      const stats = server.stats();
      // A first bind is answered with a challenge (not a drop); a stale cookie's challenge is both.
      const firstBinds = stats.challenges - stats.dropped.cookieInvalid;
      return stats.packetsRelayed + stats.keepalives + stats.binds + firstBinds + Object.values(stats.dropped).reduce((a, b) => a + b, 0);
    };
    let hostileSent = 0;
    for (let round = 0; round < rounds; round++) {
      const before = handled();
      for (let chunk = 0; chunk < 25; chunk++) {
        for (let i = 0; i < 16; i++) {
          garbage.send(junk(round * 1000 + chunk * 16 + i), endpoint.port, endpoint.address);
          flooder.client.send(2, Buffer.from('flood'));
        }
        hostileSent += 32;
        // Between chunks the relay drains its socket (libuv reads up to 32 datagrams a turn).
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The flood is handled before this round's healthy traffic, so even a kernel with small
      // socket buffers (net.core.rmem_max) never drops a healthy datagram for lack of room.
      await waitFor(() => handled() - before >= 800, `round ${round} flood handled`);
      for (let i = 0; i < perRound; i++) {
        host.client.send(2, Buffer.from(`h:${round}:${i}`));
        guest.client.send(1, Buffer.from(`g:${round}:${i}`));
      }
      const expected = (round + 1) * perRound;
      await waitFor(() => host.received.length >= expected && guest.received.length >= expected, `round ${round}`);
      clock.advance(1_000);
    }
    const expected = (tag: string) =>
      Array.from({ length: rounds * perRound }, (_, n) => `${tag}:${Math.floor(n / perRound)}:${n % perRound}`).sort();
    expect(host.received.map((message) => message.text).sort()).toEqual(expected('g'));
    expect(guest.received.map((message) => message.text).sort()).toEqual(expected('h'));
    expect(host.received.every((message) => message.from === 2)).toBe(true);
    // The flooder got its burst plus its average rate through, and no more.
    expect(victim.received.length).toBeLessThanOrEqual(100 + 200 * rounds);
    const { dropped } = server.stats();
    expect(dropped.rateLimited).toBeGreaterThan(0);
    expect(dropped.malformed).toBeGreaterThan(0);
    expect(dropped.tooLarge).toBeGreaterThan(0);
    expect(dropped.ticketInvalid).toBeGreaterThan(0);
    expect(dropped.notBound).toBeGreaterThan(0);
    expect(hostileSent).toBe(rounds * 800);
  });
});

describe('relay on IPv6 loopback', () => {
  it('binds and relays between peers on ::1', async () => {
    const server = relays.track(await createRelayServer({ secret: RELAY_TEST_SECRET, host: '::1', port: 0 }));
    expect(server.address()).toMatchObject({ address: '::1', family: 'IPv6' });
    const issuer = createTicketIssuer({ secret: RELAY_TEST_SECRET });
    const relayEndpoint = { address: '::1', port: server.address().port };
    const [a, b] = await Promise.all(
      [1, 2].map(async (actor) => {
        const own = await relays.socket('::1');
        const client = relays.track(createRelayClient({ socket: own, relay: relayEndpoint, ticket: issuer.issue('v6', actor).ticket, keepaliveIntervalMs: 0 }));
        await client.bind();
        return client;
      }),
    );
    const got = new Promise<[number, string]>((resolve) => b!.onMessage((from, payload) => resolve([from, Buffer.from(payload).toString()])));
    a!.send(2, Buffer.from('over IPv6'));
    await expect(got).resolves.toEqual([1, 'over IPv6']);
  });
});
