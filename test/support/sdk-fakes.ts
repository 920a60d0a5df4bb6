// Scripted fakes for NetworkRunner unit tests: sockets, signaling, relay and STUN, all driven
// by the test on a ManualClock.
import type { Clock, UdpEndpoint, UdpMessageHandler, UdpSocket, UdpSocketFactory } from '../../core/index.js';
import { ManualClock, PunchthroughError, flushAsync } from '../../core/index.js';
import {
  EventType,
  RequestType,
  type Event,
  type JoinResult,
  type PeerAddressesEvent,
  type RequestBody,
  type SessionInfo,
  type StartEvent,
} from '../../src/protocol/index.js';
import type { RelayPath, RunnerDeps } from '../../client-sdk/deps.js';
import type { RelayClientState } from '../../relay/client/index.js';
import type { Signaling } from '../../client-sdk/signaling.js';
import { NetworkRunner } from '../../client-sdk/runner.js';
import type { NetworkRunnerOptions } from '../../client-sdk/types.js';
import { SECRET } from './sealed-packets.js';
import { readHeader, type PeerHeader } from '../../client-sdk/peer/packets.js';

export const ep = (address: string, port: number): UdpEndpoint => ({ address, port, family: 'IPv4' });

export interface Sent {
  t: number;
  to: string;
  /** The clear header (the body is sealed); undefined for anything that is not a peer packet. */
  packet: PeerHeader | undefined;
  bytes: Uint8Array;
}

function headerOrUndefined(bytes: Uint8Array): PeerHeader | undefined {
  const read = readHeader(bytes);
  return read.ok ? read.header : undefined;
}

