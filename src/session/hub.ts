/**
 * The signaling hub: one per service. It owns the connections, turns requests into session
 * changes (through the store and the pure model) and delivers the resulting events. It knows
 * nothing about fastify or ws: a connection is a {@link PeerSocket}.
 */
import {
  CloseCode,
  EventType,
  PROTOCOL_VERSION,
  ReplyType,
  RequestType,
  createSignalingCodec,
  isDecodeError,
  type CreateOptions,
  type Event,
  type JoinResult,
  type ListResult,
  type LobbySession,
  type PeerMode,
  type Properties,
  type ReportAddressesRequest,
  type Request,
  type ResultOf,
  type ServerMessage,
  type WireEndpoint,
} from '../protocol/index.js';
import { PROTOCOL_MAX_FRAME_BYTES } from '../protocol/index.js';
import { fullBucket, takeTokens, type ErrorCode, type TimerHandle, type TokenBucket } from '../../core/index.js';
import { checkName } from './limits.js';
import type { SessionMetrics } from './metrics.js';
import {
  admit,
  appKeyOf,
  canJoinRandomly,
  close,
  drop,
  expire,
  isListed,
  knownAddressesFor,
  lobbyEntry,
  matchesFilter,
  newSession,
  nextDeadline,
  rejoin,
  remove,
  reportAddresses,
  sessionInfo,
  setProperties,
  type Change,
  type Delivery,
  type Member,
  type MemberAddresses,
  type Outcome,
  type Session,
  type SessionSettings,
} from './model.js';
import type { ResolvedOptions } from './options.js';

/** The transport under one connection (a ws WebSocket in the service). */
export interface PeerSocket {
  send(frame: Uint8Array): void;
  /** Bytes queued for this connection and not yet written to the network. */
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  terminate(): void;
  ping(): void;
}

/** What the transport calls on the hub for one connection. */
export interface PeerConnection {
  onFrame(frame: Uint8Array, isBinary: boolean): void;
  onPong(): void;
  /** The socket closed (for any reason); idempotent. */
  onClose(): void;
}

interface Membership {
  sessionId: string;
  actor: number;
  mode: PeerMode;
}

interface Connection {
  readonly socket: PeerSocket;
  /** The client's address (the TCP peer, or what a trusted proxy says): limits count by it. */
  readonly address: string;
  appKey?: string;
  /** Closes the connection if hello has not arrived in time; cleared by hello. */
  helloTimer?: TimerHandle;
  membership?: Membership;
  sessionsCreated: number;
  bucket: TokenBucket;
  violations: number;
  /** A pong (or any frame) arrived since the last ping. */
  alive: boolean;
  /** A close was already sent (heartbeat timeout or violation); terminate on the next sweep. */
  closing: boolean;
  closed: boolean;
  /** Requests of one connection run one after another, so its membership never races. */
  queue: Promise<void>;
  /** When this connection's last address report that changed its candidates was taken. */
  reportedAt?: number;
}

/** A request failure, thrown inside a handler and turned into one error reply. */
class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const JOIN_RANDOM_CANDIDATES = 8;

/** App ids and versions: a safe character set, so no two (id, version) pairs share a key. */
const APP_ID_PATTERN = /^[A-Za-z0-9._+:-]+$/;
const APP_VERSION_PATTERN = /^[A-Za-z0-9._+:-]*$/;

/** Distinct candidates, reflexive first, at most `max` in all (the rest are dropped). */
function boundedAddresses(
  request: Pick<ReportAddressesRequest, 'local' | 'reflexive' | 'natType'>,
  max: number,
): MemberAddresses {
  const seen = new Set<string>();
  const keep = (endpoint: WireEndpoint): boolean => {
    const key = `${endpoint.address}|${endpoint.port}`;
    if (seen.has(key) || seen.size >= max) return false;
    seen.add(key);
    return true;
  };
  const reflexive = request.reflexive && keep(request.reflexive) ? request.reflexive : undefined;
  const local = request.local.filter(keep);
  return { local, ...(reflexive ? { reflexive } : {}), ...(request.natType ? { natType: request.natType } : {}) };
}

