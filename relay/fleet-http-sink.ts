// The HTTP report sink: POST <cloud>/v1/relays/report with the relay registration token, tolerant of whatever answers.
import { FLEET_REPORT_TIMEOUT_MS } from './constants.js';
import type { RelayReportSink } from './fleet-reporter.js';

/** The registry's path on the cloud's HTTP port. */
export const RELAY_REPORT_PATH = '/v1/relays/report';
/** Bytes of an answer read at most: `{ "assigned": n }` is tiny; anything longer is not read. */
const MAX_ANSWER_BYTES = 4096;

export interface HttpReportSinkOptions {
  /** The cloud's base URL (`http://host:port` or `https://…`); the report path is appended. */
  url: string;
  /** The relay registration token (the cloud's `relayRegistrationToken`). */
  token: string;
  /** Default `FLEET_REPORT_TIMEOUT_MS`. */
  timeoutMs?: number;
}

/** The report URL for a cloud base URL (a trailing slash or a path prefix is kept). */
export function relayReportUrl(base: string): string {
  const url = new URL(base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the registry URL must be http(s): ${base}`);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${RELAY_REPORT_PATH}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/**
 * Reports over HTTP. A 2xx is delivered (its JSON `assigned`, when a count, is passed on; any
 * other body is ignored); anything else, a network error or no answer in `timeoutMs` rejects.
 */
export function createHttpReportSink(options: HttpReportSinkOptions): RelayReportSink {
  const target = relayReportUrl(options.url);
  const timeoutMs = options.timeoutMs ?? FLEET_REPORT_TIMEOUT_MS;
  return {
    async send(_report, json) {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: json,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      const text = await readBounded(response);
      if (!response.ok) throw new Error(`registry answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
      return assignedFrom(text);
    },
  };
}

async function readBounded(response: Response): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_ANSWER_BYTES) {
    await response.body?.cancel();
    return '';
  }
  try {
    const text = await response.text();
    return text.length > MAX_ANSWER_BYTES ? '' : text;
  } catch {
    return '';
  }
}

function assignedFrom(text: string): { assigned?: number } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'assigned' in value) {
      const assigned = (value as { assigned: unknown }).assigned;
      if (typeof assigned === 'number' && Number.isSafeInteger(assigned) && assigned >= 0) return { assigned };
    }
  } catch {
    // Any answer is tolerated: a 2xx means the report was taken.
  }
  return {};
}
