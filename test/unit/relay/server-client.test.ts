import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, PunchthroughError } from '../../../core/index.js';
import {
  createRelayClient,
  createRelayServer,
  createTicketIssuer,
  encodeRelayFrame,
  splitTicket,
  RELAY_PROTOCOL_VERSION,
  type RelayClient,
  type RelayClientOptions,
  type RelayServer,
  type RelayServerOptions,
} from '../../../relay/index.js';
import { FakeUdpNetwork, type FakeSocket } from '../../support/fake-udp.js';

const secret = 'unit-test secret, 32 bytes long!';
const RELAY = { address: '203.0.113.1', port: 5055 };

async function setup(serverOptions: Partial<RelayServerOptions> = {}) {
  const clock = new ManualClock();
  const network = new FakeUdpNetwork();
  const issuer = createTicketIssuer({ secret, clock, ttlMs: 60_000 });
  const server = await createRelayServer({ secret, clock, socketFactory: network, host: RELAY.address, port: RELAY.port, ...serverOptions });
  const clients: RelayClient[] = [];
  const peer = (sessionId: string, actor: number, address = '10.0.0.1', extra: Partial<RelayClientOptions> = {}) => {
    const socket = network.socket(address);
    const client = createRelayClient({ socket, relay: RELAY, ticket: issuer.issue(sessionId, actor).ticket, clock, keepaliveIntervalMs: 0, ...extra });
    const received: Array<[number, string]> = [];
    client.onMessage((from, payload) => received.push([from, Buffer.from(payload).toString()]));
    clients.push(client);
    return { socket, client, received };
  };
  return { clock, network, issuer, server, peer, clients };
}

let open: { server: RelayServer; clients: RelayClient[] } | undefined;
afterEach(async () => {
  for (const client of open?.clients ?? []) client.close();
  await open?.server.close();
  open = undefined;
});

async function started(serverOptions: Partial<RelayServerOptions> = {}) {
  const env = await setup(serverOptions);
  open = env;
  return env;
}

