// The relay ticket secret's environment variable, and the length check of a secret from a flag or it.
import { Buffer } from 'node:buffer';
import { relayDefaults } from '../relay/index.js';
import { UsageError } from './io.js';

/** Where the cloud and standalone relays read a shared ticket secret (kept out of `ps`). */
export const RELAY_SECRET_ENV = 'PUNCHTHROUGH_RELAY_SECRET';

/** A secret given as `source` (a flag or the env var), or undefined; too short is a usage error. */
export function checkedRelaySecret(secret: string | undefined, source: string): string | undefined {
  if (secret !== undefined && Buffer.byteLength(secret) < relayDefaults.MIN_TICKET_SECRET_BYTES) {
    throw new UsageError(`${source} must be at least ${relayDefaults.MIN_TICKET_SECRET_BYTES} bytes`);
  }
  return secret;
}
