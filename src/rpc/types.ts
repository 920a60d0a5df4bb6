// WebRPC's configuration (per app) and the in-process handler contract (docs/webrpc.md).
import type { JsonValue, Logger } from '../../core/index.js';

/** Who calls and from where, as the cloud attests it. */
export interface RpcContext {
  readonly appId: string;
  readonly appVersion: string;
  /** The authenticated user (custom authentication), or the anonymous id the cloud gave. */
  readonly userId?: string;
  readonly nickname?: string;
  /** The caller's auth cookie: in-process handlers are the operator's code and always get it (the HTTP policy is for backends). */
  readonly authCookie?: JsonValue;
  readonly session?: { readonly id: string; readonly name: string; readonly actor: number };
  /** Aborts when the caller's connection goes away. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** An answer: any resultCode is the app's business; it reaches the client as a success. */
export interface RpcAnswerValue {
  resultCode: number;
  message?: string;
  data?: JsonValue;
}

/** An in-process RPC handler (Nakama's registerRpc): answers without any HTTP. */
export type RpcHandler = (context: RpcContext, params: JsonValue | undefined) => RpcAnswerValue | Promise<RpcAnswerValue>;

export interface RpcHttpConfig {
  /** The backend's base URL; Photon's tags {AppId}, {AppVersion}, {Region} are filled in, URL-encoded. */
  baseUrl: string;
  /** Allowed paths: exact names, or a prefix ending in `/*`. Default: any path the grammar accepts (an allow-list is recommended). */
  methods?: string[];
  /** 'photon': Photon's body (params at the root, AppId … UserId over them). 'native': our envelope. Default 'photon'. */
  format?: 'photon' | 'native';
  /** Standard Webhooks secrets (`whsec_…`): every call is signed with each. */
  secrets: string[];
  /** Whether the auth cookie is sent: never, when the client asks, or always. Default 'never'. */
  sendAuthCookie?: 'never' | 'onRequest' | 'always';
  /** Deadline of one call, ms. Default 5,000 (the SDK waits 10 s). */
  timeoutMs?: number;
  /** Largest answer read, bytes. Default 65,536 (the reply must also fit a signaling frame). */
  maxResponseBytes?: number;
}

export interface RpcConfig {
  /** In-process handlers by path, asked before the session's plugin and before HTTP. */
  handlers?: Record<string, RpcHandler>;
  /** HTTP forwarding to the game's backend; absent: handlers (and plugins) only. */
  http?: RpcHttpConfig;
  /** Calls per second per connection, and the burst. Default 5 / 10. */
  perConnection?: { perSecond: number; burst: number };
  /** Calls in flight, and per second, for the whole app. Default 50 / 500. */
  perApp?: { maxInFlight: number; perSecond: number };
}
