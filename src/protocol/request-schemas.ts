// The request table: one schema per request type the service accepts (validateRequest in
// validate.ts looks a frame's type up in it), with the helpers only requests use.
import {
  PROTOCOL_MAX_FEATURES,
  PROTOCOL_MAX_DURATION_MS,
  PROTOCOL_MAX_LIST_OFFSET,
  PROTOCOL_MAX_LIST_SESSIONS,
  PROTOCOL_MAX_LOCAL_ENDPOINTS,
  PROTOCOL_MAX_PEERS,
  PROTOCOL_MAX_PLUGIN_NAME_CHARS,
  PROTOCOL_MAX_STRING_CHARS,
  PROTOCOL_MAX_TOKEN_BYTES,
  PROTOCOL_RESTORED_ID_CHARS,
} from './constants.js';
import {
  CONNECT_PATHS,
  NAT_AXIS_VALUES,
  NAT_TYPES,
  PATH_CHANGE_REASONS,
  RequestType,
  type ConnectedRequest,
  type PathReportRequest,
  type CreateRequest,
  type HelloRequest,
  type JoinRandomRequest,
  type JoinRequest,
  type LeaveRequest,
  type ListRequest,
  type RejoinRequest,
  type RestoreRequest,
  type RestoredClient,
  type ReportAddressesRequest,
  type Request,
  type SetPropertiesRequest,
} from './messages.js';
import { SchemaError, array, boolean, bytes, finiteNumber, integer, literal, object, oneOf, optional, string, type Schema } from './schema.js';
import { actorNumber, duration, keyList, requestId, wireEndpoint } from './field-schemas.js';
import { connectionToken, kickRequest } from './kick-schemas.js';
import { lobbySubscribeRequest, properties, text } from './lobby-schemas.js';
import { authenticateRequest, helloAuthField } from './auth-schemas.js';
import { rpcRequest } from './rpc-schemas.js';

/** A feature's name: lower-case words joined by '-' (unknown ones are kept and ignored). */
const featureName: Schema<string> = (value) => {
  const name = string(32, 1)(value);
  if (!/^[a-z0-9-]+$/.test(name)) throw new SchemaError('', 'a feature name (a-z, 0-9, -)');
  return name;
};

/** Exactly 32 bytes: a restore token, or its SHA-256 (docs/protocols.md, "Cloud loss and rejoin"). */
const sha256Bytes: Schema<Uint8Array> = (value) => {
  const secret = bytes(PROTOCOL_MAX_TOKEN_BYTES)(value);
  if (secret.length !== 32) throw new SchemaError('', 'binary of exactly 32 bytes');
  return secret;
};
/** Ids the cloud made (session and peer ids, base64url): a restore hands them back as they were. */
const restoredId: Schema<string> = (value) => {
  const id = string(PROTOCOL_RESTORED_ID_CHARS, 1)(value);
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new SchemaError('', 'a base64url id');
  return id;
};

const createOptions = {
  maxPlayers: optional(integer(1, PROTOCOL_MAX_PEERS)),
  open: optional(boolean),
  visible: optional(boolean),
  properties: optional(properties),
  lobbyKeys: optional(keyList),
  playerTtlMs: optional(duration),
  emptySessionTtlMs: optional(duration),
  publishUserId: optional(boolean),
  checkUserOnJoin: optional(boolean),
  plugin: optional(string(PROTOCOL_MAX_PLUGIN_NAME_CHARS, 1)),
};

