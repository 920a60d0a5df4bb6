/**
 * Schema validation of decoded frames: unknown values in, typed messages (or a typed
 * {@link ValidationError}) out. The service validates requests; the SDK validates what the
 * service sends. The request table is in request-schemas.ts; the reply and event tables are here.
 */
import { rpcResult } from './rpc-schemas.js';
import {
  PROTOCOL_MAX_LOCAL_ENDPOINTS,
  PROTOCOL_MAX_PEERS,
  PROTOCOL_MAX_PLUGIN_NAME_CHARS,
  PROTOCOL_MAX_PROPERTY_VALUE_CHARS,
  PROTOCOL_MAX_REQUEST_ID,
  PROTOCOL_MAX_TOKEN_BYTES,
} from './constants.js';
import { errorDetail, hookErrorEvent, pluginEvent } from './plugin-event-schema.js';
import { err, ok, type ErrorCode, type Result } from '../../core/index.js';
import {
  EventType,
  NAT_TYPES,
  PEER_LEFT_REASONS,
  PEER_MODES,
  ReplyType,
  RequestType,
  SESSION_CLOSE_REASONS,
  type ErrorMessage,
  type Event,
  type JoinResult,
  type PeerAddressesEvent,
  type PeerInactiveEvent,
  type PeerInfo,
  type PeerJoinedEvent,
  type PeerLeftEvent,
  type PropertiesChangedEvent,
  type RelayGrant,
  type RelayChangedEvent,
  RELAY_CHANGE_REASONS,
  type Request,
  type ResponseMessage,
  type ResultOf,
  type SessionClosedEvent,
  type RelayTicketEvent,
  type SessionInfo,
  type StartEvent,
} from './messages.js';
import { SchemaError, array, boolean, bytes, integer, isPlainObject, literal, object, oneOf, optional, string, type Schema } from './schema.js';
import { actorNumber, duration, keyList, relayWsUrl, requestId, wireEndpoint } from './field-schemas.js';
import { connectionToken, kickedEvent } from './kick-schemas.js';
import { listResult, lobbyUpdateEvent, properties, text } from './lobby-schemas.js';
import { requestSchemas } from './request-schemas.js';
import { helloResult, userIdValue } from './auth-schemas.js';

/** Why a decoded frame is not a valid message. */
export interface ValidationError {
  /** `INVALID_REQUEST` for a bad shape or unknown type. */
  code: ErrorCode;
  message: string;
  /** The frame's `id` when it could be read, so the error can answer the request. */
  id?: number;
}

const peerInfo = object<PeerInfo>({
  actor: actorNumber,
  peerId: text,
  mode: oneOf(PEER_MODES),
  active: boolean,
  natType: optional(oneOf(NAT_TYPES)),
  userId: optional(userIdValue),
});

const sessionInfo = object<SessionInfo>({
  sessionId: text,
  name: text,
  maxPlayers: integer(1, PROTOCOL_MAX_PEERS),
  open: boolean,
  visible: boolean,
  properties,
  lobbyKeys: keyList,
  playerTtlMs: duration,
  emptySessionTtlMs: duration,
  peers: array(peerInfo, PROTOCOL_MAX_PEERS),
  plugin: optional(string(PROTOCOL_MAX_PLUGIN_NAME_CHARS, 1)),
  publishUserId: optional(boolean),
  checkUserOnJoin: optional(boolean),
});

const joinResult = object<JoinResult>({
  session: sessionInfo,
  actor: actorNumber,
  peerId: text,
  mode: oneOf(PEER_MODES),
  created: boolean,
  rejoinToken: text,
  resumed: optional(boolean),
});

const emptyResult = object<Record<string, never>>({});

