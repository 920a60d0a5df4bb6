// A rogue cloud for SDK tests: a bare `ws` server on loopback that answers the SDK's hello like the
// real session service, then misbehaves as the test scripts it (hostile frames, a close before the
// create/join reply).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  createSignalingCodec,
  EventType,
  PROTOCOL_VERSION,
  ReplyType,
  RequestType,
  type Request,
  type SessionInfo,
} from '../../src/protocol/index.js';

/** What the rogue cloud does with the first request after the hello (create, join, join-random). */
export type RogueBehaviour =
  /** Closes the connection (close handshake, code 1011) instead of replying. */
  | { kind: 'close' }
  /** Drops the TCP connection without a close frame. */
  | { kind: 'terminate' }
  /**
   * Sends `frame` (built for the request's id), then closes the connection after `closeAfterMs`;
   * with `atHello`, in place of the hello reply.
   */
  | { kind: 'frame'; frame: (id: number) => Uint8Array; closeAfterMs: number; atHello?: boolean }
  /**
   * Plays an honest cloud for one server-mode runner: the create reply, the start event (no STUN
   * servers, no relay) and the address report's reply; the test then misbehaves with `broadcast`.
   */
  | { kind: 'host' };

export interface RogueCloud {
  /** The signaling URL, `ws://127.0.0.1:port/v1/signaling`. */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Sends `frame` to every open connection (after their hello), e.g. an unsolicited hostile event. */
  broadcast(frame: Uint8Array): void;
  close(): Promise<void>;
}

const codec = createSignalingCodec({ maxFrameBytes: 1024 * 1024 });

/** Starts a rogue cloud on port 0 that answers hellos and treats the next request as `behaviour` says. */
export async function startRogueCloud(behaviour: RogueBehaviour): Promise<RogueCloud> {
  // No payload cap on the rogue side: it only ever reads the SDK's small requests.
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const greeted = new Set<WebSocket>();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  server.on('connection', (socket) => {
    connections++;
    socket.on('error', () => undefined);
    socket.on('close', () => greeted.delete(socket));
    socket.on('message', (data: Buffer) => {
      const decoded = codec.decodeRequest(data);
      if (!decoded.ok) return;
      const request: Request = decoded.value;
      if (request.type === RequestType.HELLO && !(behaviour.kind === 'frame' && behaviour.atHello)) {
        socket.send(
          codec.encode({
            type: ReplyType.RESPONSE,
            id: request.id,
            request: RequestType.HELLO,
            result: { protocolVersion: PROTOCOL_VERSION, maxFrameBytes: 16 * 1024 },
          }),
        );
        greeted.add(socket);
        return;
      }
      if (behaviour.kind === 'host') playHost(socket, request);
      else if (behaviour.kind === 'close') socket.close(1011, 'rogue');
      else if (behaviour.kind === 'terminate') socket.terminate();
      else {
        socket.send(behaviour.frame(request.id));
        const timer = setTimeout(() => {
          timers.delete(timer);
          socket.close(1011, 'rogue');
        }, behaviour.closeAfterMs);
        timers.add(timer);
      }
    });
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/signaling`,
    get connections() {
      return connections;
    },
    broadcast(frame) {
      for (const socket of greeted) socket.send(frame);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The session a `host` rogue cloud puts its one server in. */
export const ROGUE_SESSION: SessionInfo = {
  sessionId: 'rogue-session',
  name: 'room',
  maxPlayers: 4,
  open: true,
  visible: true,
  properties: {},
  lobbyKeys: [],
  playerTtlMs: 0,
  emptySessionTtlMs: 0,
  peers: [{ actor: 1, peerId: 'p1', mode: 'server', active: true }],
};

/** The `host` behaviour: just enough of the service for a server-mode start to finish. */
function playHost(socket: WebSocket, request: Request): void {
  if (request.type === RequestType.CREATE) {
    const joined = { session: ROGUE_SESSION, actor: 1, peerId: 'p1', mode: 'server' as const, created: true, rejoinToken: 'r' };
    socket.send(codec.encode({ type: ReplyType.RESPONSE, id: request.id, request: RequestType.CREATE, result: joined }));
    socket.send(codec.encode({ type: EventType.START, session: ROGUE_SESSION, actor: 1, peerId: 'p1', mode: 'server', stunServers: [] }));
  } else if (request.type === RequestType.REPORT_ADDRESSES) {
    socket.send(codec.encode({ type: ReplyType.RESPONSE, id: request.id, request: RequestType.REPORT_ADDRESSES, result: {} }));
  }
}
