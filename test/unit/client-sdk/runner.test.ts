import { describe, expect, it } from 'vitest';
import { flushAsync, isPunchthroughError, type NatReport } from '../../../core/index.js';
import { RequestType } from '../../../src/protocol/index.js';
import { PeerPacketType } from '../../../client-sdk/peer/packets.js';
import type { ClientLink } from '../../../client-sdk/peer/client-link.js';
import type { AttemptEvent, PeerConnectedEvent, PeerDisconnectedEvent, ProgressEvent } from '../../../client-sdk/types.js';
import { addresses, ep, RELAY, rig, untilReported } from '../../support/sdk-fakes.js';
import { answer, clientLink, connectFrom, direct, OTHER_SECRET, sends, serverLink } from '../../support/sealed-packets.js';

const serverLocal = ep('10.0.0.1', 4000);
const serverReflexive = ep('203.0.113.1', 40000);
const clientLocal = ep('192.168.1.2', 5000);
const clientReflexive = ep('198.51.100.7', 50000);
/** A scripted client link connects to the server runner from `from`: connect, accept, confirm. */
function connectClient(socket: ReturnType<typeof rig>['socket'], client: ClientLink, from: typeof serverLocal): void {
  socket.receive(connectFrom(client), from);
  socket.receive(answer(client, socket.sent.at(-1)!.bytes, direct(serverLocal)), from);
}

async function startedClient(options = {}) {
  const r = rig('client', options);
  const progress: ProgressEvent[] = [];
  const attempts: AttemptEvent[] = [];
  r.runner.on('progress', (e) => progress.push(e));
  r.runner.on('attempt', (e) => attempts.push(e));
  const started = r.runner.startGame({ mode: 'client', sessionName: 'room' });
  started.catch(() => undefined);
  await untilReported(r.signaling);
  return { ...r, started, progress, attempts };
}

async function startedServer(options = {}) {
  const r = rig('server', options);
  const connected: PeerConnectedEvent[] = [];
  const disconnected: PeerDisconnectedEvent[] = [];
  r.runner.on('peerConnected', (e) => connected.push(e));
  r.runner.on('peerDisconnected', (e) => disconnected.push(e));
  const result = await r.runner.startGame({ mode: 'server', sessionName: 'room', sessionProperties: { map: 'dust' } });
  return { ...r, result, connected, disconnected };
}

