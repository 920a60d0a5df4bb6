// Custom authentication's configuration (per app, docs/auth.md; seed-systems spec §3.3).

/** One auth provider: Photon's custom authentication URL and its settings. */
export interface AuthProvider {
  type: 'custom';
  /** The provider's URL (Photon's AuthUrl); checked by the egress policy at start and at each call. */
  url: string;
  /** Photon's dashboard key/values: always sent, and they win over the client's keys of the same name. */
  staticParams?: Record<string, string>;
  /** Photon's RejectIfUnavailable: a provider down or slow refuses (AUTH_UNAVAILABLE) instead of letting in anonymously. Default true. */
  rejectIfUnavailable?: boolean;
  /** 'photon': Photon's exact request (GET with the query; POST JSON when the client sends data). 'json': one POSTed JSON object. Default 'photon'. */
  format?: 'photon' | 'json';
  /** Deadline of one provider call, queueing included, ms. Default 5,000 (well inside the SDK's 10 s request timeout). */
  timeoutMs?: number;
  /** Largest provider answer, bytes. Default 16,384. */
  maxResponseBytes?: number;
  /** Standard Webhooks secrets (`whsec_…`); every one signs the request (key rotation). */
  secrets?: string[];
}

/** An app's authentication. */
export interface AuthConfig {
  providers: AuthProvider[];
  /** Hellos without credentials are let in as anonymous users. Default false (Photon's is true; we choose the safe one, docs/auth.md). */
  allowAnonymous?: boolean;
  /** Auth-token lifetime, ms. Default 1 hour. */
  tokenTtlMs?: number;
  /**
   * Keys of the auth token (base64 of 32 bytes each, e.g. `"$env:PUNCHTHROUGH_AUTH_TOKEN_KEY"`):
   * the first seals, every one opens (rotation). Default: one random key per process, so tokens
   * do not outlive a restart.
   */
  tokenKeys?: string[];
  /** Auth attempts per second per client address, and the burst above it. Default 10 / 20. */
  attemptsPerSecond?: number;
  attemptBurst?: number;
}
