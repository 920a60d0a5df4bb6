// Request dispatch: a typed table from request type to its handler, and the one place a failed
// request becomes its error reply.
import { PunchthroughError, type Env, type ErrorCode, type ErrorDetail } from '../../core/index.js';
import { ReplyType, RequestType, codeForPeer, errorReply, type Request, type ResultOf, type RpcRequest, type RpcResult, type ServerMessage } from '../protocol/index.js';
import type { HelloAuthGate } from './hello-auth.js';
import type { LobbyFeed } from './lobby-feed.js';
import type { SessionMetrics } from './metrics.js';
import type { Peer } from './peer.js';
import { refuse } from './request-error.js';
import type { Sessions } from './sessions.js';

/** One request being handled: who sent it, what it is, how to answer it. */
export interface RequestContext<T extends RequestType> {
  readonly peer: Peer;
  readonly request: Extract<Request, { type: T }>;
  reply(result: ResultOf[T]): void;
}

export type HandlerTable = { [T in RequestType]: (context: RequestContext<T>) => Promise<void> | void };

/** Handles one decoded request of one peer; never throws (a failure is the request's error reply). */
export type Dispatch = (peer: Peer, request: Request) => Promise<void>;

export interface DispatchOptions {
  sessions: Sessions;
  metrics: SessionMetrics;
  /** Lobby subscriptions; without them LOBBY_SUBSCRIBE is refused (NOT_ALLOWED). */
  lobby?: LobbyFeed;
  /** WebRPC (src/rpc); without it RPC is refused (RPC_NOT_FOUND). */
  rpc?: (peer: Peer, request: RpcRequest) => Promise<RpcResult>;
  /** Custom authentication: AUTHENTICATE, and NOT_AUTHENTICATED until a login completes. */
  auth?: HelloAuthGate;
}

/** The requests that put a connection into a session: refused while it is in one. */
const ENTERING = new Set<RequestType>([RequestType.CREATE, RequestType.JOIN, RequestType.JOIN_RANDOM, RequestType.REJOIN, RequestType.RESTORE]);

export function handlerTable(sessions: Sessions, lobby?: LobbyFeed, rpc?: DispatchOptions['rpc'], auth?: HelloAuthGate): HandlerTable {
  return {
    [RequestType.HELLO]: async ({ peer, request, reply }) => {
      if (peer.hello) refuse('INVALID_REQUEST', 'hello was already sent on this connection');
      reply(await sessions.hello(peer, request));
    },
    [RequestType.CREATE]: ({ peer, request, reply }) => sessions.create(peer, request, reply),
    [RequestType.JOIN]: ({ peer, request, reply }) => sessions.join(peer, request, reply),
    [RequestType.JOIN_RANDOM]: ({ peer, request, reply }) => sessions.joinRandom(peer, request, reply),
    [RequestType.REJOIN]: ({ peer, request, reply }) => sessions.rejoin(peer, request, reply),
    [RequestType.RESTORE]: ({ peer, request, reply }) => sessions.restore(peer, request, reply),
    [RequestType.LEAVE]: async ({ peer, reply }) => {
      await sessions.leave(peer);
      reply({});
    },
    [RequestType.LIST]: async ({ peer, request, reply }) => {
      reply(await sessions.list(peer.hello!.appKey, request.filter, request.limit, request.offset));
    },
    [RequestType.SET_PROPERTIES]: async ({ peer, request, reply }) => {
      await sessions.setProperties(peer, request);
      reply({});
    },
    [RequestType.REPORT_ADDRESSES]: ({ peer, request, reply }) => sessions.reportAddresses(peer, request, () => reply({})),
    [RequestType.CONNECTED]: ({ peer, request, reply }) => {
      sessions.connected(peer, request);
      reply({});
    },
    [RequestType.PATH_REPORT]: ({ peer, request, reply }) => {
      sessions.pathReport(peer, request);
      reply({});
    },
    [RequestType.KICK]: async ({ peer, request, reply }) => {
      await sessions.kick(peer, request);
      reply({});
    },
    [RequestType.AUTHENTICATE]: async ({ peer, request, reply }) => {
      reply(await (auth ?? refuse('NOT_ALLOWED', 'this service has no custom authentication')).authenticate(peer, request));
    },
    [RequestType.LOBBY_SUBSCRIBE]: async ({ peer, request, reply }) => {
      reply(await (lobby ?? refuse('NOT_ALLOWED', 'this service has no lobby subscriptions')).subscribe(peer, request));
    },
    [RequestType.RPC]: async ({ peer, request, reply }) => {
      reply(await (rpc ?? refuse('RPC_NOT_FOUND', 'WebRPC is not enabled on this service'))(peer, request));
    },
  };
}

export function createDispatch(env: Env, options: DispatchOptions): Dispatch {
  const { metrics } = options;
  const handlers = handlerTable(options.sessions, options.lobby, options.rpc, options.auth);

  const replyError = (peer: Peer, id: number, code: ErrorCode, message: string, detail?: ErrorDetail): void => {
    metrics.errors.inc({ code });
    // A peer that does not know the code gets INVALID_REQUEST, with that code's Photon number too.
    const sent = codeForPeer(code, message, peer.features);
    peer.send(errorReply(sent.code as ErrorCode, sent.message, id, detail));
  };

  return async (peer, request) => {
    try {
      if (options.auth) options.auth.gate(peer, request.type);
      else if (!peer.hello && request.type !== RequestType.HELLO) refuse('INVALID_REQUEST', 'the first request must be hello');
      if (ENTERING.has(request.type) && peer.membership) refuse('ALREADY_JOINED', 'this connection is already in a session; leave it first');
      const handler = handlers[request.type] as (context: RequestContext<RequestType>) => Promise<void> | void;
      await handler({
        peer,
        request,
        reply: (result) => peer.send({ type: ReplyType.RESPONSE, id: request.id, request: request.type, result } as ServerMessage),
      });
    } catch (error) {
      if (error instanceof PunchthroughError) {
        replyError(peer, request.id, error.code, error.message, error.detail);
      } else {
        env.logger.error({ err: error, type: request.type }, 'request failed');
        replyError(peer, request.id, 'INVALID_REQUEST', 'the service could not process this request');
      }
      options.auth?.refused(peer, request.type);
    }
  };
}