describe('NetworkRunner, client mode (manual clock, scripted sockets)', () => {
  it('announces every step of the join flow in order', async () => {
    const { progress, signaling } = await startedClient();
    expect(progress.map((p) => `${p.flow}:${p.step}:${p.name}`)).toEqual([
      'join:1:startGame',
      'join:2:joinSession',
      'join:3:sessionJoined',
      'join:4:joinRequest',
      'join:5:joinAcknowledged',
      'join:6:startRequested',
      'join:7:runnerStarted',
      'join:8:localAddresses',
      'join:9:stunRequest',
      'join:10:reflexiveAddress',
      'join:11:addressesReported',
    ]);
    expect(signaling.requests.find((r) => r.type === RequestType.REPORT_ADDRESSES)).toEqual({
      type: RequestType.REPORT_ADDRESSES,
      local: [{ address: '192.168.1.2', port: 5000 }],
      reflexive: { address: '198.51.100.7', port: 50000 },
      natType: 'unknown',
    });
  });

  it('sends 6 direct attempts at 0…2500 ms to every candidate (each twice, 250 ms apart; the first a low-TTL prime), relay attempts at 3000…4500 ms, fails at 5000 ms and shuts down', async () => {
    const { clock, runner, socket, relay, signaling, started, attempts } = await startedClient();
    const t0 = clock.now();
    signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    let failure: unknown;
    started.catch((error: unknown) => (failure = error));
    await clock.advanceAsync(5000);
    expect(attempts.map((a) => [a.n, a.path, a.ms])).toEqual([
      [0, 'direct', 0],
      [1, 'direct', 500],
      [2, 'direct', 1000],
      [3, 'direct', 1500],
      [4, 'direct', 2000],
      [5, 'direct', 2500],
      [6, 'relay', 3000],
      [7, 'relay', 3500],
      [8, 'relay', 4000],
      [9, 'relay', 4500],
    ]);
    expect(socket.sent.map((s) => [s.t - t0, s.to, s.packet?.type])).toEqual(
      [0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750].flatMap((t) => [
        [t, '10.0.0.1:4000', PeerPacketType.CONNECT],
        [t, '203.0.113.1:40000', PeerPacketType.CONNECT],
      ]),
    );
    // Low-TTL priming: the first connect to each candidate has TTL 2, every later one the default.
    expect(socket.sent.map((s) => s.ttl)).toEqual([2, 2, ...Array(22).fill(undefined)]);
    expect(relay.sent.map((s) => [s.t - t0, s.toActor, s.packet?.type])).toEqual(
      [3000, 3250, 3500, 3750, 4000, 4250, 4500, 4750].map((t) => [t, 1, PeerPacketType.CONNECT]),
    );
    await flushAsync();
    expect(isPunchthroughError(failure) && failure.code).toBe('CONNECT_TIMEOUT');
    expect(socket.closed).toBe(true);
    expect(relay.closed).toBe(true);
    expect(signaling.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await runner.shutdown();
  });

  it('connects on a direct accept: resolves with path, attempt and timing, reports to the cloud', async () => {
    const { clock, socket, signaling, started } = await startedClient();
    signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    await clock.advanceAsync(1000);
    const third = socket.sent.filter((s) => s.t === clock.now())[1]!;
    expect(third.packet?.type).toBe(PeerPacketType.CONNECT);
    await clock.advanceAsync(25);
    socket.receive(answer(serverLink(), third.bytes, direct(clientReflexive)), serverReflexive);
    const result = await started;
    expect(result.server).toMatchObject({ peerId: 'p1', actor: 1, path: 'direct', remote: serverReflexive, attempt: 2, rttMs: 25, ms: 1025 });
    await flushAsync();
    expect(signaling.requests.at(-1)).toEqual({ type: RequestType.CONNECTED, peerId: 'p1', path: 'direct', ms: 1025, rttMs: 25 });
    // No more attempts after the accept.
    const before = socket.sent.length;
    await clock.advanceAsync(1500);
    expect(socket.sent.slice(before).every((s) => s.packet?.type === PeerPacketType.KEEPALIVE)).toBe(true);
  });

  it('connects through the relay at attempt 6 when the direct path is dead; a late direct accept then wins', async () => {
    const { clock, runner, socket, relay, signaling, started } = await startedClient();
    const changes: string[] = [];
    runner.on('pathChanged', (e) => changes.push(e.path));
    signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    await clock.advanceAsync(3000);
    const request = relay.sent[0]!;
    expect([request.t, request.packet?.type]).toEqual([3000, PeerPacketType.CONNECT]);
    const server = serverLink();
    relay.receive(1, answer(server, request.bytes, { path: 'relay' }, 3000));
    const result = await started;
    expect(result.server).toMatchObject({ path: 'relay', attempt: 6, ms: 3000, remote: RELAY });
    expect(runner.connectionType('p1')).toBe('relay');
    // The client confirmed the accept through the relay: the server link validates the relay path.
    const confirm = relay.sent.at(-1)!;
    expect(confirm.packet?.type).toBe(PeerPacketType.KEEPALIVE);
    expect(server.receive(confirm.bytes, { path: 'relay' }, 3000)).toContainEqual(expect.objectContaining({ type: 'connected' }));
    // Game updates go through the relay, sealed: only the server link reads them.
    expect(runner.send('p1', new Uint8Array([7]))).toBe(true);
    const update = relay.sent.at(-1)!;
    expect(update).toMatchObject({ toActor: 1, packet: { type: PeerPacketType.DATA } });
    expect(server.receive(update.bytes, { path: 'relay' }, 3001)).toEqual([{ type: 'message', data: Buffer.from([7]) }]);
    // A late accept of direct attempt 5 moves the pair to the direct path.
    const lateDirect = socket.sent.at(-1)!;
    expect(lateDirect.packet?.type).toBe(PeerPacketType.CONNECT);
    socket.receive(answer(server, lateDirect.bytes, direct(clientLocal), 3002), serverLocal);
    expect(changes).toEqual(['direct']);
    expect(runner.connectionType('p1')).toBe('direct');
    await runner.shutdown();
  });

  it('learns the server\'s peer-reflexive endpoint from its ping and answers there', async () => {
    const { clock, socket, signaling, started, runner } = await startedClient();
    signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    const mapped = ep('203.0.113.1', 41999);
    const server = serverLink({ candidates: [clientReflexive] });
    const ping = sends(server.poll(0))[0]!;
    expect(ping.type).toBe(PeerPacketType.PING);
    socket.receive(ping.bytes, mapped);
    const reply = socket.sent.at(-1)!;
    expect([reply.to, reply.packet?.type]).toEqual(['203.0.113.1:41999', PeerPacketType.CONNECT]);
    // The same ping again (a replay, or a duplicate) is dropped: no second connect.
    socket.receive(ping.bytes, ep('6.6.6.6', 6));
    expect(socket.sent.at(-1)).toBe(reply);
    expect(runner.drops.replay).toBe(1);
    await clock.advanceAsync(500);
    expect(socket.sent.filter((s) => s.t === 500).map((s) => s.to)).toEqual(['10.0.0.1:4000', '203.0.113.1:40000', '203.0.113.1:41999']);
    socket.receive(answer(server, reply.bytes, direct(clientReflexive)), mapped);
    expect((await started).server).toMatchObject({ path: 'direct', remote: mapped });
    await runner.shutdown();
  });

  it('keeps the game connection when the signaling connection drops, sends keepalives, and times out a silent server', async () => {
    const { clock, runner, socket, signaling, started } = await startedClient({ keepaliveIntervalMs: 1000, peerTimeoutMs: 3500 });
    const gone: PeerDisconnectedEvent[] = [];
    runner.on('peerDisconnected', (e) => gone.push(e));
    signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    const server = serverLink();
    socket.receive(answer(server, socket.sent[0]!.bytes, direct(clientLocal)), serverLocal);
    await started;
    server.receive(socket.sent.at(-1)!.bytes, direct(clientLocal), 0);
    expect(server.phase).toBe('connected');
    signaling.drop();
    const connectedAt = clock.now();
    await clock.advanceAsync(3000);
    // After the confirm that went with the accept, one keepalive per interval.
    const keepalives = socket.sent.filter((s) => s.packet?.type === PeerPacketType.KEEPALIVE && s.t > connectedAt);
    expect(keepalives.map((s) => [s.t - connectedAt, s.to])).toEqual([
      [1000, '10.0.0.1:4000'],
      [2000, '10.0.0.1:4000'],
      [3000, '10.0.0.1:4000'],
    ]);
    // The server answers one: RTT is measured and the silence timer restarts.
    const reply = answer(server, keepalives[2]!.bytes, direct(clientLocal), 3000);
    await clock.advanceAsync(40);
    socket.receive(reply, serverLocal);
    expect(runner.rttMs('p1')).toBeCloseTo(0 + (40 - 0) / 8);
    expect(runner.connectionType('p1')).toBe('direct');
    await clock.advanceAsync(3499);
    expect(gone).toEqual([]);
    await clock.advanceAsync(1);
    expect(gone).toEqual([{ peerId: 'p1', reason: 'timeout' }]);
    expect(runner.connectionType('p1')).toBeUndefined();
    await runner.shutdown();
    expect(clock.pendingTimers).toBe(0);
  });

  it('fails with CONNECT_TIMEOUT when the server\'s addresses never arrive, leaving no timer', async () => {
    const { clock, socket, started } = await startedClient({ requestTimeoutMs: 8000 });
    let failure: unknown;
    started.catch((error: unknown) => (failure = error));
    await clock.advanceAsync(7999);
    expect(failure).toBeUndefined();
    await clock.advanceAsync(1);
    await flushAsync();
    expect(failure).toMatchObject({ code: 'CONNECT_TIMEOUT' });
    expect(socket.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('connects to at most 8 announced server candidates, always keeping the reflexive one', async () => {
    const { socket, signaling, runner } = await startedClient();
    const locals = Array.from({ length: 12 }, (_, i) => ep(`10.0.${i}.1`, 4000));
    signaling.emit(addresses(1, 'server', locals, serverReflexive));
    const first = socket.sent.filter((s) => s.packet?.type === PeerPacketType.CONNECT).map((s) => s.to);
    expect(first).toHaveLength(8);
    expect(first).toContain('203.0.113.1:40000');
    await runner.shutdown();
  });

  it('with force relay sends every attempt through the relay from t = 0', async () => {
    const { clock, socket, relay, signaling, runner } = await startedClient({ forceRelay: true });
    signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    await clock.advanceAsync(1000);
    expect(relay.sent.map((s) => s.t)).toEqual([0, 250, 500, 750, 1000]);
    expect(socket.sent).toEqual([]);
    await runner.shutdown();
  });

  it('counts and drops garbage without disturbing the connection attempt', async () => {
    const { socket, signaling, runner, started } = await startedClient();
    signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    socket.receive(new Uint8Array([0xd7, 9, 9]), ep('6.6.6.6', 6));
    socket.receive(new Uint8Array([0x80, 1, 2, 3]), ep('6.6.6.6', 6));
    // A connect addressed to the server, sent to the client: not for this runner.
    socket.receive(connectFrom(clientLink({ candidates: [serverLocal] })), ep('6.6.6.6', 6));
    // A forged accept (right actors, a plausible counter, random body) from anywhere changes nothing.
    const forged = Buffer.alloc(78, 0x5a);
    forged.set([0xd7, PeerPacketType.ACCEPT, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9], 0);
    socket.receive(forged, ep('6.6.6.6', 6));
    // An accept sealed for another pair (another secret) does not open either.
    const foreign = serverLink({ secret: OTHER_SECRET });
    socket.receive(answer(foreign, connectFrom(clientLink({ candidates: [serverLocal], secret: OTHER_SECRET })), direct(clientLocal)), serverLocal);
    expect(runner.drops).toEqual({ notPeerPacket: 1, malformed: 1, unknownPeer: 1, auth: 2, replay: 0, stale: 0, unproven: 0 });
    expect(runner.connectionType('p1')).toBeUndefined();
    socket.receive(answer(serverLink(), socket.sent[0]!.bytes, direct(clientLocal)), serverLocal);
    await expect(started).resolves.toMatchObject({ server: { path: 'direct' } });
    await runner.shutdown();
  });
});

describe('NetworkRunner options', () => {
  it('refuses out-of-range connection options with INVALID_OPTIONS', () => {
    for (const bad of [{ attemptsLimit: 0 }, { attemptsLimit: 256 }, { attemptsLimit: 2.5 }, { attemptIntervalMs: -1 }, { directFraction: 1.5 }, { peerTimeoutMs: Number.NaN }]) {
      expect(() => rig('client', bad)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    }
  });
});

describe('NetworkRunner, server mode (manual clock, scripted sockets)', () => {
  it('creates the session with its properties and resolves after reporting its addresses', async () => {
    const { result, signaling, runner } = await startedServer();
    expect(result).toMatchObject({ mode: 'server', sessionName: 'room', actor: 1, peerId: 'p1', reflexive: serverReflexive });
    expect(signaling.requests.find((r) => r.type === RequestType.CREATE)).toEqual({
      type: RequestType.CREATE,
      name: 'room',
      properties: { map: 'dust' },
      lobbyKeys: ['map'],
    });
    await runner.shutdown();
  });

  it('NAT discovery runs after the start from its Binding answer: reported again with the axes, then natTypeDiscovered; a failure keeps the guess', async () => {
    const firsts: unknown[] = [];
    let finish: (report: NatReport) => void = () => undefined;
    const discovered = rig('server', { discoverNat: true }, {
      stunBinding: () => Promise.resolve({ ...serverReflexive, otherAddress: { family: 'IPv4', address: '203.0.113.9', port: 3479 } }),
      discoverNat: (_socket, _server, options) => {
        firsts.push(options.first);
        return new Promise((resolve) => (finish = resolve));
      },
    });
    const events: unknown[] = [];
    discovered.runner.on('natTypeDiscovered', (e) => events.push(e));
    await discovered.runner.startGame({ mode: 'server' });
    // The start did not wait: it reported the guess, and discovery got the start's answer.
    expect(discovered.runner.natType).toBe('unknown');
    expect(firsts).toEqual([expect.objectContaining({ otherAddress: expect.objectContaining({ port: 3479 }) })]);
    finish({ natType: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'not-port-dependent' });
    await flushAsync();
    expect(discovered.runner.natType).toBe('symmetric');
    expect(events).toEqual([{ natType: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'not-port-dependent' }]);
    expect(discovered.signaling.requests.filter((r) => r.type === RequestType.REPORT_ADDRESSES)).toEqual([
      expect.objectContaining({ natType: 'unknown' }),
      expect.objectContaining({ natType: 'symmetric', natMapping: 'address-and-port-dependent', natFiltering: 'not-port-dependent', reflexive: { address: '203.0.113.1', port: 40000 } }),
    ]);
    await discovered.runner.shutdown();

    const failed = rig('server', { discoverNat: true }, { discoverNat: () => Promise.reject(new Error('no answer')) });
    const result = await failed.runner.startGame({ mode: 'server' });
    await flushAsync();
    expect(result.reflexive).toEqual(serverReflexive);
    expect(failed.runner.natType).toBe('unknown');
    expect(failed.signaling.requests.filter((r) => r.type === RequestType.REPORT_ADDRESSES)).toHaveLength(1);
    await failed.runner.shutdown();

    const off = rig('server', {}, { discoverNat: () => Promise.reject(new Error('must not run')) });
    await off.runner.startGame({ mode: 'server' });
    await flushAsync();
    expect(off.signaling.requests.filter((r) => r.type === RequestType.REPORT_ADDRESSES)).toHaveLength(1);
    await off.runner.shutdown();
  });

  it('pings each new client\'s candidates every interval until its attempts are over, then keeps listening', async () => {
    const { clock, socket, signaling, connected, runner } = await startedServer();
    const t0 = clock.now();
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    await clock.advanceAsync(10_000);
    expect(socket.sent.map((s) => [s.t - t0, s.to, s.packet?.type])).toEqual(
      [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500].flatMap((t) => [
        [t, '192.168.1.2:5000', PeerPacketType.PING],
        [t, '198.51.100.7:50000', PeerPacketType.PING],
      ]),
    );
    expect(clock.pendingTimers).toBe(0);
    // Long after the client's attempts, a valid connect is still accepted, and once the client
    // confirms the accept from the same endpoint (an authenticated round trip) it is connected.
    const client = clientLink({ candidates: [serverLocal] });
    socket.receive(connectFrom(client), clientReflexive);
    const accept = socket.sent.at(-1)!;
    expect([accept.to, accept.packet?.type]).toEqual(['198.51.100.7:50000', PeerPacketType.ACCEPT]);
    expect(connected).toEqual([]);
    socket.receive(answer(client, accept.bytes, direct(serverLocal)), clientReflexive);
    expect(connected).toMatchObject([{ peerId: 'p2', actor: 2, path: 'direct', remote: clientReflexive }]);
    await runner.shutdown();
  });

  it('amplification: 84 address reports in 4 s with changing candidates make it send ≤ 1,000 datagrams to ≤ 16 endpoints', async () => {
    const { clock, socket, signaling, runner } = await startedServer();
    const before = socket.sent.length;
    for (let i = 0; i < 84; i++) {
      const local = Array.from({ length: 16 }, (_, k) => ep(`100.64.${i}.${k}`, 10_000 + k));
      signaling.emit(addresses(2, 'client', local, ep('198.51.100.7', 50_000 + i)));
      await clock.advanceAsync(Math.round(4000 / 84));
    }
    await clock.advanceAsync(20_000);
    const sent = socket.sent.slice(before);
    expect(sent.length).toBeLessThanOrEqual(1000);
    expect(new Set(sent.map((s) => s.to)).size).toBeLessThanOrEqual(16);
    expect(sent.every((s) => s.packet?.type === PeerPacketType.PING)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await runner.shutdown();
  });

  it('accepts a direct connect on its socket and stops pinging; exchanges game updates', async () => {
    const { clock, socket, signaling, connected, runner } = await startedServer();
    const messages: Uint8Array[] = [];
    runner.on('message', (m) => messages.push(new Uint8Array(m.data)));
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    await clock.advanceAsync(700);
    const client = clientLink({ candidates: [serverLocal] });
    socket.receive(connectFrom(client, 1), clientReflexive);
    const accept = socket.sent.at(-1)!;
    expect(accept).toMatchObject({ to: '198.51.100.7:50000', packet: { type: PeerPacketType.ACCEPT, from: 1, to: 2 } });
    socket.receive(answer(client, accept.bytes, direct(serverLocal)), clientReflexive);
    expect(connected).toMatchObject([{ path: 'direct', attempt: 1, ms: 700, rttMs: 0 }]);
    const pings = socket.sent.filter((s) => s.packet?.type === PeerPacketType.PING).length;
    await clock.advanceAsync(1500);
    expect(socket.sent.filter((s) => s.packet?.type === PeerPacketType.PING).length).toBe(pings);
    socket.receive(sends(client.send(new Uint8Array([1, 2])))[0]!.bytes, clientReflexive);
    expect(messages).toEqual([new Uint8Array([1, 2])]);
    expect(runner.broadcast(new Uint8Array([3]))).toBe(1);
    const update = socket.sent.at(-1)!;
    expect(update).toMatchObject({ to: '198.51.100.7:50000', packet: { type: PeerPacketType.DATA } });
    expect(client.receive(update.bytes, direct(serverLocal), 2200)).toEqual([{ type: 'message', data: Buffer.from([3]) }]);
    await runner.shutdown();
    expect(socket.sent.at(-1)?.packet?.type).toBe(PeerPacketType.DISCONNECT);
  });

  it('accepts a connect through the relay and answers through the relay', async () => {
    const { relay, signaling, connected, runner } = await startedServer();
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    const client = clientLink({ candidates: [] });
    const request = connectFrom(client, 6);
    relay.receive(2, request);
    const accept = relay.sent.at(-1)!;
    expect(accept).toMatchObject({ toActor: 2, packet: { type: PeerPacketType.ACCEPT } });
    relay.receive(2, answer(client, accept.bytes, { path: 'relay' }));
    expect(connected).toMatchObject([{ path: 'relay', attempt: 6, remote: RELAY }]);
    // The relay's word on the sender wins over the packet's claim.
    relay.receive(3, request);
    expect(runner.drops.unknownPeer).toBe(1);
    await runner.shutdown();
  });

  it('drops a connect sealed with another pair secret, answers nothing and does not connect', async () => {
    const { socket, signaling, connected, runner } = await startedServer();
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    const sentBefore = socket.sent.length;
    socket.receive(connectFrom(clientLink({ candidates: [serverLocal], secret: OTHER_SECRET })), clientReflexive);
    expect(socket.sent.length).toBe(sentBefore);
    expect(connected).toEqual([]);
    expect(runner.drops.auth).toBe(1);
    await runner.shutdown();
  });

  it('learns a symmetric-NAT client\'s peer-reflexive endpoint from its connect', async () => {
    const { socket, signaling, connected, runner } = await startedServer();
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    const mapped = ep('198.51.100.7', 61000);
    const client = clientLink({ candidates: [serverLocal] });
    socket.receive(connectFrom(client), mapped);
    const accept = socket.sent.at(-1)!;
    expect(accept).toMatchObject({ to: '198.51.100.7:61000', packet: { type: PeerPacketType.ACCEPT } });
    socket.receive(answer(client, accept.bytes, direct(serverLocal)), mapped);
    expect(connected).toMatchObject([{ remote: mapped }]);
    await runner.shutdown();
  });

  it('reports a client that goes silent as disconnected, and serves other clients meanwhile', async () => {
    const { clock, socket, signaling, connected, disconnected, runner } = await startedServer({ peerTimeoutMs: 5000 });
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    connectClient(socket, clientLink({ candidates: [serverLocal] }), clientReflexive);
    await clock.advanceAsync(2000);
    const other = ep('198.51.100.8', 50001);
    signaling.emit(addresses(3, 'client', [], other, OTHER_SECRET));
    connectClient(socket, clientLink({ candidates: [serverLocal], secret: OTHER_SECRET, self: 3 }), other);
    expect(connected.map((c) => c.peerId)).toEqual(['p2', 'p3']);
    await clock.advanceAsync(3000);
    expect(disconnected).toEqual([{ peerId: 'p2', reason: 'timeout' }]);
    expect(runner.connectedPeers()).toEqual(['p3']);
    await runner.shutdown();
    expect(disconnected.at(-1)).toEqual({ peerId: 'p3', reason: 'shutdown' });
  });

  it('a new pair secret for a peer not yet connected (it rejoined) starts a new pair; the old secret no longer opens', async () => {
    const { socket, signaling, connected, runner } = await startedServer();
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive, OTHER_SECRET));
    socket.receive(connectFrom(clientLink({ candidates: [serverLocal] })), clientReflexive);
    expect(runner.drops.auth).toBe(1);
    connectClient(socket, clientLink({ candidates: [serverLocal], secret: OTHER_SECRET }), clientReflexive);
    expect(connected).toMatchObject([{ peerId: 'p2' }]);
    await runner.shutdown();
  });

  it('shutdown is idempotent and closes the socket, the relay, the signaling and every timer', async () => {
    const { clock, socket, relay, signaling, runner } = await startedServer();
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    await Promise.all([runner.shutdown(), runner.shutdown()]);
    await runner.shutdown();
    expect([socket.closed, relay.closed, signaling.closed, socket.handlers, clock.pendingTimers]).toEqual([true, true, true, 0, 0]);
    expect(signaling.requests.at(-1)).toEqual({ type: RequestType.LEAVE });
  });

  it('a throwing listener does not break the runner', async () => {
    const { socket, signaling, connected, runner } = await startedServer();
    runner.on('peerConnected', () => {
      throw new Error('game bug');
    });
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    expect(() => connectClient(socket, clientLink({ candidates: [serverLocal] }), clientReflexive)).not.toThrow();
    expect(connected).toHaveLength(1);
    await runner.shutdown();
  });
});
