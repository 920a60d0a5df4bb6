// Protocol features a peer announces in its hello: the service sends a peer nothing newer than
// what it said it understands, so the protocol version stays 1 (docs/protocols.md, "Features").
import { EventType, type Event } from './messages.js';

/** What a hello's `features` may name. */
export const Feature = {
  /** Error codes added after the first release reach this peer as they are (else INVALID_REQUEST). */
  CODES_V2: 'codes-v2',
  /** The object form of hello's `auth`, and AUTHENTICATE (custom authentication, docs/auth.md). */
  AUTH: 'auth',
  /** PLUGIN_EVENT, and KICKED with the reason `plugin` (docs/plugins.md). */
  PLUGIN_EVENTS: 'plugin-events',
  /** HOOK_ERROR: a webhook of the session failed (Photon's ErrorInfo; docs/webhooks.md, "Gates"). */
  WEBHOOK_ERRORS: 'webhook-errors',
  /** RELAY_CHANGED: the session moved to another relay (failover, drain; docs/operations.md, "A fleet of relays"). */
  RELAY_CHANGED: 'relay-changed',
  /** The create/join/join-random/rejoin/restore reply carries the start (`JoinResult.start`); no START event follows. */
  LEAN_JOIN: 'lean-join',
} as const;
export type Feature = (typeof Feature)[keyof typeof Feature];

/** The error codes of the first release: every SDK knows them. */
export const FIRST_RELEASE_CODES: ReadonlySet<string> = new Set([
  'INVALID_REQUEST',
  'UNSUPPORTED_VERSION',
  'SESSION_NOT_FOUND',
  'SESSION_EXISTS',
  'SESSION_FULL',
  'SESSION_CLOSED',
  'NO_MATCH',
  'ALREADY_JOINED',
  'REJOIN_NOT_FOUND',
  'NOT_IN_SESSION',
  'NOT_ALLOWED',
  'RATE_LIMITED',
  'FRAME_TOO_LARGE',
  'LIMIT_EXCEEDED',
  'PROPERTIES_MISMATCH',
  'PLAYER_NOT_FOUND',
]);

/**
 * The code a peer is sent for `code`: itself, or INVALID_REQUEST for a peer that did not announce
 * codes-v2 (an SDK of the first release drops a reply with a code it does not know and waits out
 * its request timeout); the message then starts with the real code.
 */
export function codeForPeer(code: string, message: string, features: ReadonlySet<string> | undefined): { code: string; message: string } {
  if (FIRST_RELEASE_CODES.has(code) || features?.has(Feature.CODES_V2)) return { code, message };
  return { code: 'INVALID_REQUEST', message: `${code}: ${message}` };
}

/**
 * The event a peer is sent for `event`, or undefined to send it nothing: PLUGIN_EVENT only to
 * peers that announced `plugin-events`; to the others a plugin's KICKED says `kicked` and a
 * plugin's SESSION_CLOSED `serverLeft` (the values a first-release SDK knows). HOOK_ERROR only
 * to peers that announced `webhook-errors`, RELAY_CHANGED only to those that announced `relay-changed`.
 */
export function eventForPeer(event: Event, features: ReadonlySet<string> | undefined): Event | undefined {
  if (event.type === EventType.HOOK_ERROR) return features?.has(Feature.WEBHOOK_ERRORS) ? event : undefined;
  if (event.type === EventType.RELAY_CHANGED) return features?.has(Feature.RELAY_CHANGED) ? event : undefined;
  if (features?.has(Feature.PLUGIN_EVENTS)) return event;
  switch (event.type) {
    case EventType.PLUGIN_EVENT:
      return undefined;
    case EventType.KICKED:
      return event.reason === 'plugin' ? { ...event, reason: 'kicked' } : event;
    case EventType.SESSION_CLOSED:
      return event.reason === 'plugin' ? { ...event, reason: 'serverLeft' } : event;
    default:
      return event;
  }
}
