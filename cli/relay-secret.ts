// The relay ticket secret's, key's and registration token's environment variables, and their checks.
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

/** Where a relay of a fleet reads its own ticket key (hex, from `punchthrough relay-key`). */
export const RELAY_KEY_ENV = 'PUNCHTHROUGH_RELAY_KEY';

/** Where relays and the cloud read the relay registration token (Bearer token of POST /v1/relays/report). */
export const RELAY_TOKEN_ENV = 'PUNCHTHROUGH_RELAY_TOKEN';

/** A relay key as hex (surrounding whitespace ignored), or undefined when it is not one. */
export function parseRelayKey(text: string): Uint8Array | undefined {
  const hex = text.trim();
  if (!/^(?:[0-9a-fA-F]{2}){16,64}$/.test(hex)) return undefined;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
