// A signaling hub on a manual clock with fake peer sockets that decode what the hub sends: the
// harness of the hub's unit tests.
import {
  PROTOCOL_VERSION,
  ReplyType,
  RequestType,
  createSignalingCodec,
  type EventType,
  type RequestBody,
  type ServerMessage,
} from '../../src/protocol/index.js';
import { ManualClock, flushAsync } from '../../core/index.js';
import { createSignalingHub, type PeerConnection } from '../../src/session/hub.js';
import { createSessionMetrics } from '../../src/session/metrics.js';
import { resolveOptions, type SessionServiceOptions } from '../../src/session/options.js';

const codec = createSignalingCodec({ maxFrameBytes: 1 << 20 });

export class FakePeer {
  readonly received: ServerMessage[] = [];
  /** Size of every frame the hub sent this peer. */
  readonly frameSizes: number[] = [];
  closedWith: number | undefined;
  pings = 0;
  terminated = false;
  connection!: PeerConnection;
  #nextId = 1;
  readonly socket = {
    send: (frame: Uint8Array) => {
      this.frameSizes.push(frame.length);
      const decoded = codec.decodeServerMessage(frame);
      if (!decoded.ok) throw new Error(decoded.error.message);
      this.received.push(decoded.value);
    },
    close: (code: number) => {
      this.closedWith ??= code;
    },
    terminate: () => {
      this.terminated = true;
      this.connection.onClose();
    },
    ping: () => {
      this.pings += 1;
    },
    /** What the transport reports as queued; a test raises it to play a peer that stopped reading. */
    bufferedAmount: 0,
  };

  /** Sends a request and resolves with its reply (or throws when none comes). */
  async request(body: RequestBody): Promise<ServerMessage> {
    const id = this.#nextId++;
    this.connection.onFrame(codec.encode({ ...body, id } as never), true);
    for (let i = 0; i < 20; i++) {
      const reply = this.received.find((m) => (m.type === ReplyType.RESPONSE || m.type === ReplyType.ERROR) && m.id === id);
      if (reply) return reply;
      await flushAsync();
    }
    throw new Error(`no reply to request ${id}`);
  }

  events(type: EventType): ServerMessage[] {
    return this.received.filter((m) => m.type === type);
  }
}

/** A hub with `overrides`; `open` connects a peer, `connect` also says hello. */
export function setupHub(overrides: SessionServiceOptions = {}) {
  const clock = new ManualClock();
  const metrics = createSessionMetrics();
  const hub = createSignalingHub(resolveOptions({ clock, heartbeatIntervalMs: 1_000, ...overrides }), metrics);
  const open = (remoteAddress = '198.51.100.1') => {
    const peer = new FakePeer();
    peer.connection = hub.connect(peer.socket, remoteAddress);
    return peer;
  };
  const connect = async (remoteAddress?: string) => {
    const peer = open(remoteAddress);
    await peer.request({ type: RequestType.HELLO, appId: 'g', appVersion: '1', protocolVersion: PROTOCOL_VERSION });
    return peer;
  };
  return { clock, hub, metrics, open, connect };
}
