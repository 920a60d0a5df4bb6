// Regression tests of attacks on the relay, each run as the attack itself over real UDP sockets on loopback (manual clock).
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkRunner } from '../../../client-sdk/index.js';
import { createCloud } from '../../../src/index.js';
import type { UdpSocket } from '../../../core/index.js';
import {
  RelayFrameType,
  bindProof,
  createRelayClient,
  createTicketIssuer,
  decodeRelayFrame,
  encodeRelayFrame,
  relayDefaults,
  splitTicket,
  type RelayServerOptions,
} from '../../../relay/index.js';
import { waitFor } from '../../support/loopback.js';
import { loopbackRelays } from '../../support/loopback-relay.js';

const relays = loopbackRelays();
afterEach(() => relays.closeAll());

/** A socket on loopback that records every datagram it receives. */
async function socket(address = '127.0.0.1') {
  const bound = await relays.socket(address);
  const received: Buffer[] = [];
  bound.onMessage((data) => received.push(Buffer.from(data)));
  return { socket: bound, received, bytes: () => received.reduce((total, data) => total + data.length, 0) };
}

/** Delivers among `received`: the frames the relay forwarded to this socket. */
const delivers = (received: Buffer[]): number => received.filter((data) => data[1] === RelayFrameType.deliver).length;

async function relay(options: Partial<RelayServerOptions> = {}) {
  const { clock, server, issuer, endpoint } = await relays.relay(options);
  /** A peer with the real relay client, optionally over a socket that taps what it sends. */
  const peer = async (sessionId: string, actor: number, tap?: Uint8Array[]) => {
    const own = await socket();
    const used: UdpSocket = tap
      ? {
          address: () => own.socket.address(),
          send: (data, port, address) => {
            tap.push(Uint8Array.from(data));
            own.socket.send(data, port, address);
          },
          onMessage: (handler) => own.socket.onMessage(handler),
          onError: (handler) => own.socket.onError(handler),
          close: () => own.socket.close(),
        }
      : own.socket;
    const client = relays.track(createRelayClient({ socket: used, relay: endpoint, ticket: issuer.issue(sessionId, actor).ticket, clock, keepaliveIntervalMs: 0 }));
    const payloads: string[] = [];
    client.onMessage((_, payload) => payloads.push(Buffer.from(payload).toString()));
    return { ...own, client, payloads };
  };
  /**
   * The bind exchange by hand, as an attacker scripts it: bind, wait for the challenge, bind
   * with the cookie and a proof made with the ticket's MAC. Resolves with what the relay said.
   */
  const exchange = async (from: Awaited<ReturnType<typeof socket>>, ticket: Uint8Array): Promise<string> => {
    const { body, mac } = splitTicket(ticket);
    const seen = from.received.length;
    from.socket.send(encodeRelayFrame({ type: 'bind', body, cookie: undefined, proof: new Uint8Array(0) }), endpoint.port, endpoint.address);
    const answer = async (after: number): Promise<ReturnType<typeof decodeRelayFrame>> => {
      await waitFor(() => from.received.length > after, 'the relay’s answer', 5_000);
      return decodeRelayFrame(from.received[after]!);
    };
    const first = await answer(seen);
    if (!first.ok) return 'garbage';
    if (first.value.type !== 'challenge') return first.value.type === 'error' ? first.value.code : first.value.type;
    const cookie = Uint8Array.from(first.value.cookie);
    from.socket.send(encodeRelayFrame({ type: 'bind', body, cookie, proof: bindProof(mac, cookie) }), endpoint.port, endpoint.address);
    const second = await answer(seen + 1);
    if (!second.ok) return 'garbage';
    return second.value.type === 'error' ? second.value.code : second.value.type;
  };
  return { clock, server, issuer, endpoint, peer, exchange };
}

