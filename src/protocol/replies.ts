// Replies (service → peer): the result of each request type, the response and the error message.
import type { ErrorCode, ErrorDetail, JsonValue } from '../../core/index.js';
import type { AuthData } from './requests.js';
import type { ReplyType, RequestType } from './codes.js';
import type { LobbySession, PeerMode, SessionInfo } from './values.js';

/** How a hello's custom authentication ended (docs/auth.md). */
export type AuthStatus = 'ok' | 'continue' | 'anonymous';
export const AUTH_STATUSES: readonly AuthStatus[] = ['ok', 'continue', 'anonymous'];

export interface HelloResult {
  protocolVersion: number;
  /** The service's maximum frame size in bytes; larger frames close the connection. */
  maxFrameBytes: number;
  /** The authenticated (or anonymous) user id; absent for apps without custom authentication. */
  userId?: string;
  nickname?: string;
  /** The provider's Data (ResultCode 0 or 1). */
  authData?: AuthData;
  /** Present it in a later hello's `auth.token` to authenticate again without the provider (reconnects). */
  authToken?: string;
  /** When `authToken` expires (epoch ms). */
  authExpiresAtMs?: number;
  /** `continue`: send AUTHENTICATE with the next step's values; nothing else is allowed until `ok`. */
  authStatus?: AuthStatus;
}

/** Result of create, join, join-random and rejoin. A {@link StartEvent} follows. */
export interface JoinResult {
  session: SessionInfo;
  actor: number;
  peerId: string;
  mode: PeerMode;
  /** True when this request created the session. */
  created: boolean;
  /** Secret for {@link RejoinRequest}; keep it private. */
  rejoinToken: string;
  /** A rejoin that resumed a member still held (within the reconnect grace): nobody was told. */
  resumed?: boolean;
}

/** Result of list. */
export interface ListResult {
  sessions: LobbySession[];
  /** True when more sessions match after this page. */
  more?: boolean;
}

/** Result of a WebRPC: the backend's answer, whatever its ResultCode (the app's business, not an error). */
export interface RpcResult {
  path: string;
  resultCode: number;
  message?: string;
  data?: JsonValue;
}

/** Result of requests that only succeed or fail. */
export type EmptyResult = Record<string, never>;

/** The result type of each request type. */
export interface ResultOf {
  [RequestType.HELLO]: HelloResult;
  [RequestType.CREATE]: JoinResult;
  [RequestType.JOIN]: JoinResult;
  [RequestType.JOIN_RANDOM]: JoinResult;
  [RequestType.REJOIN]: JoinResult;
  [RequestType.LEAVE]: EmptyResult;
  [RequestType.LIST]: ListResult;
  [RequestType.SET_PROPERTIES]: EmptyResult;
  [RequestType.REPORT_ADDRESSES]: EmptyResult;
  [RequestType.CONNECTED]: EmptyResult;
  [RequestType.PATH_REPORT]: EmptyResult;
  [RequestType.KICK]: EmptyResult;
  [RequestType.LOBBY_SUBSCRIBE]: ListResult;
  [RequestType.RESTORE]: JoinResult;
  [RequestType.AUTHENTICATE]: HelloResult;
  [RequestType.RPC]: RpcResult;
}

/** Success reply. `request` repeats the request's type so the result can be validated alone. */
export type ResponseMessage = {
  [T in RequestType]: { type: typeof ReplyType.RESPONSE; id: number; request: T; result: ResultOf[T] };
}[RequestType];

/** Failure reply. `id` is absent only when the request's id could not be read. */
export interface ErrorMessage {
  type: typeof ReplyType.ERROR;
  id?: number;
  /**
   * Stable code from `ErrorCodes` (core/errors.ts). A peer accepts any code of the same shape
   * (`^[A-Z][A-Z0-9_]{1,39}$`): a newer service's code must answer the request, not hang it.
   */
  code: ErrorCode | (string & {});
  /** Human-readable detail. */
  message: string;
  /** Photon's number for the code, when it has one (`PHOTON_CODES`, docs/errors.md). */
  photonCode?: number;
  /** What else the refusal said: the auth provider's ResultCode, a plugin's reason, the hook. */
  detail?: ErrorDetail;
}
