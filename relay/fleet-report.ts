// What a relay of a fleet reports about itself every second, and the strict check of a received report.
import { err, ok, parseEndpoint, type Result } from '../core/index.js';
import { RELAY_ID_PATTERN } from './wire/index.js';

/** `normal`: takes new sessions. `draining`: keeps its bindings, takes nothing new, exits when empty. */
export type RelayState = 'normal' | 'draining';

/** The load inputs behind `level`, each a percentage (may exceed 100 when over capacity). */
export interface RelayLoadInputs {
  /** Bindings held, % of the relay's `maxBindings`. */
  bindingsPct: number;
  /** Datagrams received per second, % of the configured capacity. */
  ppsPct: number;
  /** Process CPU time, % of one core (forwarding runs on one thread). */
  cpuPct: number;
}

/** One relay's report (JSON over HTTP, or the value of `pt:relay:<id>` in Redis). */
export interface RelayReport {
  /** Operator-chosen, `[A-Za-z0-9._-]{1,64}`; also names the relay's ticket key. */
  id: string;
  /** Start time of this relay process (epoch ms): a restart under the same id is a new epoch. */
  epoch: number;
  /** Where peers send UDP: `host:port` or `[ipv6]:port`. */
  endpoint: string;
  /** The relay over WebSocket, `ws://` or `wss://`, when it serves one. */
  wsUrl?: string;
  /** Operator-chosen region name, `[A-Za-z0-9._-]{1,64}`. */
  region: string;
  state: RelayState;
  /** Photon-style load level 0..9 (`relay/load-level.ts`); 9 takes no new sessions. */
  level: number;
  inputs: RelayLoadInputs;
  bindings: number;
  sessions: number;
  /** Wall clock of the relay when it built the report (epoch ms). */
  reportedAtMs: number;
}

/** The most bytes a report's JSON may take; a relay's real report is about 300. */
export const MAX_RELAY_REPORT_BYTES = 4096;
/** Highest load level (Photon's FeedbackLevel has ten: 0..9). */
export const MAX_LOAD_LEVEL = 9;
/** A load input above this is nonsense, not load: refused rather than trusted. */
const MAX_INPUT_PCT = 100_000;
/** More bindings or sessions than any relay holds: refused. */
const MAX_COUNT = 100_000_000;
const MAX_ENDPOINT_CHARS = 262;
const MAX_WS_URL_CHARS = 512;
/** Epoch ms before 2000 or after 2^48: not a clock anyone runs. */
const MIN_EPOCH_MS = 946_684_800_000;
const MAX_EPOCH_MS = 2 ** 48 - 1;

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function name(value: unknown): string | undefined {
  return typeof value === 'string' && RELAY_ID_PATTERN.test(value) ? value : undefined;
}

function integer(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

function percent(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_INPUT_PCT ? value : undefined;
}

function endpoint(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_ENDPOINT_CHARS) return undefined;
  const parsed = parseEndpoint(value);
  return parsed && parsed.port > 0 && parsed.address.length > 0 ? value : undefined;
}

function wsUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_WS_URL_CHARS) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'ws:' && url.protocol !== 'wss:') || url.hostname === '' || url.username !== '' || url.password !== '') return undefined;
  return value;
}

/**
 * Checks a report from the network (an HTTP body or a Redis value, already JSON-parsed):
 * every field's type and bounds; unknown fields are ignored, so newer relays can add some.
 * The result is a fresh object holding only the known fields. Never throws.
 */
export function parseRelayReport(value: unknown): Result<RelayReport, string> {
  if (!isObject(value)) return err('a report is a JSON object');
  const id = name(value.id);
  if (id === undefined) return err('id must be 1..64 of [A-Za-z0-9._-]');
  const region = name(value.region);
  if (region === undefined) return err('region must be 1..64 of [A-Za-z0-9._-]');
  const epoch = integer(value.epoch, 0, MAX_EPOCH_MS);
  if (epoch === undefined) return err('epoch must be a non-negative integer');
  const at = endpoint(value.endpoint);
  if (at === undefined) return err('endpoint must be host:port');
  const ws = value.wsUrl === undefined ? undefined : wsUrl(value.wsUrl);
  if (value.wsUrl !== undefined && ws === undefined) return err('wsUrl must be a ws:// or wss:// URL');
  const state = value.state;
  if (state !== 'normal' && state !== 'draining') return err("state must be 'normal' or 'draining'");
  const level = integer(value.level, 0, MAX_LOAD_LEVEL);
  if (level === undefined) return err(`level must be an integer 0..${MAX_LOAD_LEVEL}`);
  if (!isObject(value.inputs)) return err('inputs must be an object');
  const bindingsPct = percent(value.inputs.bindingsPct);
  const ppsPct = percent(value.inputs.ppsPct);
  const cpuPct = percent(value.inputs.cpuPct);
  if (bindingsPct === undefined || ppsPct === undefined || cpuPct === undefined) return err('inputs.bindingsPct, ppsPct and cpuPct must be percentages');
  const bindings = integer(value.bindings, 0, MAX_COUNT);
  const sessions = integer(value.sessions, 0, MAX_COUNT);
  if (bindings === undefined || sessions === undefined) return err('bindings and sessions must be counts');
  const reportedAtMs = integer(value.reportedAtMs, MIN_EPOCH_MS, MAX_EPOCH_MS);
  if (reportedAtMs === undefined) return err('reportedAtMs must be an epoch time in ms');
  return ok({
    id,
    epoch,
    endpoint: at,
    ...(ws === undefined ? {} : { wsUrl: ws }),
    region,
    state,
    level,
    inputs: { bindingsPct, ppsPct, cpuPct },
    bindings,
    sessions,
    reportedAtMs,
  });
}

/** Parses a report's JSON text (at most `MAX_RELAY_REPORT_BYTES`), then checks it. Never throws. */
export function parseRelayReportJson(text: string): Result<RelayReport, string> {
  if (Buffer.byteLength(text) > MAX_RELAY_REPORT_BYTES) return err(`a report is at most ${MAX_RELAY_REPORT_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return err('a report is JSON');
  }
  return parseRelayReport(value);
}

/** Where a relay's report lives in Redis: `SET pt:relay:<id> <report JSON> PX 3000`. */
export function relayReportKey(relayId: string): string {
  return `pt:relay:${relayId}`;
}

/**
 * The shared assignment counter of a relay in Redis: session nodes `INCR` it when they place a
 * session on the relay; the relay reads and deletes it (`GETDEL`) with each report, so it
 * counts the sessions placed since the report the nodes are reading.
 */
export function relayAssignedKey(relayId: string): string {
  return `pt:relay:${relayId}:assigned`;
}

/**
 * The fleet's registry in Redis: a sorted set of relay ids scored by their last report's wall
 * time (`ZADD pt:relays <reportedAtMs> <id>` with every report). Session nodes read it instead
 * of scanning the keyspace, and find a relay that died (its report key expired) and the
 * sessions still on it.
 */
export const RELAY_REGISTRY_KEY = 'pt:relays';