describe('relay attacks on loopback', () => {
  it('a bind replayed from another address does not take the binding over: the peer keeps ≥ 99 % of its frames, the thief gets none', async () => {
    const { peer, server, endpoint } = await relay();
    const host = await peer('match', 1);
    const captured: Uint8Array[] = [];
    const guest = await peer('match', 2, captured);
    await Promise.all([host.client.bind(), guest.client.bind()]);
    // What a thief on the path saw: the first bind and the one with cookie and proof.
    expect(captured.map((frame) => frame[1])).toEqual([RelayFrameType.bind, RelayFrameType.bind]);
    const thief = await socket();

    const steal = async (): Promise<void> => {
      // 1. Replay both binds as they were.
      for (const frame of captured) thief.socket.send(frame, endpoint.port, endpoint.address);
      // 2. Earn a cookie for its own address with the replayed first bind, and pair it with the
      //    captured proof (the ticket's MAC, which would make a new proof, never travelled).
      const before = server.stats().challenges;
      thief.socket.send(captured[0]!, endpoint.port, endpoint.address);
      await waitFor(() => server.stats().challenges > before && thief.received.some((data) => data[1] === RelayFrameType.challenge), 'the thief’s cookie');
      const challenge = decodeRelayFrame(thief.received.findLast((data) => data[1] === RelayFrameType.challenge)!);
      const replayed = decodeRelayFrame(captured[1]!);
      if (!challenge.ok || challenge.value.type !== 'challenge' || !replayed.ok || replayed.value.type !== 'bind') throw new Error('unexpected frames');
      const spliced = encodeRelayFrame({ ...replayed.value, cookie: Uint8Array.from(challenge.value.cookie) });
      const refusedBefore = server.stats().dropped.ticketInvalid;
      thief.socket.send(spliced, endpoint.port, endpoint.address);
      await waitFor(() => server.stats().dropped.ticketInvalid > refusedBefore, 'the spliced bind refused');
    };

    await steal();
    const count = 1_000;
    for (let i = 0; i < count; i++) {
      if (i - guest.payloads.length >= 64) await waitFor(() => i - guest.payloads.length < 64, 'window');
      host.client.send(2, Buffer.from(`frame:${i}`));
      if (i === count / 2) await steal(); // and again in the middle of the stream
    }
    await waitFor(() => guest.payloads.length >= count * 0.99, 'the guest’s frames');
    host.client.send(2, Buffer.from('last'));
    await waitFor(() => guest.payloads.includes('last'), 'the marker');
    expect(guest.payloads.length).toBeGreaterThanOrEqual(count * 0.99);
    expect(delivers(thief.received)).toBe(0);
    expect(server.stats()).toMatchObject({ bindings: 2, rebinds: 0 });
    expect(server.stats().dropped.cookieInvalid).toBeGreaterThanOrEqual(2);
  });

  it('a bind from a forged source does not bind it: the cookie goes to the claimed source, which gets no more than the bind’s size', async () => {
    const { peer, server, endpoint, issuer, exchange } = await relay();
    const accomplice = await peer('evil', 1);
    await accomplice.client.bind();
    const ticket = issuer.issue('evil', 2).ticket; // a real ticket: the attacker joined the session
    const { body, mac } = splitTicket(ticket);
    const victim = await socket();
    const attacker = await socket();
    // Spoofing, simulated: the attacker's datagrams leave from the victim's address, so the
    // relay's answers go to the victim, and the attacker sees none of them.
    const spoof = (frame: Uint8Array): number => {
      victim.socket.send(frame, endpoint.port, endpoint.address);
      return frame.length;
    };

    const firstBind = encodeRelayFrame({ type: 'bind', body, cookie: undefined, proof: new Uint8Array(0) });
    spoof(firstBind);
    await waitFor(() => server.stats().challenges === 1, 'the challenge');
    await waitFor(() => victim.received.length === 1, 'the challenge at the victim');
    expect(victim.bytes()).toBeLessThanOrEqual(firstBind.length);

    // Without the cookie, the attacker guesses: its own address's cookie (with a valid proof),
    // and random ones. Each is refused with a fresh challenge, again to the victim.
    const ownCookie = decodeRelayFrame(await (async () => {
      attacker.socket.send(firstBind, endpoint.port, endpoint.address);
      await waitFor(() => attacker.received.length === 1, 'the attacker’s own challenge');
      return attacker.received[0]!;
    })());
    if (!ownCookie.ok || ownCookie.value.type !== 'challenge') throw new Error('no challenge');
    const guesses = [Uint8Array.from(ownCookie.value.cookie), ...Array.from({ length: 9 }, (_, i) => new Uint8Array(16).fill(i + 1))];
    let spoofedBytes = firstBind.length;
    for (const cookie of guesses) spoofedBytes += spoof(encodeRelayFrame({ type: 'bind', body, cookie, proof: bindProof(mac, cookie) }));
    await waitFor(() => server.stats().dropped.cookieInvalid === guesses.length, 'the guesses refused');

    // The accomplice now streams 120 KB at actor 2, which would be the victim if it were bound.
    const errors: string[] = [];
    accomplice.client.onError((error) => errors.push(error.code));
    for (let i = 0; i < 100; i++) accomplice.client.send(2, Buffer.alloc(1_200, i));
    await waitFor(() => server.stats().dropped.peerNotBound === 100, 'the stream refused');
    await waitFor(() => victim.received.length === 1 + guesses.length, 'the challenges at the victim');
    expect(victim.received.every((data) => data[1] === RelayFrameType.challenge)).toBe(true);
    expect(victim.bytes()).toBeLessThanOrEqual(spoofedBytes);
    expect(delivers(victim.received)).toBe(0);
    // The relay's answer is on its way once the stream is counted (a batched socket sends it
    // with the batch's flush): wait for it rather than for a turn of the event loop.
    await waitFor(() => errors.includes('PEER_NOT_BOUND'), 'the error at the accomplice');
    expect(server.stats()).toMatchObject({ bindings: 1, binds: 1, packetsRelayed: 0 });
    // The same ticket binds from the attacker's own address: the exchange only proves the source.
    expect(await exchange(attacker, ticket)).toBe('bound');
  });

  it('refuses the tickets of a revoked actor and of a revoked session, and stops their bindings at once', async () => {
    const { peer, server, issuer, clock, exchange } = await relay();
    const host = await peer('match', 1);
    const guest = await peer('match', 2);
    const other = await peer('other', 1);
    const otherGuest = await peer('other', 2);
    await Promise.all([host.client, guest.client, other.client, otherGuest.client].map((client) => client.bind()));
    /** Lets the clients' retry timers run (250 ms steps of the manual clock) until `condition`. */
    const waitWithRetries = async (condition: () => boolean, what: string): Promise<void> => {
      for (let step = 0; step < 20 && !condition(); step++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await clock.advanceAsync(250);
      }
      await waitFor(condition, what, 1_000);
    };

    const guestTicket = issuer.issue('match', 2).ticket; // what the guest holds (same claims)
    server.revoke('match', 2); // the guest left
    expect(server.stats()).toMatchObject({ bindings: 3, revoked: 1, revocations: 1 });
    host.client.send(2, Buffer.from('to the guest who left'));
    await waitFor(() => server.stats().dropped.peerNotBound === 1, 'the send refused');
    // The guest's client meets NOT_BOUND, binds again by itself, and is refused.
    const states: string[] = [];
    guest.client.onStateChange((state) => states.push(state));
    guest.client.send(1, Buffer.from('still here?'));
    // An unbound address gets one error a second: NOT_BOUND now, TICKET_REVOKED to a retry
    // after the window (the client retries every 250 ms).
    await waitWithRetries(() => guest.client.state === 'failed', 'the guest’s rebind refused');
    expect(states).toEqual(['binding', 'failed']);
    expect(server.stats().dropped.ticketRevoked).toBeGreaterThanOrEqual(1);
    clock.advance(1_000);
    await expect(guest.client.bind()).rejects.toMatchObject({ code: 'TICKET_REVOKED' });
    // Another copy of the guest's ticket, from anywhere, is refused too.
    expect(await exchange(await socket(), guestTicket)).toBe('TICKET_REVOKED');
    expect(host.payloads).toEqual([]);

    clock.advance(1);
    const late = await socket();
    const lateTicket = issuer.issue('match', 3).ticket; // a new member, after the revocation of 2
    expect(await exchange(late, lateTicket)).toBe('bound');
    server.revoke('match'); // the session closed
    expect(server.stats()).toMatchObject({ bindings: 2, revoked: 3 });
    clock.advance(1_000);
    await expect(host.client.bind()).rejects.toMatchObject({ code: 'TICKET_REVOKED' });
    clock.advance(1_000);
    expect(await exchange(late, lateTicket)).toBe('TICKET_REVOKED');

    other.client.send(2, Buffer.from('unaffected'));
    await waitFor(() => otherGuest.payloads.length === 1, 'the other session’s frame');
    expect(otherGuest.payloads).toEqual(['unaffected']);
  });

  it('harvested tickets bound from one address stop at the per-address bound; legitimate peers still bind', async () => {
    const { peer, server, issuer, clock, exchange, endpoint } = await relay({ idleTimeoutMs: 30_000 });
    const perAddress = relayDefaults.DEFAULT_MAX_BINDINGS_PER_ADDRESS;
    const harvested = Array.from({ length: perAddress + 36 }, (_, i) => issuer.issue(`harvest-${i >> 4}`, i + 1).ticket);
    const attackers = await Promise.all(harvested.map(() => socket('127.0.0.2')));
    const outcomes: string[] = [];
    for (const [i, ticket] of harvested.entries()) {
      clock.advance(100); // the harvesting pace, which the bind-work budget allows
      outcomes.push(await exchange(attackers[i]!, ticket));
    }
    expect(outcomes.filter((outcome) => outcome === 'bound')).toHaveLength(perAddress);
    expect(outcomes.filter((outcome) => outcome === 'RELAY_FULL')).toHaveLength(36);
    expect(server.stats().dropped.addressFull).toBe(36);
    // The attacker holds its slots with keepalives…
    for (let second = 0; second < 3; second++) {
      for (const attacker of attackers) attacker.socket.send(encodeRelayFrame({ type: 'keepalive', nonce: second }), endpoint.port, endpoint.address);
      const acks = server.stats().keepalives;
      await waitFor(() => server.stats().keepalives >= acks + perAddress, 'keepalives');
      clock.advance(10_000);
    }
    expect(server.stats().bindings).toBe(perAddress);
    // …and legitimate peers from other addresses bind and relay all the same.
    const host = await peer('game', 1);
    const guest = await peer('game', 2);
    await Promise.all([host.client.bind(), guest.client.bind()]);
    host.client.send(2, Buffer.from('hello'));
    await waitFor(() => guest.payloads.length === 1, 'the legitimate frame');
    expect(server.stats().bindings).toBe(perAddress + 2);
  });

  it('a flood of 20,000 forged binds leaves a relayed pair beside it delivering ≥ 99 %, at a bounded number of HMACs', async () => {
    const { peer, server, endpoint, issuer } = await relay();
    const host = await peer('pair', 1);
    const guest = await peer('pair', 2);
    await Promise.all([host.client.bind(), guest.client.bind()]);
    const hmacsBefore = server.stats().bindHmacs;
    const flooder = await socket();
    const forgedBody = (i: number): Uint8Array => {
      const body = splitTicket(createTicketIssuer({ secret: 'the attacker’s own secret, long', ttlMs: 60_000 }).issue(`forged-${i % 97}`, i).ticket).body;
      return body;
    };
    const bodies = Array.from({ length: 97 }, (_, i) => forgedBody(i));
    // A real cookie for the flooder's own address, so a share of the flood reaches the proof check.
    const realBody = splitTicket(issuer.issue('pair', 9).ticket).body;
    flooder.socket.send(encodeRelayFrame({ type: 'bind', body: realBody, cookie: undefined, proof: new Uint8Array(0) }), endpoint.port, endpoint.address);
    await waitFor(() => flooder.received.length === 1, 'a cookie');
    const cookieFrame = decodeRelayFrame(flooder.received[0]!);
    if (!cookieFrame.ok || cookieFrame.value.type !== 'challenge') throw new Error('no challenge');
    const realCookie = Uint8Array.from(cookieFrame.value.cookie);
    const flood = (i: number): Uint8Array => {
      const kind = i % 3;
      if (kind === 0) return encodeRelayFrame({ type: 'bind', body: bodies[i % bodies.length]!, cookie: undefined, proof: new Uint8Array(0) });
      if (kind === 1) return encodeRelayFrame({ type: 'bind', body: bodies[i % bodies.length]!, cookie: new Uint8Array(16).fill((i & 0xfe) + 1), proof: new Uint8Array(16) });
      return encodeRelayFrame({ type: 'bind', body: realBody, cookie: realCookie, proof: new Uint8Array(16).fill(i & 0xff) });
    };
    const handled = (): number => {
      const stats = server.stats();
      return stats.packetsRelayed + stats.challenges - stats.dropped.cookieInvalid + Object.values(stats.dropped).reduce((a, b) => a + b, 0);
    };

    const total = 20_000;
    const chunk = 200;
    const perChunk = 10;
    for (let sent = 0, round = 0; sent < total; sent += chunk, round++) {
      const before = handled();
      for (let i = sent; i < sent + chunk; i++) flooder.socket.send(flood(i), endpoint.port, endpoint.address);
      for (let i = 0; i < perChunk; i++) {
        host.client.send(2, Buffer.from(`h:${round}:${i}`));
        guest.client.send(1, Buffer.from(`g:${round}:${i}`));
      }
      // Paced by what the relay has handled, so the kernel's receive buffer is never what drops.
      await waitFor(() => handled() - before >= chunk + 2 * perChunk, `chunk ${round}`);
    }
    const expected = (total / chunk) * perChunk;
    await waitFor(() => guest.payloads.length >= expected * 0.99 && host.payloads.length >= expected * 0.99, 'the pair’s frames', 10_000);
    expect(guest.payloads.length).toBeGreaterThanOrEqual(expected * 0.99);
    expect(host.payloads.length).toBeGreaterThanOrEqual(expected * 0.99);
    const stats = server.stats();
    // The flooder's address had a burst of bind work (the manual clock never refilled it): at
    // most four HMACs a token (a cookie checked against two slots, then the proof's two).
    const burst = relayDefaults.DEFAULT_BIND_WORK_BURST;
    expect(stats.bindHmacs - hmacsBefore).toBeLessThanOrEqual(4 * burst);
    expect(stats.dropped.bindLimited).toBeGreaterThanOrEqual(total - burst);
    expect(stats.bindings).toBe(2);
  });

  it('in the one-process cloud, a member who leaves and a session that closes are revoked at the relay', async () => {
    const cloud = await createCloud({ host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: 0, relayPort: 0 });
    const runners: NetworkRunner[] = [];
    try {
      const make = (): NetworkRunner => {
        const created = new NetworkRunner({ cloudUrl: cloud.signalingUrl, appId: 'relay-attacks', bindAddress: '127.0.0.1', forceRelay: true });
        runners.push(created);
        return created;
      };
      // Watch what the session service asks of the relay (the cloud calls the method by name).
      const calls: Array<[string, number | undefined]> = [];
      const revoke = cloud.relayServer.revoke.bind(cloud.relayServer);
      cloud.relayServer.revoke = (sessionId, actor) => {
        calls.push([sessionId, actor]);
        revoke(sessionId, actor);
      };
      const host = make();
      const hosted = await host.startGame({ mode: 'server', sessionName: 'revocations' });
      const client = make();
      const start = await client.startGame({ mode: 'client', sessionName: 'revocations' });
      expect(start.server?.path).toBe('relay');
      expect(cloud.relayServer.stats().bindings).toBe(2);
      await client.shutdown(); // leaves: its actor's tickets are revoked
      await waitFor(() => cloud.relayServer.stats().revocations === 1, 'the member’s revocation');
      await host.shutdown(); // the last member leaves: the session closes
      await waitFor(() => calls.some(([, actor]) => actor === undefined), 'the session’s revocation');
      const sessionId = hosted.sessionId;
      // The member who left, then the whole session (which covers the host's tickets too).
      expect(calls).toEqual([
        [sessionId, start.actor],
        [sessionId, undefined],
      ]);
      expect(cloud.relayServer.stats()).toMatchObject({ bindings: 0, revocations: 1 });
    } finally {
      await Promise.allSettled(runners.map((runner) => runner.shutdown()));
      await cloud.close();
    }
  });
});
