// host.http of a session's plugin: calls to the game's backend through the egress client.
import { PunchthroughError } from '../../core/index.js';
import type { PluginHttp } from './types.js';

/** A service without an egress client: every call fails with EXTERNAL_HTTP_FAILED. */
export const noPluginHttp: PluginHttp = {
  request: () => Promise.reject(new PunchthroughError('EXTERNAL_HTTP_FAILED', 'this service has no egress client for plugin HTTP calls')),
};