const resultSchemas: { [T in RequestType]: Schema<ResultOf[T]> } = {
  [RequestType.HELLO]: helloResult,
  [RequestType.AUTHENTICATE]: helloResult,
  [RequestType.CREATE]: joinResult,
  [RequestType.JOIN]: joinResult,
  [RequestType.JOIN_RANDOM]: joinResult,
  [RequestType.REJOIN]: joinResult,
  [RequestType.LEAVE]: emptyResult,
  [RequestType.LIST]: listResult,
  [RequestType.SET_PROPERTIES]: emptyResult,
  [RequestType.REPORT_ADDRESSES]: emptyResult,
  [RequestType.CONNECTED]: emptyResult,
  [RequestType.PATH_REPORT]: emptyResult,
  [RequestType.KICK]: emptyResult,
  [RequestType.LOBBY_SUBSCRIBE]: listResult,
  [RequestType.RESTORE]: joinResult,
  [RequestType.RPC]: rpcResult,
};

const token = bytes(PROTOCOL_MAX_TOKEN_BYTES);
/** Exactly 32 bytes: the SDK derives its packet keys from it (client-sdk/peer/key-schedule.ts). */
const pairSecret: Schema<Uint8Array> = (value) => {
  const secret = token(value);
  if (secret.length !== 32) throw new SchemaError('', 'binary of exactly 32 bytes');
  return secret;
};

const epochMs = integer(0, Number.MAX_SAFE_INTEGER);

const relayGrant = object<RelayGrant>({ endpoint: wireEndpoint, ticket: token, expiresAtMs: epochMs, wsUrl: optional(relayWsUrl) });

const eventSchemas: { [T in EventType]: Schema<Extract<Event, { type: T }>> } = {
  [EventType.START]: object<StartEvent>({
    type: literal(EventType.START),
    session: sessionInfo,
    actor: actorNumber,
    peerId: text,
    mode: oneOf(PEER_MODES),
    stunServers: array(wireEndpoint, PROTOCOL_MAX_LOCAL_ENDPOINTS),
    relay: optional(relayGrant),
  }),
  [EventType.PEER_JOINED]: object<PeerJoinedEvent>({
    type: literal(EventType.PEER_JOINED),
    peer: peerInfo,
    rejoined: boolean,
  }),
  [EventType.PEER_ADDRESSES]: object<PeerAddressesEvent>({
    type: literal(EventType.PEER_ADDRESSES),
    peerId: text,
    actor: actorNumber,
    mode: oneOf(PEER_MODES),
    local: array(wireEndpoint, PROTOCOL_MAX_LOCAL_ENDPOINTS),
    reflexive: optional(wireEndpoint),
    natType: optional(oneOf(NAT_TYPES)),
    pairSecret,
    connectionToken: optional(connectionToken),
  }),
  [EventType.PEER_INACTIVE]: object<PeerInactiveEvent>({
    type: literal(EventType.PEER_INACTIVE),
    peerId: text,
    actor: actorNumber,
    expiresInMs: duration,
  }),
  [EventType.PEER_LEFT]: object<PeerLeftEvent>({
    type: literal(EventType.PEER_LEFT),
    peerId: text,
    actor: actorNumber,
    reason: oneOf(PEER_LEFT_REASONS),
  }),
  [EventType.PROPERTIES_CHANGED]: object<PropertiesChangedEvent>({
    type: literal(EventType.PROPERTIES_CHANGED),
    actor: actorNumber,
    properties,
    lobbyKeys: keyList,
    open: boolean,
    visible: boolean,
  }),
  [EventType.SESSION_CLOSED]: object<SessionClosedEvent>({
    type: literal(EventType.SESSION_CLOSED),
    sessionId: text,
    reason: oneOf(SESSION_CLOSE_REASONS),
  }),
  [EventType.RELAY_TICKET]: object<RelayTicketEvent>({
    type: literal(EventType.RELAY_TICKET),
    ticket: token,
    expiresAtMs: epochMs,
  }),
  [EventType.KICKED]: kickedEvent,
  [EventType.LOBBY_UPDATE]: lobbyUpdateEvent,
  [EventType.PLUGIN_EVENT]: pluginEvent,
  [EventType.HOOK_ERROR]: hookErrorEvent,
  [EventType.RELAY_CHANGED]: object<RelayChangedEvent>({
    type: literal(EventType.RELAY_CHANGED),
    relay: relayGrant,
    reason: oneOf(RELAY_CHANGE_REASONS),
  }),
};