function sameAddresses(a: MemberAddresses, b: MemberAddresses): boolean {
  const key = (m: MemberAddresses): string =>
    [m.reflexive ? `${m.reflexive.address}|${m.reflexive.port}` : '', ...m.local.map((e) => `${e.address}|${e.port}`), m.natType ?? ''].join(',');
  return key(a) === key(b);
}

/** What a refused connection gets: its frames and close are ignored (it is already closing). */
const REFUSED: PeerConnection = { onFrame: () => undefined, onPong: () => undefined, onClose: () => undefined };

export interface SignalingHub {
  /** A new connection from `remoteAddress`; over a connection limit it is closed at once (1013). */
  connect(socket: PeerSocket, remoteAddress: string): PeerConnection;
  /** One lobby page for HTTP `GET /v1/sessions` (the same paging as LIST). */
  list(appId: string, appVersion: string, filter: Properties | undefined, limit: number, offset: number): Promise<ListResult>;
  readonly connectionCount: number;
  /** Tells every peer the service is going away, closes their sockets, stops timers. */
  shutdown(): Promise<void>;
}

export function createSignalingHub(options: ResolvedOptions, metrics: SessionMetrics): SignalingHub {
  const { clock, store, logger } = options;
  const codec = createSignalingCodec({ maxFrameBytes: options.maxFrameBytes });
  const requestRate = { perSecond: options.requestsPerSecond, burst: options.requestBurst };
  const connections = new Set<Connection>();
  const perAddress = new Map<string, number>();
  // sessionId → actor → connection, for the members connected to this instance.
  const bound = new Map<string, Map<number, Connection>>();
  const deadlines = new Map<string, { at: number; timer: TimerHandle }>();
  // sessionId → the address that created it, and live sessions per creating address.
  const creators = new Map<string, string>();
  const sessionsPerAddress = new Map<string, number>();
  let stopped = false;

  const countAddress = (counts: Map<string, number>, address: string, delta: number): void => {
    const next = (counts.get(address) ?? 0) + delta;
    if (next > 0) counts.set(address, next);
    else counts.delete(address);
  };

  /**
   * Every frame to a peer leaves here. A frame larger than any SDK accepts is never sent (the
   * limits make it impossible; this is the net under them), and a peer that stops reading is
   * closed once its queue passes the cap instead of growing the heap.
   */
  const sendFrame = (connection: Connection, frame: Uint8Array): void => {
    if (connection.closed || connection.closing) return;
    if (frame.length > PROTOCOL_MAX_FRAME_BYTES) {
      metrics.framesDropped.inc({ reason: 'outbound_too_large' });
      logger.error({ bytes: frame.length }, 'an outbound frame exceeded the protocol maximum and was not sent');
      return;
    }
    connection.socket.send(frame);
    if (connection.socket.bufferedAmount > options.maxBufferedBytes) {
      metrics.connectionsRefused.inc({ reason: 'send_buffer_full' });
      connection.closing = true;
      connection.socket.close(CloseCode.SEND_BUFFER_FULL, 'the peer is not reading its frames');
      // The close frame waits behind the unread queue: free the memory now.
      connection.socket.terminate();
    }
  };

  const send = (connection: Connection, message: ServerMessage): void => sendFrame(connection, codec.encode(message));

  const reply = <T extends RequestType>(connection: Connection, request: T, id: number, result: ResultOf[T]): void => {
    send(connection, { type: ReplyType.RESPONSE, id, request, result } as ServerMessage);
  };

  const replyError = (connection: Connection, id: number | undefined, code: ErrorCode, message: string): void => {
    metrics.errors.inc({ code });
    send(connection, id === undefined ? { type: ReplyType.ERROR, code, message } : { type: ReplyType.ERROR, id, code, message });
  };

  const deliver = (sessionId: string, deliveries: Delivery[]): void => {
    const members = bound.get(sessionId);
    if (!members) return;
    const encoded = new Map<Event, Uint8Array>();
    for (const { actor, event } of deliveries) {
      const connection = members.get(actor);
      if (!connection || connection.closed) continue;
      let frame = encoded.get(event);
      if (!frame) encoded.set(event, (frame = codec.encode(event)));
      sendFrame(connection, frame);
    }
  };

  const unbindAll = (sessionId: string): void => {
    for (const connection of bound.get(sessionId)?.values() ?? []) connection.membership = undefined;
    bound.delete(sessionId);
    clock.clearTimeout(deadlines.get(sessionId)?.timer);
    deadlines.delete(sessionId);
    const creator = creators.get(sessionId);
    if (creator !== undefined) countAddress(sessionsPerAddress, creator, -1);
    creators.delete(sessionId);
    options.relay?.revoke?.(sessionId);
    metrics.sessions.dec();
  };

  /** After a change: deliver its events, follow the session's fate, re-arm its deadline. */
  const settle = (sessionId: string, change: Change<unknown>): void => {
    deliver(sessionId, change.deliveries);
    if (!change.next) {
      unbindAll(sessionId);
      return;
    }
    schedule(change.next);
  };

  const schedule = (session: Session): void => {
    const at = nextDeadline(session);
    const current = deadlines.get(session.sessionId);
    if (current?.at === at) return;
    clock.clearTimeout(current?.timer);
    deadlines.delete(session.sessionId);
    if (at === undefined || stopped) return;
    const timer = clock.setTimeout(() => {
      deadlines.delete(session.sessionId);
      void applyChange(session.sessionId, (s) => expire(s, clock.now())).catch((error: unknown) => {
        metrics.handlerErrors.inc();
        logger.error({ err: error, sessionId: session.sessionId }, 'session expiry failed');
      });
    }, at - clock.now());
    deadlines.set(session.sessionId, { at, timer });
  };

  /** Members gone from a session in a change: their relay tickets stop working. */
  const revokeDeparted = (before: Session, after: Session | null): void => {
    const revoke = options.relay?.revoke;
    // One change admits or removes, never both: an unchanged count means nobody left.
    if (!revoke || !after || after.members.length === before.members.length) return;
    const remaining = new Set(after.members.map((m) => m.actor));
    for (const member of before.members) {
      if (!remaining.has(member.actor)) revoke(before.sessionId, member.actor);
    }
  };

  /** Runs a pure change on the stored session; undefined when the session no longer exists. */
  const applyChange = async <R>(sessionId: string, change: (s: Session) => Change<R>): Promise<Change<R> | undefined> => {
    let applied: Change<R> | undefined;
    let before: Session | undefined;
    const outcome = await store.update(sessionId, (current) => {
      before = current;
      applied = change(current);
      return { next: applied.next, result: undefined };
    });
    if (!outcome.found || !applied) return undefined;
    if (before) revokeDeparted(before, applied.next);
    settle(sessionId, applied);
    return applied;
  };

  /** Like applyChange for changes that may be refused; a refusal leaves the session as it was. */
  const applyOutcome = async <R>(sessionId: string, attempt: (s: Session) => Outcome<R>): Promise<Outcome<R> | undefined> => {
    let outcome: Outcome<R> | undefined;
    const stored = await store.update(sessionId, (current) => {
      outcome = attempt(current);
      return { next: outcome.ok ? outcome.change.next : current, result: undefined };
    });
    if (!stored.found || !outcome) return undefined;
    if (outcome.ok) settle(sessionId, outcome.change);
    return outcome;
  };

  const bind = (connection: Connection, session: Session, member: Member): void => {
    connection.membership = { sessionId: session.sessionId, actor: member.actor, mode: member.mode };
    connection.reportedAt = undefined;
    let members = bound.get(session.sessionId);
    if (!members) bound.set(session.sessionId, (members = new Map()));
    members.set(member.actor, connection);
  };

  const unbind = (connection: Connection): Membership | undefined => {
    const membership = connection.membership;
    if (!membership) return undefined;
    connection.membership = undefined;
    const members = bound.get(membership.sessionId);
    if (members?.get(membership.actor) === connection) members.delete(membership.actor);
    return membership;
  };

  const token = (bytes: number): string => Buffer.from(options.randomBytes(bytes)).toString('base64url');

  const newMember = (mode: PeerMode) => ({
    mode,
    peerId: token(9),
    rejoinToken: token(18),
    pairSecret: options.randomBytes(32),
  });

  /** Why properties and lobby keys do not fit (the keys' count, both together the byte budget). */
  const propertiesMisfit = (properties: Properties, lobbyKeys: readonly string[]): string | undefined => {
    if (lobbyKeys.length > options.maxLobbyKeys) return `a session may have at most ${options.maxLobbyKeys} lobby keys`;
    if (codec.encode({ properties, lobbyKeys } as never).length > options.maxPropertiesBytes) {
      return `properties and lobby keys exceed ${options.maxPropertiesBytes} bytes`;
    }
    return undefined;
  };

  /** Seed 002 steps 3–6: the reply (ack), then start with STUN and relay settings. */
  const welcome = (
    connection: Connection,
    request: Request,
    session: Session,
    member: Member,
    created: boolean,
    kind: string,
  ): void => {
    bind(connection, session, member);
    metrics.joins.inc({ kind });
    const info = sessionInfo(session);
    const result: JoinResult = {
      session: info,
      actor: member.actor,
      peerId: member.peerId,
      mode: member.mode,
      created,
      rejoinToken: member.rejoinToken,
    };
    reply(connection, request.type as typeof RequestType.JOIN, request.id, result);
    const relay = options.relay;
    const grant = relay ? relay.issueTicket(session.sessionId, member.actor) : undefined;
    send(connection, {
      type: EventType.START,
      session: info,
      actor: member.actor,
      peerId: member.peerId,
      mode: member.mode,
      stunServers: options.stunServers,
      ...(relay && grant ? { relay: { endpoint: relay.endpoint, ...grant } } : {}),
    });
    // Connection steps 1–2 when the other side reported first.
    deliver(session.sessionId, knownAddressesFor(session, member.actor));
  };

  const checkProperties = (properties: Properties | undefined): void => {
    if (properties && codec.encode(properties as never).length > options.maxPropertiesBytes) {
      throw new RequestError('LIMIT_EXCEEDED', `properties exceed ${options.maxPropertiesBytes} bytes`);
    }
  };

  const settingsFrom = (request: CreateOptions): SessionSettings => {
    const bounded = (value: number | undefined, fallback: number, max: number, what: string): number => {
      const chosen = value ?? fallback;
      if (chosen > max) throw new RequestError('LIMIT_EXCEEDED', `${what} ${chosen} exceeds the limit ${max}`);
      return chosen;
    };
    const lobbyKeys = [...new Set(request.lobbyKeys ?? [])];
    const misfit = propertiesMisfit(request.properties ?? {}, lobbyKeys);
    if (misfit) throw new RequestError('LIMIT_EXCEEDED', misfit);
    return {
      maxPlayers: bounded(request.maxPlayers, options.defaultMaxPlayers, options.maxPlayersLimit, 'maxPlayers'),
      open: request.open ?? true,
      visible: request.visible ?? true,
      properties: request.properties ?? {},
      lobbyKeys,
      playerTtlMs: bounded(request.playerTtlMs, options.defaultPlayerTtlMs, options.maxPlayerTtlMs, 'playerTtlMs'),
      emptySessionTtlMs: bounded(
        request.emptySessionTtlMs,
        options.defaultEmptySessionTtlMs,
        options.maxEmptySessionTtlMs,
        'emptySessionTtlMs',
      ),
    };
  };

  const validName = (name: string): string => {
    const problem = checkName(name, options.maxNameChars, options.namePattern);
    if (problem) throw new RequestError('INVALID_REQUEST', problem);
    return name;
  };

  /** Seed 002 creation steps 2–5: create the session with its properties, enter as server. */
  const create = async (
    connection: Connection,
    request: Extract<Request, { type: 2 | 3 }>,
    name: string | undefined,
    appKey: string,
  ): Promise<boolean> => {
    if (connection.sessionsCreated >= options.maxSessionsPerConnection) {
      throw new RequestError('LIMIT_EXCEEDED', `a connection may create at most ${options.maxSessionsPerConnection} sessions`);
    }
    if (creators.size >= options.maxSessions) {
      throw new RequestError('LIMIT_EXCEEDED', `the service holds its maximum of ${options.maxSessions} sessions`);
    }
    if ((sessionsPerAddress.get(connection.address) ?? 0) >= options.maxSessionsPerAddress) {
      throw new RequestError('LIMIT_EXCEEDED', `at most ${options.maxSessionsPerAddress} live sessions may be created from one address`);
    }
    const settings = settingsFrom(request);
    const sessionId = token(12);
    const now = clock.now();
    const admitted = admit(newSession(sessionId, appKey, name ?? sessionId, settings, now), newMember('server'), now);
    if (!admitted.ok) throw new RequestError(admitted.code, admitted.message);
    const session = admitted.change.next!;
    if (!(await store.insert(session))) return false;
    connection.sessionsCreated += 1;
    creators.set(sessionId, connection.address);
    countAddress(sessionsPerAddress, connection.address, 1);
    metrics.sessions.inc();
    welcome(connection, request, session, admitted.change.result, true, 'create');
    schedule(session);
    return true;
  };

  /** Seed 002 joining steps 2–5: enter an existing session as a client. */
  const join = async (connection: Connection, request: Request, sessionId: string, kind: string): Promise<Outcome<Member> | undefined> => {
    const outcome = await applyOutcome(sessionId, (s) => admit(s, newMember('client'), clock.now()));
    if (outcome?.ok) welcome(connection, request, outcome.change.next!, outcome.change.result, false, kind);
    return outcome;
  };

  const throwIfRefused = (outcome: Outcome<unknown> | undefined, notFound: string): void => {
    if (!outcome) throw new RequestError('SESSION_NOT_FOUND', notFound);
    if (!outcome.ok) throw new RequestError(outcome.code, outcome.message);
  };

  const handlers: { [T in RequestType]: (connection: Connection, request: Extract<Request, { type: T }>, appKey: string) => Promise<void> } = {
    [RequestType.HELLO]: async () => {
      throw new RequestError('INVALID_REQUEST', 'hello was already sent on this connection');
    },
    [RequestType.CREATE]: async (connection, request, appKey) => {
      const name = request.name === undefined ? undefined : validName(request.name);
      if (!(await create(connection, request, name, appKey))) {
        throw new RequestError('SESSION_EXISTS', `a session named "${name}" already exists`);
      }
    },
    [RequestType.JOIN]: async (connection, request, appKey) => {
      const name = validName(request.name);
      for (let attempt = 0; attempt < 2; attempt++) {
        const existing = await store.findByName(appKey, name);
        if (existing) {
          const outcome = await join(connection, request, existing.sessionId, 'join');
          if (outcome) return throwIfRefused(outcome, '');
        } else if (request.createIfNotExists) {
          if (await create(connection, request, name, appKey)) return;
        } else {
          break;
        }
      }
      throw new RequestError('SESSION_NOT_FOUND', `no session named "${name}"`);
    },
    [RequestType.JOIN_RANDOM]: async (connection, request, appKey) => {
      checkProperties(request.filter);
      const candidates = await store.find(appKey, (s) => canJoinRandomly(s, request.filter), JOIN_RANDOM_CANDIDATES);
      for (const candidate of candidates) {
        if ((await join(connection, request, candidate.sessionId, 'random'))?.ok) return;
      }
      throw new RequestError('NO_MATCH', 'no open, visible session matches the filter');
    },
    [RequestType.REJOIN]: async (connection, request, appKey) => {
      const session = await store.get(request.sessionId);
      if (session?.appKey !== appKey) throw new RequestError('SESSION_NOT_FOUND', 'no such session for this app');
      const outcome = await applyOutcome(request.sessionId, (s) =>
        rejoin(s, request.actor, request.rejoinToken, options.randomBytes(32), clock.now()),
      );
      throwIfRefused(outcome, 'the session closed');
      if (outcome?.ok) welcome(connection, request, outcome.change.next!, outcome.change.result, false, 'rejoin');
    },
    [RequestType.LEAVE]: async (connection, request) => {
      const membership = unbind(connection);
      if (!membership) throw new RequestError('NOT_IN_SESSION', 'not in a session');
      await applyChange(membership.sessionId, (s) => remove(s, membership.actor, 'left', clock.now()));
      reply(connection, RequestType.LEAVE, request.id, {});
    },
    [RequestType.LIST]: async (connection, request, appKey) => {
      reply(connection, RequestType.LIST, request.id, await listPage(appKey, request.filter, request.limit, request.offset));
    },
    [RequestType.SET_PROPERTIES]: async (connection, request) => {
      const membership = requireMembership(connection);
      if (membership.mode !== 'server') {
        throw new RequestError('NOT_ALLOWED', "only the session's server may change its properties, open or visible");
      }
      checkProperties(request.properties);
      const outcome = await applyOutcome(membership.sessionId, (s) => {
        const result = setProperties(s, membership.actor, request);
        if (!result.ok) return result;
        const misfit = propertiesMisfit(result.change.next!.properties, result.change.next!.lobbyKeys);
        return misfit ? { ok: false, code: 'LIMIT_EXCEEDED', message: misfit } : result;
      });
      throwIfRefused(outcome, 'the session closed');
      reply(connection, RequestType.SET_PROPERTIES, request.id, {});
    },
    [RequestType.REPORT_ADDRESSES]: async (connection, request) => {
      const membership = requireMembership(connection);
      const addresses = boundedAddresses(request, options.maxCandidates);
      const now = clock.now();
      const session = await store.get(membership.sessionId);
      const current = session?.members.find((m) => m.actor === membership.actor)?.addresses;
      if (current && sameAddresses(current, addresses)) {
        // A repeat changes nothing: no new events, so no new pings at the counterparts.
        reply(connection, RequestType.REPORT_ADDRESSES, request.id, {});
        return;
      }
      if (connection.reportedAt !== undefined && now - connection.reportedAt < options.minReportIntervalMs) {
        throw new RequestError('RATE_LIMITED', `addresses may change at most once every ${options.minReportIntervalMs} ms`);
      }
      connection.reportedAt = now;
      metrics.natTypes.inc({ nat_type: request.natType ?? 'unreported' });
      reply(connection, RequestType.REPORT_ADDRESSES, request.id, {});
      // Seed 002 step 11, then connection steps 1–2 inside reportAddresses.
      await applyChange(membership.sessionId, (s) => reportAddresses(s, membership.actor, addresses));
    },
    [RequestType.CONNECTED]: async (connection, request) => {
      requireMembership(connection);
      metrics.connectMs.observe({ path: request.path }, request.ms);
      reply(connection, RequestType.CONNECTED, request.id, {});
    },
  };

  /** One page of the lobby: at most `limit` entries and the byte budget, from `offset` on. */
  const listPage = async (
    appKey: string,
    filter: Properties | undefined,
    limit: number | undefined,
    offset: number | undefined,
  ): Promise<ListResult> => {
    const count = Math.min(limit ?? options.maxListSessions, options.maxListSessions);
    const skip = offset ?? 0;
    // One more than the page, to tell whether another page follows.
    const found = await store.find(appKey, (s) => isListed(s) && matchesFilter(s, filter), skip + count + 1);
    const sessions: LobbySession[] = [];
    let bytes = 0;
    for (const session of found.slice(skip, skip + count)) {
      const entry = lobbyEntry(session);
      bytes += codec.encode(entry as never).length;
      if (bytes > options.maxListBytes && sessions.length > 0) break;
      sessions.push(entry);
    }
    return sessions.length < found.length - skip ? { sessions, more: true } : { sessions };
  };

  const requireMembership = (connection: Connection): Membership => {
    if (!connection.membership) throw new RequestError('NOT_IN_SESSION', 'not in a session');
    return connection.membership;
  };

  const enteringRequests = new Set<RequestType>([RequestType.CREATE, RequestType.JOIN, RequestType.JOIN_RANDOM, RequestType.REJOIN]);

  const handle = async (connection: Connection, request: Request): Promise<void> => {
    try {
      if (request.type === RequestType.HELLO && connection.appKey === undefined) {
        if (request.protocolVersion !== PROTOCOL_VERSION) {
          throw new RequestError('UNSUPPORTED_VERSION', `protocol version ${request.protocolVersion} is not supported; this service speaks ${PROTOCOL_VERSION}`);
        }
        if (!APP_ID_PATTERN.test(request.appId) || !APP_VERSION_PATTERN.test(request.appVersion)) {
          throw new RequestError('INVALID_REQUEST', 'app ids and versions may hold only letters, digits and . _ - + :');
        }
        connection.appKey = appKeyOf(request.appId, request.appVersion);
        clock.clearTimeout(connection.helloTimer);
        reply(connection, RequestType.HELLO, request.id, { protocolVersion: PROTOCOL_VERSION, maxFrameBytes: options.maxFrameBytes });
        return;
      }
      if (connection.appKey === undefined) throw new RequestError('INVALID_REQUEST', 'the first request must be hello');
      if (enteringRequests.has(request.type) && connection.membership) {
        throw new RequestError('ALREADY_JOINED', 'this connection is already in a session; leave it first');
      }
      const handler = handlers[request.type] as (c: Connection, r: Request, appKey: string) => Promise<void>;
      await handler(connection, request, connection.appKey);
    } catch (error) {
      if (error instanceof RequestError) {
        replyError(connection, request.id, error.code, error.message);
      } else {
        logger.error({ err: error, type: request.type }, 'request failed');
        replyError(connection, request.id, 'INVALID_REQUEST', 'the service could not process this request');
      }
    }
    // A socket that closed while its join was in flight: treat the fresh membership as a drop.
    if (connection.closed && connection.membership) await dropConnection(connection);
  };

  const violate = (connection: Connection): void => {
    connection.violations += 1;
    if (connection.violations > options.maxViolations && !connection.closing) {
      connection.closing = true;
      connection.socket.close(CloseCode.PROTOCOL_VIOLATION, 'too many bad requests');
    }
  };

  const dropConnection = async (connection: Connection): Promise<void> => {
    const membership = unbind(connection);
    if (membership) await applyChange(membership.sessionId, (s) => drop(s, membership.actor, clock.now()));
  };

  const onFrame = (connection: Connection, frame: Uint8Array, isBinary: boolean): void => {
    if (connection.closed || connection.closing) return;
    connection.alive = true;
    if (!isBinary) {
      metrics.framesDropped.inc({ reason: 'text' });
      connection.closing = true;
      connection.socket.close(CloseCode.MALFORMED_FRAME, 'frames must be binary msgpack');
      return;
    }
    if (connection.appKey === undefined && frame.length > options.maxHelloFrameBytes) {
      metrics.framesDropped.inc({ reason: 'too_large' });
      connection.closing = true;
      connection.socket.close(CloseCode.FRAME_TOO_LARGE, `frames before hello are limited to ${options.maxHelloFrameBytes} bytes`);
      return;
    }
    // The rate limit comes before decoding, so a flood costs a token check per frame, not a decode.
    if (!takeTokens(connection.bucket, requestRate, clock.now())) {
      metrics.framesDropped.inc({ reason: 'rate_limited' });
      replyError(connection, undefined, 'RATE_LIMITED', `more than ${options.requestsPerSecond} requests per second`);
      violate(connection);
      return;
    }
    const decoded = codec.decodeRequest(frame);
    const failure = decoded.ok ? undefined : decoded.error;
    if (failure && isDecodeError(failure)) {
      const tooLarge = failure.kind === 'frameTooLarge';
      metrics.framesDropped.inc({ reason: tooLarge ? 'too_large' : 'malformed' });
      connection.closing = true;
      connection.socket.close(tooLarge ? CloseCode.FRAME_TOO_LARGE : CloseCode.MALFORMED_FRAME, failure.message);
      return;
    }
    const id = decoded.ok ? decoded.value.id : failure?.id;
    if (failure) {
      metrics.framesDropped.inc({ reason: 'invalid' });
      replyError(connection, id, failure.code, failure.message);
      violate(connection);
      return;
    }
    if (!decoded.ok) return;
    const request = decoded.value;
    enqueue(connection, () => handle(connection, request));
  };

  /**
   * Runs a connection's tasks in order. A task that fails outside its request's own error
   * handling (a store fault) is logged and counted and closes that one connection; it never
   * becomes an unhandled rejection, which would end the process.
   */
  const enqueue = (connection: Connection, task: () => Promise<void>): void => {
    connection.queue = connection.queue.then(task).catch((error: unknown) => {
      metrics.handlerErrors.inc();
      logger.error({ err: error }, 'a signaling task failed; closing its connection');
      if (!connection.closed) connection.socket.terminate();
    });
  };

  const heartbeat = clock.setInterval(() => {
    for (const connection of connections) {
      if (connection.closed) continue;
      if (connection.alive) {
        connection.alive = false;
        connection.socket.ping();
      } else if (connection.closing) {
        connection.socket.terminate();
      } else {
        connection.closing = true;
        connection.socket.close(CloseCode.HEARTBEAT_TIMEOUT, 'no pong within the heartbeat timeout');
        // Without a pong the close handshake will not finish either: drop it now.
        enqueue(connection, () => dropConnection(connection));
      }
    }
  }, options.heartbeatIntervalMs);

  return {
    connect(socket, remoteAddress) {
      const fromAddress = perAddress.get(remoteAddress) ?? 0;
      const refusal =
        connections.size >= options.maxConnections
          ? 'too_many_connections'
          : fromAddress >= options.maxConnectionsPerAddress
            ? 'too_many_from_address'
            : undefined;
      if (refusal) {
        metrics.connectionsRefused.inc({ reason: refusal });
        socket.close(CloseCode.TRY_AGAIN_LATER, refusal === 'too_many_connections' ? 'the service is full' : 'too many connections from this address');
        return REFUSED;
      }
      perAddress.set(remoteAddress, fromAddress + 1);
      const connection: Connection = {
        socket,
        address: remoteAddress,
        sessionsCreated: 0,
        bucket: fullBucket(requestRate, clock.now()),
        violations: 0,
        alive: true,
        closing: false,
        closed: false,
        queue: Promise.resolve(),
      };
      connection.helloTimer = clock.setTimeout(() => {
        if (connection.appKey !== undefined || connection.closing || connection.closed) return;
        metrics.connectionsRefused.inc({ reason: 'hello_timeout' });
        connection.closing = true;
        socket.close(CloseCode.HELLO_TIMEOUT, `no hello within ${options.helloTimeoutMs} ms`);
      }, options.helloTimeoutMs);
      connections.add(connection);
      metrics.connectedPeers.inc();
      return {
        onFrame: (frame, isBinary) => onFrame(connection, frame, isBinary),
        onPong: () => {
          connection.alive = true;
        },
        onClose: () => {
          if (connection.closed) return;
          connection.closed = true;
          clock.clearTimeout(connection.helloTimer);
          connections.delete(connection);
          const left = (perAddress.get(remoteAddress) ?? 1) - 1;
          if (left > 0) perAddress.set(remoteAddress, left);
          else perAddress.delete(remoteAddress);
          metrics.connectedPeers.dec();
          enqueue(connection, () => dropConnection(connection));
        },
      };
    },
    list(appId, appVersion, filter, limit, offset) {
      return listPage(appKeyOf(appId, appVersion), filter, limit, offset);
    },
    get connectionCount() {
      return connections.size;
    },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      clock.clearInterval(heartbeat);
      for (const { timer } of deadlines.values()) clock.clearTimeout(timer);
      deadlines.clear();
      for (const sessionId of [...bound.keys()]) {
        const session = await store.get(sessionId);
        if (session) deliver(sessionId, close(session, 'shutdown').deliveries);
      }
      for (const connection of connections) {
        clock.clearTimeout(connection.helloTimer);
        connection.closing = true;
        connection.socket.close(CloseCode.GOING_AWAY, 'the session service is shutting down');
      }
    },
  };
}
