// The egress client's contract: the one way the cloud calls a game's backend (auth providers,
// plugins, webhooks, WebRPC). docs/egress.md says each rule and why.

/** What a call is for: a label on metrics and logs. */
export type EgressPurpose = 'auth' | 'plugin' | 'webhook' | 'rpc';

export interface EgressRequest {
  /** Absolute http(s) URL; checked against the policy at every call (DNS may have changed). */
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Extra headers; the restricted ones (host, content-length, webhook-*, …) are refused. */
  headers?: Readonly<Record<string, string>>;
  /** The body bytes (JSON, as a rule); signed exactly as sent. */
  body?: Uint8Array;
  /** Clock ms after which no byte is read: covers queueing, DNS, connect, TLS, headers and body. */
  deadline: number;
  /** Largest response body read, bytes; beyond it the call fails `tooLarge`. */
  maxResponseBytes: number;
  /** Standard Webhooks signing: `id` is stable across retries of one event; every secret signs. */
  sign?: { id: string; secrets: readonly string[] };
  /** Aborts the call (the requesting peer went away). */
  signal?: AbortSignal;
  purpose: EgressPurpose;
}

export type EgressFailure =
  | 'blocked'
  | 'dns'
  | 'connect'
  | 'tls'
  | 'timeout'
  | 'tooLarge'
  | 'redirect'
  | 'circuitOpen'
  | 'queueFull'
  | 'aborted';

export type EgressResult =
  | { ok: true; status: number; headers: Readonly<Record<string, string>>; body: Uint8Array; ms: number }
  | { ok: false; failure: EgressFailure; detail: string; ms: number };

export interface EgressClient {
  /** Never throws and never rejects: every failure is an `ok: false` result. */
  send(request: EgressRequest): Promise<EgressResult>;
  /** Origins whose circuit breaker is open now (also a metric and a log line). */
  openCircuits(): string[];
  /** Aborts calls in flight and closes kept-alive sockets. Idempotent. */
  close(): Promise<void>;
}

export interface EgressOptions {
  /** CIDRs reachable although private or loopback (an on-prem backend; tests: ['127.0.0.1/32']). Default []. */
  allowedNetworks?: string[];
  /** Allow http: as well as https:. Default false; a warning is logged at start when true. */
  allowInsecureHttp?: boolean;
  /** Extra trusted CA certificates, PEM (an on-prem backend's, a test receiver's self-signed one). */
  ca?: string[];
  /** Requests in flight per origin. Default 64. */
  maxConcurrentPerOrigin?: number;
  /** Requests waiting per origin beyond those; more fail `queueFull`. Default 5,000. */
  maxQueuedPerOrigin?: number;
  /** Consecutive transport failures or 5xx answers of one origin that open its breaker. Default 20. */
  breakerFailures?: number;
  /** How long an open breaker fails calls at once before one probe goes through, ms. Default 10,000. */
  breakerOpenMs?: number;
}
