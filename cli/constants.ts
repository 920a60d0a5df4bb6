// Defaults of the `punchthrough` command's game peers and demo. Units in the names; the reason
// for each number beside it.

// ---- CLI game peers (`punchthrough host` / `client`).

/** App id of the CLI's host and client, so they meet without a flag; games use their own. */
export const DEFAULT_CLI_APP_ID = 'punchthrough-cli';
/** Game updates the `client` command sends: enough for RTT percentiles, quick to run. */
export const DEFAULT_CLI_UPDATES = 100;
/** Pause between the client's updates, ms: a 50 Hz game tick. */
export const DEFAULT_CLI_UPDATE_INTERVAL_MS = 20;
/** How long the client waits for the last echoes after its last update, ms. */
export const CLI_ECHO_GRACE_MS = 2000;
/** Share of echoed updates the client needs to exit 0. */
export const CLI_MIN_ECHO_RATIO = 0.95;

// ---- `punchthrough demo` (the connection process on the virtual NAT network).

/** The demo cloud's public virtual address (TEST-NET-3, never routed on the real internet). */
export const DEMO_CLOUD_ADDRESS = '203.0.113.10';
/** The demo cloud's second address: its STUN server answers from it too, so discovery names every NAT (RFC 5780). */
export const DEMO_CLOUD_ALT_ADDRESS = '203.0.113.11';
/** App id of the demo's peers. */
export const DEMO_APP_ID = 'punchthrough-demo';
/** One-way latency of each demo peer's access link, ms: a plausible home broadband hop. */
export const DEMO_LINK_LATENCY_MS = 15;
/** Clients the demo starts when --clients is not given. */
export const DEMO_DEFAULT_CLIENTS = 2;

// ---- Operators (`punchthrough cloud --admin-token`, `punchthrough webhooks tail`).

/** Environment variable with the cloud's admin token (kept out of the process list). */
export const ADMIN_TOKEN_ENV = 'PUNCHTHROUGH_ADMIN_TOKEN';
/** How often `webhooks tail` asks the cloud for new delivery attempts, ms. */
export const DEFAULT_TAIL_INTERVAL_MS = 1_000;