describe('relay server and client on a manual clock', () => {
  it('binds two peers and relays between them, tagged with the sender', async () => {
    const { peer, server } = await started();
    const host = peer('s', 1);
    const guest = peer('s', 2, '10.0.0.2');
    await Promise.all([host.client.bind(), guest.client.bind()]);
    expect(host.client.state).toBe('bound');
    expect(guest.client.actor).toBe(2);
    expect(guest.client.send(1, Buffer.from('connect'))).toBe(true);
    expect(host.client.send(2, Buffer.from('accept'))).toBe(true);
    expect(host.received).toEqual([[2, 'connect']]);
    expect(guest.received).toEqual([[1, 'accept']]);
    expect(server.stats()).toMatchObject({ bindings: 2, sessions: 1, binds: 2, packetsRelayed: 2, bytesRelayed: 13 + 12 });
  });

  it('never delivers across sessions, and reports PEER_NOT_BOUND to the sender', async () => {
    const { peer, server } = await started();
    const a = peer('session-a', 1);
    const b = peer('session-b', 2, '10.0.0.2');
    await Promise.all([a.client.bind(), b.client.bind()]);
    const errors: Array<[string, number | undefined]> = [];
    a.client.onError((error, actor) => errors.push([error.code, actor]));
    a.client.send(2, Buffer.from('hello?'));
    a.client.send(2, Buffer.from('hello??'));
    expect(b.received).toEqual([]);
    expect(errors).toEqual([['PEER_NOT_BOUND', 2]]); // one error per window
    expect(server.stats().dropped.peerNotBound).toBe(2);
  });

  it('refuses forged and expired tickets with their codes', async () => {
    const { peer, clock, network, server } = await started();
    const forged = peer('s', 1);
    const bytes = createTicketIssuer({ secret: 'another secret of enough length', clock }).issue('s', 1).ticket;
    await expect(forged.client.bind(bytes)).rejects.toMatchObject({ code: 'TICKET_INVALID' });
    expect(forged.client.state).toBe('failed');

    const late = peer('s', 2, '10.0.0.2');
    clock.advance(60_001);
    await expect(late.client.bind()).rejects.toMatchObject({ code: 'TICKET_EXPIRED' });
    expect(server.stats()).toMatchObject({ bindings: 0, dropped: { ticketInvalid: 1, ticketExpired: 1 } });
    // The forger got a challenge (18 B) and then an error (7 B); the late peer only the error:
    // each answer smaller than the bind (≥ 47 B) it answered.
    expect(network.log.filter((entry) => entry.from.startsWith(RELAY.address)).map((entry) => entry.bytes)).toEqual([18, 7, 7]);
  });

  it('retransmits the bind until the relay answers, then gives up with RELAY_TIMEOUT', async () => {
    const { network, clock, issuer } = await started();
    const socket = network.socket('10.0.0.5');
    const client = createRelayClient({
      socket,
      relay: { address: '198.51.100.9', port: 9 }, // nobody there
      ticket: issuer.issue('s', 1).ticket,
      clock,
      bindRetryIntervalMs: 100,
      bindAttempts: 5,
      keepaliveIntervalMs: 1_000,
    });
    let settled: unknown;
    client.bind().catch((error: unknown) => (settled = error));
    await clock.advanceAsync(399);
    expect(network.log.filter((entry) => entry.to === '198.51.100.9:9')).toHaveLength(4);
    expect(settled).toBeUndefined();
    await clock.advanceAsync(101);
    expect(network.log.filter((entry) => entry.to === '198.51.100.9:9')).toHaveLength(5);
    expect(settled).toBeInstanceOf(PunchthroughError);
    expect((settled as PunchthroughError).code).toBe('RELAY_TIMEOUT');
    expect(client.state).toBe('failed');
    client.close();
    expect(clock.pendingTimers).toBe(1); // only the server's sweep
    expect((socket as FakeSocket).handlerCount).toBe(0);
  });

  it('moves a binding when the peer rebinds from a new address; the old address stops receiving', async () => {
    const { peer, network, server, clock } = await started();
    const host = peer('s', 1);
    const guest = peer('s', 2, '10.0.0.2');
    await Promise.all([host.client.bind(), guest.client.bind()]);
    const oldGuestSocket = guest.socket;
    // The guest's NAT mapping changed: same ticket, new source address.
    const moved = network.socket('10.0.0.3');
    const rebound = createRelayClient({ socket: moved, relay: RELAY, ticket: createTicketIssuer({ secret, clock }).issue('s', 2).ticket, clock, keepaliveIntervalMs: 0 });
    open!.clients.push(rebound);
    const movedReceived: number[] = [];
    rebound.onMessage((from) => movedReceived.push(from));
    await rebound.bind();
    network.log.length = 0;
    host.client.send(2, Buffer.from('after the move'));
    expect(movedReceived).toEqual([1]);
    expect(guest.received).toEqual([]);
    expect(network.log.some((entry) => entry.to === `${oldGuestSocket.local.address}:${oldGuestSocket.local.port}`)).toBe(false);
    expect(server.stats()).toMatchObject({ bindings: 2, rebinds: 1 });
  });

  it('rebinds by itself when the relay says NOT_BOUND (idle expiry), and keepalives prevent expiry', async () => {
    const { peer, clock, server } = await started({ idleTimeoutMs: 30_000, sweepIntervalMs: 1_000 });
    const kept = peer('s', 1, '10.0.0.1', { keepaliveIntervalMs: 10_000 });
    const idle = peer('s', 2, '10.0.0.2');
    await Promise.all([kept.client.bind(), idle.client.bind()]);
    const states: string[] = [];
    idle.client.onStateChange((state) => states.push(state));
    await clock.advanceAsync(31_001);
    expect(server.stats()).toMatchObject({ bindings: 1, expired: 1 });
    expect(kept.client.rttMs).toBe(0);
    expect(server.stats().keepalives).toBe(3);
    // The idle peer still believes it is bound; its next send meets NOT_BOUND and it rebinds.
    idle.client.send(1, Buffer.from('lost'));
    expect(states).toEqual(['binding', 'bound']);
    expect(idle.client.send(1, Buffer.from('delivered'))).toBe(true);
    expect(kept.received).toEqual([[2, 'delivered']]);
  });

  it('setTicket replaces the ticket for the next rebind without binding now: a rebind after the first ticket expired binds', async () => {
    const { peer, clock, server, issuer, network } = await started({ idleTimeoutMs: 30_000, sweepIntervalMs: 1_000 });
    const host = peer('s', 1, '10.0.0.1', { keepaliveIntervalMs: 10_000 });
    const guest = peer('s', 2, '10.0.0.2', { keepaliveIntervalMs: 10_000 });
    await Promise.all([host.client.bind(), guest.client.bind()]);
    await clock.advanceAsync(30_000);
    const sent = network.log.length;
    guest.client.setTicket(issuer.issue('s', 2).ticket);
    expect(network.log.length).toBe(sent);
    expect(guest.client.state).toBe('bound');
    // Past the first ticket's life, the relay forgets the guest (restart, NAT rebinding); its
    // rebind carries the fresh ticket.
    await clock.advanceAsync(40_000);
    const states: string[] = [];
    guest.client.onStateChange((state) => states.push(state));
    await guest.client.bind();
    expect(states).toEqual(['binding', 'bound']);
    expect(server.stats().dropped.ticketExpired).toBe(0);
    expect(guest.client.send(1, Buffer.from('fresh'))).toBe(true);
    expect(host.received).toEqual([[2, 'fresh']]);
  });

  it('expires idle bindings on the manual clock; sends to absent actors do not hold a binding open, keepalives do', async () => {
    const { peer, clock, server } = await started({ idleTimeoutMs: 30_000, sweepIntervalMs: 1_000 });
    // Three harvested slots: one silent, one sending to nobody, one keeping alive.
    const silent = peer('harvest', 1, '10.0.0.1');
    const spinner = peer('harvest', 2, '10.0.0.2');
    const kept = peer('harvest', 3, '10.0.0.3', { keepaliveIntervalMs: 10_000 });
    await Promise.all([silent.client.bind(), spinner.client.bind(), kept.client.bind()]);
    for (let second = 0; second < 31; second++) {
      spinner.client.send(99, Buffer.from('to nobody'));
      await clock.advanceAsync(1_000);
    }
    expect(server.stats()).toMatchObject({ bindings: 1, expired: 2 });
    expect(server.stats().dropped.peerNotBound).toBe(31);
    await clock.advanceAsync(60_000);
    expect(server.stats().bindings).toBe(1); // a keepalive every 10 s is activity
  });

  it('an unbind from a forged source (the peer’s address, without the token from bound) does not end the binding', async () => {
    const { peer, network, server } = await started();
    const a = peer('s', 1);
    const b = peer('s', 2, '10.0.0.2');
    await Promise.all([a.client.bind(), b.client.bind()]);
    // Sent from b's address: a spoofer who knows it (another member of the session does).
    for (let i = 0; i < 50; i++) {
      network.inject(b.socket.local, RELAY, encodeRelayFrame({ type: 'unbind', unbindToken: Uint8Array.of(i, 0, 0, 0, 0, 0, 0, i) }));
    }
    network.inject(b.socket.local, RELAY, encodeRelayFrame({ type: 'unbind', unbindToken: new Uint8Array(8) }));
    expect(server.stats()).toMatchObject({ bindings: 2, unbinds: 0, dropped: { unbindRefused: 51 } });
    a.client.send(2, Buffer.from('still here'));
    expect(b.received).toEqual([[1, 'still here']]);
    b.client.close(); // the real peer's unbind carries the token
    expect(server.stats()).toMatchObject({ bindings: 1, unbinds: 1 });
  });

  it('answers one challenge per retry interval, so forged challenges cannot make a binding peer a reflector', async () => {
    const { network, clock, issuer } = await started();
    const socket = network.socket('10.0.0.5');
    const silentRelay = { address: '198.51.100.9', port: 9, family: 'IPv4' as const };
    const client = createRelayClient({ socket, relay: silentRelay, ticket: issuer.issue('s', 1).ticket, clock, bindRetryIntervalMs: 250, keepaliveIntervalMs: 0 });
    open!.clients.push(client);
    void client.bind().catch(() => undefined);
    for (let i = 0; i < 100; i++) network.inject(silentRelay, socket.local, encodeRelayFrame({ type: 'challenge', cookie: new Uint8Array(16).fill(i + 1) }));
    const sent = () => network.log.filter((entry) => entry.to === '198.51.100.9:9').length;
    expect(sent()).toBe(2); // the first bind, and one answer
    await clock.advanceAsync(250);
    expect(sent()).toBe(3); // the retransmission carries the latest cookie
  });

  it('revoke() drops the bindings of an actor or a session and refuses their tickets', async () => {
    const { peer, server, clock } = await started();
    const a = peer('s', 1);
    const b = peer('s', 2, '10.0.0.2');
    await Promise.all([a.client.bind(), b.client.bind()]);
    server.revoke('s', 2);
    expect(a.client.send(2, Buffer.from('x'))).toBe(true);
    expect(b.received).toEqual([]);
    expect(server.stats()).toMatchObject({ bindings: 1, revoked: 1, dropped: { peerNotBound: 1 } });
    clock.advance(1_000);
    await expect(b.client.bind()).rejects.toMatchObject({ code: 'TICKET_REVOKED' });
    server.revoke('s');
    server.revoke('s'); // idempotent
    // The session's revocation covers its actors': one entry is left.
    expect(server.stats()).toMatchObject({ bindings: 0, sessions: 0, revoked: 2, revocations: 1 });
    // Remembered until the tickets expire (the default TTL, 10 minutes), then forgotten.
    await clock.advanceAsync(10 * 60_000 + 1_000);
    expect(server.stats().revocations).toBe(0);
  });

  it('limits each peer’s rate without touching another peer of the same session', async () => {
    const { peer, server, clock } = await started({ ratePacketsPerSecond: 100, burstPackets: 10 });
    const flooder = peer('s', 1);
    const target = peer('s', 2, '10.0.0.2');
    const calm = peer('s', 3, '10.0.0.3');
    await Promise.all([flooder.client.bind(), target.client.bind(), calm.client.bind()]);
    const errors: string[] = [];
    flooder.client.onError((error) => errors.push(error.code));
    for (let i = 0; i < 1_000; i++) flooder.client.send(2, Buffer.from('x'));
    calm.client.send(2, Buffer.from('calm'));
    expect(target.received.filter(([from]) => from === 1)).toHaveLength(10);
    expect(target.received.filter(([from]) => from === 3)).toHaveLength(1);
    expect(errors).toEqual(['RATE_LIMITED']);
    expect(server.stats().dropped.rateLimited).toBe(990);
    clock.advance(100); // 10 more tokens at 100/s
    for (let i = 0; i < 20; i++) flooder.client.send(2, Buffer.from('x'));
    expect(target.received.filter(([from]) => from === 1)).toHaveLength(20);
  });

  it('never sends an unbound address more bytes than it sent, nor more than one error per window', async () => {
    const { network, server, clock, issuer } = await started();
    const victim = { address: '192.0.2.77', port: 4444, family: 'IPv4' as const };
    const frames = [
      encodeRelayFrame({ type: 'send', toActor: 1, payload: Buffer.from('spoofed') }),
      encodeRelayFrame({ type: 'keepalive', nonce: 1 }),
      encodeRelayFrame({ type: 'bind', cookie: undefined, proof: new Uint8Array(0), body: Buffer.alloc(40, 7) }),
      Uint8Array.of(0xf1, 1, 2, 3, 4, 5, 6, 7),
      encodeRelayFrame({ type: 'unbind', unbindToken: new Uint8Array(8) }),
      encodeRelayFrame({ type: 'error', code: 'NOT_BOUND', actor: 0 }),
      Uint8Array.of(RELAY_PROTOCOL_VERSION, 3, 0),
    ];
    let sent = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 1_000; i++) {
        const frame = frames[i % frames.length]!;
        sent += frame.length;
        network.inject(victim, RELAY, frame);
      }
      clock.advance(1_000);
    }
    const toVictim = network.log.filter((entry) => entry.to === '192.0.2.77:4444');
    expect(toVictim.length).toBe(3);
    expect(toVictim.reduce((total, entry) => total + entry.bytes, 0)).toBeLessThanOrEqual(sent);
    expect(server.stats().bindings).toBe(0);
    // An expired ticket seen by the relay gets one error too, no more.
    const expired = issuer.issue('s', 9).ticket;
    clock.advance(120_000);
    const expiredBind = encodeRelayFrame({ type: 'bind', cookie: undefined, proof: new Uint8Array(0), body: splitTicket(expired).body });
    for (let i = 0; i < 10; i++) network.inject(victim, RELAY, expiredBind);
    expect(network.log.filter((entry) => entry.to === '192.0.2.77:4444')).toHaveLength(4);
  });

  it('drops datagrams over the maximum size and frames only a relay sends', async () => {
    const { peer, server } = await started({ maxDatagramBytes: 100 });
    const a = peer('s', 1);
    const b = peer('s', 2, '10.0.0.2');
    await Promise.all([a.client.bind(), b.client.bind()]);
    a.client.send(2, Buffer.alloc(95));
    a.client.send(2, Buffer.alloc(94));
    a.socket.send(encodeRelayFrame({ type: 'deliver', fromActor: 2, payload: Buffer.from('x') }), RELAY.port, RELAY.address);
    expect(b.received).toHaveLength(1);
    expect(server.stats().dropped).toMatchObject({ tooLarge: 1, unexpected: 1 });
  });

  it('ignores datagrams that are not from the relay, even well-formed deliver frames', async () => {
    const { peer, network } = await started();
    const a = peer('s', 1);
    await a.client.bind();
    network.inject({ address: '10.6.6.6', port: RELAY.port, family: 'IPv4' }, a.socket.local, encodeRelayFrame({ type: 'deliver', fromActor: 2, payload: Buffer.from('forged') }));
    network.inject({ address: RELAY.address, port: 1, family: 'IPv4' }, a.socket.local, encodeRelayFrame({ type: 'deliver', fromActor: 2, payload: Buffer.from('forged') }));
    expect(a.received).toEqual([]);
    expect(a.client.isFromRelay(RELAY)).toBe(true);
    expect(a.client.isFromRelay({ address: RELAY.address, port: 1 })).toBe(false);
  });

  it('close() unbinds at the relay, detaches from the shared socket, rejects a pending bind, and is idempotent', async () => {
    const { peer, server, clock } = await started();
    const a = peer('s', 1, '10.0.0.1', { keepaliveIntervalMs: 5_000 });
    await a.client.bind();
    expect(server.stats().bindings).toBe(1);
    a.client.close();
    a.client.close();
    expect(a.client.state).toBe('closed');
    expect(server.stats()).toMatchObject({ bindings: 0, unbinds: 1 });
    expect(a.socket.handlerCount).toBe(0);
    expect(clock.pendingTimers).toBe(1); // the server's sweep only
    await expect(a.client.bind()).rejects.toMatchObject({ code: 'NOT_BOUND' });

    const b = peer('s', 2, '10.0.0.9');
    const silentRelay = createRelayClient({ socket: b.socket, relay: { address: '198.51.100.1', port: 1 }, ticket: new Uint8Array(40), clock });
    const pending = silentRelay.bind();
    silentRelay.close();
    await expect(pending).rejects.toMatchObject({ code: 'NOT_BOUND' });
    await server.close();
    await server.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
