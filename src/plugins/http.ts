// host.http of a session's plugin: calls to the game's backend through the egress client (its
// address policy, deadlines and size caps; purpose 'plugin'), at most a few in flight per session.
import { PunchthroughError, parseBoundedJson, type Clock, type JsonValue } from '../../core/index.js';
import type { EgressClient } from '../egress/index.js';
import { PLUGIN_HTTP_CONCURRENCY, PLUGIN_HTTP_MAX_MS, PLUGIN_HTTP_MAX_RESPONSE_BYTES } from './constants.js';
import type { PluginHttp, PluginHttpRequest, PluginHttpResponse } from './types.js';

/** A service without an egress client: every call fails with EXTERNAL_HTTP_FAILED. */
export const noPluginHttp: PluginHttp = {
  request: () => Promise.reject(new PunchthroughError('EXTERNAL_HTTP_FAILED', 'this service has no egress client for plugin HTTP calls')),
};

/** What the HTTP client of one session's plugin counts and stops with. */
export interface HttpSlot {
  httpInFlight: number;
  /** Aborts the session's calls in flight when it closes. */
  readonly signal: AbortSignal;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);

const invalid = (message: string): never => {
  throw new PunchthroughError('INVALID_REQUEST', message);
};

export function pluginHttp(egress: EgressClient, clock: Clock, slot: HttpSlot): PluginHttp {
  return {
    async request(request: PluginHttpRequest): Promise<PluginHttpResponse> {
      if (typeof request !== 'object' || request === null || typeof request.url !== 'string') invalid('a plugin HTTP call needs a url');
      const method = request.method ?? (request.json === undefined ? 'GET' : 'POST');
      if (!METHODS.has(method)) invalid(`a plugin HTTP call's method is one of ${[...METHODS].join(', ')}`);
      const headers = request.headers ?? {};
      if (typeof headers !== 'object' || Object.values(headers).some((v) => typeof v !== 'string')) invalid('plugin HTTP headers are strings');
      const timeoutMs = Math.min(typeof request.timeoutMs === 'number' && request.timeoutMs > 0 ? request.timeoutMs : PLUGIN_HTTP_MAX_MS, PLUGIN_HTTP_MAX_MS);
      if (slot.signal.aborted) throw new PunchthroughError('SESSION_NOT_FOUND', 'the session closed');
      if (slot.httpInFlight >= PLUGIN_HTTP_CONCURRENCY) {
        throw new PunchthroughError('HTTP_LIMIT_REACHED', `a session's plugin may have at most ${PLUGIN_HTTP_CONCURRENCY} HTTP calls in flight`);
      }
      const body = request.json === undefined ? undefined : new TextEncoder().encode(JSON.stringify(request.json));
      slot.httpInFlight += 1;
      try {
        const result = await egress.send({
          url: request.url,
          method,
          headers,
          ...(body ? { body } : {}),
          deadline: clock.now() + timeoutMs,
          maxResponseBytes: PLUGIN_HTTP_MAX_RESPONSE_BYTES,
          signal: slot.signal,
          purpose: 'plugin',
        });
        if (!result.ok) throw new PunchthroughError('EXTERNAL_HTTP_FAILED', `the plugin's HTTP call failed (${result.failure}): ${result.detail}`);
        const bytes = result.body;
        return {
          status: result.status,
          text: () => new TextDecoder().decode(bytes),
          json: (): JsonValue | undefined => parseBoundedJson(bytes, PLUGIN_HTTP_MAX_RESPONSE_BYTES),
        };
      } finally {
        slot.httpInFlight -= 1;
      }
    },
  };
}
