// Validation of an app's webhooks configuration: INVALID_OPTIONS naming the key at fault.
import { PunchthroughError } from '../../core/index.js';
import type { WebhooksConfig } from './types.js';

/** Checks `value` as a {@link WebhooksConfig}; `path` names it in the error (`apps.my-game.webhooks`). */
export function validateWebhooksConfig(value: unknown, path: string): WebhooksConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PunchthroughError('INVALID_OPTIONS', `${path}: expected an object`);
  const { baseUrl, secrets } = value as { baseUrl?: unknown; secrets?: unknown };
  if (typeof baseUrl !== 'string') throw new PunchthroughError('INVALID_OPTIONS', `${path}.baseUrl: expected an http(s) URL`);
  if (!Array.isArray(secrets) || secrets.length === 0 || !secrets.every((secret) => typeof secret === 'string')) {
    throw new PunchthroughError('INVALID_OPTIONS', `${path}.secrets: expected at least one whsec_ secret`);
  }
  return value as WebhooksConfig;
}