export const requestSchemas: { [T in RequestType]: Schema<Extract<Request, { type: T }>> } = {
  [RequestType.HELLO]: object<HelloRequest>({
    type: literal(RequestType.HELLO),
    id: requestId,
    appId: string(PROTOCOL_MAX_STRING_CHARS, 1),
    appVersion: text,
    protocolVersion: integer(0, 0xffff),
    auth: optional(helloAuthField),
    features: optional(array(featureName, PROTOCOL_MAX_FEATURES)),
  }),
  [RequestType.CREATE]: object<CreateRequest>({
    type: literal(RequestType.CREATE),
    id: requestId,
    name: optional(text),
    ...createOptions,
  }),
  [RequestType.JOIN]: object<JoinRequest>({
    type: literal(RequestType.JOIN),
    id: requestId,
    name: text,
    createIfNotExists: optional(boolean),
    connectionToken: optional(connectionToken),
    ...createOptions,
  }),
  [RequestType.JOIN_RANDOM]: object<JoinRandomRequest>({
    type: literal(RequestType.JOIN_RANDOM),
    id: requestId,
    filter: optional(properties),
    connectionToken: optional(connectionToken),
    create: optional(object<NonNullable<JoinRandomRequest['create']>>({ name: optional(text), ...createOptions })),
  }),
  [RequestType.REJOIN]: object<RejoinRequest>({
    type: literal(RequestType.REJOIN),
    id: requestId,
    sessionId: text,
    actor: actorNumber,
    rejoinToken: text,
    restoreToken: optional(sha256Bytes),
    sessionName: optional(text),
  }),
  [RequestType.LEAVE]: object<LeaveRequest>({ type: literal(RequestType.LEAVE), id: requestId }),
  [RequestType.LIST]: object<ListRequest>({
    type: literal(RequestType.LIST),
    id: requestId,
    filter: optional(properties),
    limit: optional(integer(1, PROTOCOL_MAX_LIST_SESSIONS)),
    offset: optional(integer(0, PROTOCOL_MAX_LIST_OFFSET)),
  }),
  [RequestType.SET_PROPERTIES]: object<SetPropertiesRequest>({
    type: literal(RequestType.SET_PROPERTIES),
    id: requestId,
    properties: optional(properties),
    expected: optional(properties),
    lobbyKeys: optional(keyList),
    open: optional(boolean),
    visible: optional(boolean),
    forward: optional(boolean),
  }),
  [RequestType.REPORT_ADDRESSES]: object<ReportAddressesRequest>({
    type: literal(RequestType.REPORT_ADDRESSES),
    id: requestId,
    local: array(wireEndpoint, PROTOCOL_MAX_LOCAL_ENDPOINTS),
    reflexive: optional(wireEndpoint),
    natType: optional(oneOf(NAT_TYPES)),
    natMapping: optional(oneOf(NAT_AXIS_VALUES)),
    natFiltering: optional(oneOf(NAT_AXIS_VALUES)),
  }),
  [RequestType.CONNECTED]: object<ConnectedRequest>({
    type: literal(RequestType.CONNECTED),
    id: requestId,
    peerId: text,
    path: oneOf(CONNECT_PATHS),
    ms: finiteNumber(0, PROTOCOL_MAX_DURATION_MS),
    rttMs: optional(finiteNumber(0, PROTOCOL_MAX_DURATION_MS)),
  }),
  [RequestType.PATH_REPORT]: object<PathReportRequest>({
    type: literal(RequestType.PATH_REPORT),
    id: requestId,
    peerId: text,
    path: oneOf(CONNECT_PATHS),
    reason: oneOf(PATH_CHANGE_REASONS),
    rttMs: optional(finiteNumber(0, PROTOCOL_MAX_DURATION_MS)),
  }),
  [RequestType.KICK]: kickRequest,
  [RequestType.AUTHENTICATE]: authenticateRequest,
  [RequestType.LOBBY_SUBSCRIBE]: lobbySubscribeRequest,
  [RequestType.RPC]: rpcRequest,
  [RequestType.RESTORE]: object<RestoreRequest>({
    type: literal(RequestType.RESTORE),
    id: requestId,
    sessionId: restoredId,
    name: text,
    peerId: restoredId,
    clients: array(
      object<RestoredClient>({ actor: actorNumber, peerId: restoredId, proof: sha256Bytes }),
      PROTOCOL_MAX_PEERS,
    ),
    ...createOptions,
  }),
};