export class FakeSocket implements UdpSocket {
  readonly sent: Sent[] = [];
  closed = false;
  readonly #handlers = new Set<UdpMessageHandler>();
  constructor(
    private readonly clock: Clock,
    private readonly local: UdpEndpoint,
  ) {}
  address(): UdpEndpoint {
    return { ...this.local };
  }
  send(data: Uint8Array, port: number, address: string): void {
    if (this.closed) return;
    this.sent.push({ t: this.clock.now(), to: `${address}:${port}`, packet: headerOrUndefined(data), bytes: new Uint8Array(data) });
  }
  onMessage(handler: UdpMessageHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }
  onError(): () => void {
    return () => undefined;
  }
  close(): Promise<void> {
    this.closed = true;
    this.#handlers.clear();
    return Promise.resolve();
  }
  /** A datagram arrives from `from`. */
  receive(bytes: Uint8Array, from: UdpEndpoint): void {
    for (const handler of this.#handlers) handler(Buffer.from(bytes), from);
  }
  get handlers(): number {
    return this.#handlers.size;
  }
}

export class FakeRelay implements RelayPath {
  readonly sent: { t: number; toActor: number; packet: PeerHeader | undefined; bytes: Uint8Array }[] = [];
  closed = false;
  /** Set before the start: binds reject with it (bind failure, revoked ticket). */
  bindError: PunchthroughError | undefined;
  readonly #handlers = new Set<(fromActor: number, payload: Uint8Array) => void>();
  readonly #errors = new Set<(error: PunchthroughError, actor: number | undefined) => void>();
  readonly #states = new Set<(state: RelayClientState) => void>();
  constructor(private readonly clock: Clock) {}
  bind(): Promise<void> {
    return this.bindError ? Promise.reject(this.bindError) : Promise.resolve();
  }
  onError(handler: (error: PunchthroughError, actor: number | undefined) => void): () => void {
    this.#errors.add(handler);
    return () => this.#errors.delete(handler);
  }
  onStateChange(handler: (state: RelayClientState) => void): () => void {
    this.#states.add(handler);
    return () => this.#states.delete(handler);
  }
  /** The relay reports an error (PEER_NOT_BOUND names the other actor). */
  reportError(error: PunchthroughError, actor?: number): void {
    for (const handler of this.#errors) handler(error, actor);
  }
  /** The relay client changes state (`binding` after `bound`: a rebind). */
  setState(state: RelayClientState): void {
    for (const handler of this.#states) handler(state);
  }
  send(toActor: number, payload: Uint8Array): boolean {
    this.sent.push({ t: this.clock.now(), toActor, packet: headerOrUndefined(payload), bytes: new Uint8Array(payload) });
    return true;
  }
  onMessage(handler: (fromActor: number, payload: Uint8Array) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }
  isFromRelay(from: { address: string; port: number }): boolean {
    return from.address === RELAY.address && from.port === RELAY.port;
  }
  close(): void {
    this.closed = true;
  }
  receive(fromActor: number, bytes: Uint8Array): void {
    for (const handler of this.#handlers) handler(fromActor, bytes);
  }
}

export const RELAY = ep('192.0.2.50', 5055);
/** The session the fake signaling puts every runner in. */
export const SESSION_ID = 'sid';
export const STUN = ep('192.0.2.50', 3478);

export class FakeSignaling implements Signaling {
  readonly requests: RequestBody[] = [];
  closed = false;
  /** Requests left without a reply (`enter: 'hang'`); rejected on close, as the real client does. */
  readonly #pending = new Set<(error: PunchthroughError) => void>();
  readonly #events = new Set<(event: Event) => void>();
  readonly #closes = new Set<(error: PunchthroughError) => void>();
  /** `enter: 'hang'`: the create/join request gets no reply (until the connection closes). */
  constructor(private readonly script: { actor: number; mode: 'server' | 'client'; enter?: 'reply' | 'hang' }) {}
  request(body: RequestBody): Promise<never> {
    this.requests.push(body);
    if (this.closed) return Promise.reject(new PunchthroughError('CLOUD_UNREACHABLE', 'closed'));
    const { actor, mode } = this.script;
    switch (body.type) {
      case RequestType.CREATE:
      case RequestType.JOIN:
      case RequestType.JOIN_RANDOM: {
        if (this.script.enter === 'hang') return new Promise<never>((_, reject) => this.#pending.add(reject));
        const joined: JoinResult = { session: SESSION, actor, peerId: `p${actor}`, mode, created: mode === 'server', rejoinToken: 'r' };
        const start: StartEvent = {
          type: EventType.START,
          session: SESSION,
          actor,
          peerId: `p${actor}`,
          mode,
          stunServers: [{ address: STUN.address, port: STUN.port }],
          relay: { endpoint: { address: RELAY.address, port: RELAY.port }, ticket: new Uint8Array([1]), expiresAtMs: 0 },
        };
        queueMicrotask(() => this.emit(start));
        return Promise.resolve(joined as never);
      }
      default:
        return Promise.resolve({} as never);
    }
  }
  onEvent(handler: (event: Event) => void): () => void {
    this.#events.add(handler);
    return () => this.#events.delete(handler);
  }
  onClose(handler: (error: PunchthroughError) => void): () => void {
    this.#closes.add(handler);
    return () => this.#closes.delete(handler);
  }
  readonly droppedFrames = 0;
  readonly failedFrames = 0;
  close(): Promise<void> {
    this.#end(new PunchthroughError('CLOUD_UNREACHABLE', 'signaling connection closed: closed by the runner'));
    return Promise.resolve();
  }
  emit(event: Event): void {
    for (const handler of this.#events) handler(event);
  }
  /** The service drops the connection (or the client ends it with `error`). */
  drop(error = new PunchthroughError('CLOUD_UNREACHABLE', 'signaling connection closed: 1006')): void {
    this.#end(error);
  }
  #end(error: PunchthroughError): void {
    if (this.closed) return;
    this.closed = true;
    for (const reject of this.#pending) reject(error);
    this.#pending.clear();
    for (const handler of this.#closes) handler(error);
  }
}

const SESSION: SessionInfo = {
  sessionId: SESSION_ID,
  name: 'room',
  maxPlayers: 8,
  open: true,
  visible: true,
  properties: {},
  lobbyKeys: [],
  playerTtlMs: 0,
  emptySessionTtlMs: 0,
  peers: [],
};

/** The pair secret the scripted cloud hands out (the same as the link helpers' SECRET). */
export const TOKEN = SECRET;

export interface Rig {
  clock: ManualClock;
  runner: NetworkRunner;
  socket: FakeSocket;
  relay: FakeRelay;
  signaling: FakeSignaling;
}

/** A runner on a manual clock with every seam scripted. */
export function rig(
  mode: 'server' | 'client',
  options: Partial<NetworkRunnerOptions> = {},
  deps: Partial<RunnerDeps> = {},
  script: { enter?: 'reply' | 'hang' } = {},
): Rig {
  const clock = new ManualClock();
  const local = mode === 'server' ? ep('10.0.0.1', 4000) : ep('192.168.1.2', 5000);
  const socket = new FakeSocket(clock, local);
  const relay = new FakeRelay(clock);
  const signaling = new FakeSignaling({ actor: mode === 'server' ? 1 : 2, mode, ...script });
  const factory: UdpSocketFactory = { bind: () => Promise.resolve(socket) };
  const reflexive = mode === 'server' ? ep('203.0.113.1', 40000) : ep('198.51.100.7', 50000);
  const runner = new NetworkRunner(
    // The scripted cloud comes in through the public option a game would use for its own signaling.
    // One scripted IPv4 socket: no IPv6 socket beside it (the factory would hand back the same one).
    { cloudUrl: 'http://cloud.invalid', appId: 'game', socketFactory: factory, clock, signaling: () => Promise.resolve(signaling), ipv6: false, ...options },
    {
      createRelay: () => relay,
      stunBinding: () => Promise.resolve(reflexive),
      randomNonce: () => 1000,
      ...deps,
    },
  );
  return { clock, runner, socket, relay, signaling };
}

/** Lets the start's promise chain run until the runner reported its addresses (step 11). */
export async function untilReported(signaling: FakeSignaling): Promise<void> {
  for (let i = 0; i < 50 && !signaling.requests.some((r) => r.type === RequestType.REPORT_ADDRESSES); i++) await flushAsync();
  await flushAsync();
}

export function addresses(actor: number, mode: 'server' | 'client', local: UdpEndpoint[], reflexive: UdpEndpoint, token = TOKEN): PeerAddressesEvent {
  return {
    type: EventType.PEER_ADDRESSES,
    peerId: `p${actor}`,
    actor,
    mode,
    local: local.map(({ address, port }) => ({ address, port })),
    reflexive: { address: reflexive.address, port: reflexive.port },
    pairSecret: token,
  };
}