/**
 * Any code of the stable codes' shape, known or not: a newer service's code must settle the
 * request it answers (the SDK turns an unknown one into UNKNOWN_ERROR), never leave it to time out.
 */
const ERROR_CODE_SHAPE = /^[A-Z][A-Z0-9_]{1,39}$/;
const errorCode: Schema<ErrorMessage['code']> = (value) => {
  if (typeof value !== 'string' || !ERROR_CODE_SHAPE.test(value)) throw new SchemaError('', 'an error code (A–Z, 0–9, _; at most 40)');
  return value;
};
const errorMessage = object<ErrorMessage>({
  type: literal(ReplyType.ERROR),
  id: optional(requestId),
  code: errorCode,
  message: string(PROTOCOL_MAX_PROPERTY_VALUE_CHARS),
  photonCode: optional(integer(-32768, 65535)),
  detail: optional(errorDetail),
});

function invalid(message: string, id?: number): Result<never, ValidationError> {
  return err(id === undefined ? { code: 'INVALID_REQUEST', message } : { code: 'INVALID_REQUEST', message, id });
}

function readId(value: Record<string, unknown>): number | undefined {
  const id = value.id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= PROTOCOL_MAX_REQUEST_ID ? id : undefined;
}

function run<T>(schema: Schema<T>, value: unknown, id?: number): Result<T, ValidationError> {
  try {
    return ok(schema(value));
  } catch (error) {
    if (error instanceof SchemaError) return invalid(error.message, id);
    throw error;
  }
}

/**
 * Names a message type for an error text without converting the attacker's value: a number is
 * printed, anything else only by its kind (String() or JSON.stringify() on a hostile value can
 * throw or run for long).
 */
function describeType(type: unknown): string {
  return typeof type === 'number' && Number.isInteger(type) ? String(type) : `of kind ${type === null ? 'nil' : typeof type}`;
}

/** The value's `type` as a table key when it is a small integer, else undefined. */
function typeCode(value: Record<string, unknown>): number | undefined {
  const type = value.type;
  return typeof type === 'number' && Number.isInteger(type) && type >= 0 && type <= 0xff ? type : undefined;
}

/** Validates a decoded frame as a request (service side). */
export function validateRequest(value: unknown): Result<Request, ValidationError> {
  if (!isPlainObject(value)) return invalid('a frame must be a msgpack map');
  const id = readId(value);
  const type = typeCode(value);
  if (type === undefined || !Object.hasOwn(requestSchemas, type)) {
    return invalid(`unknown request type ${describeType(value.type)}`, id);
  }
  return run(requestSchemas[type as RequestType] as Schema<Request>, value, id);
}

/** Validates a decoded frame as a reply or event (SDK side). */
export function validateServerMessage(
  value: unknown,
): Result<ResponseMessage | ErrorMessage | Event, ValidationError> {
  if (!isPlainObject(value)) return invalid('a frame must be a msgpack map');
  const type = typeCode(value);
  if (type === ReplyType.ERROR) return run(errorMessage, value);
  if (type === ReplyType.RESPONSE) {
    const id = readId(value);
    if (id === undefined) return invalid('response without a valid id');
    const request = typeCode({ type: value.request });
    if (request === undefined || !Object.hasOwn(resultSchemas, request)) return invalid('response to an unknown request type', id);
    const result = resultSchemas[request as RequestType];
    return run(
      (v) => {
        try {
          return { type: ReplyType.RESPONSE, id, request, result: result(v) } as ResponseMessage;
        } catch (error) {
          throw error instanceof SchemaError ? error.within('result') : error;
        }
      },
      value.result,
      id,
    );
  }
  if (type !== undefined && Object.hasOwn(eventSchemas, type)) return run(eventSchemas[type as EventType] as Schema<Event>, value);
  return invalid(`unknown message type ${describeType(value.type)}`);
}
