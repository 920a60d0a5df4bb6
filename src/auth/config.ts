// Validation of an app's auth configuration: INVALID_OPTIONS naming the key at fault.
import { PunchthroughError } from '../../core/index.js';
import type { AuthConfig } from './types.js';

/** Checks `value` (from code or a JSON file) as an {@link AuthConfig}; `path` names it in the error (`apps.game.auth`). */
export function validateAuthConfig(value: unknown, path: string): AuthConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PunchthroughError('INVALID_OPTIONS', `${path}: expected an object`);
  }
  const { providers } = value as { providers?: unknown };
  if (!Array.isArray(providers) || providers.length === 0) throw new PunchthroughError('INVALID_OPTIONS', `${path}.providers: expected a non-empty array`);
  return value as AuthConfig;
}
