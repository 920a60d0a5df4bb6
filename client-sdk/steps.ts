// Names of the docs/connection-process.md steps the runner announces in `progress` events, and the event itself.
import type { ProgressEvent, ProgressFlow } from './types.js';

/** Session creation (server mode), by step number. */
export const CREATE_STEPS = [
  '',
  'startGame',
  'createSession',
  'sessionCreated',
  'joinRequest',
  'joinAcknowledged',
  'startRequested',
  'runnerStarted',
  'localAddresses',
  'stunRequest',
  'reflexiveAddress',
  'addressesReported',
] as const;

/** Creation and joining steps by what they do, for the start sequence (start.ts). */
export const START_STEP = {
  startGame: 1,
  /** Create (server) or join (client) the session. */
  enter: 2,
  entered: 3,
  joinRequest: 4,
  joinAcknowledged: 5,
  startRequested: 6,
  runnerStarted: 7,
  localAddresses: 8,
  stunRequest: 9,
  reflexiveAddress: 10,
  addressesReported: 11,
} as const;

/** Joining (client mode): the same steps, with join in place of create. */
export const JOIN_STEPS = ['', 'startGame', 'joinSession', 'sessionJoined', ...CREATE_STEPS.slice(4)] as const;

/** The connection process, per client–server pair (steps 5, 9, 12 and 13 happen elsewhere). */
export const CONNECT_STEPS: Readonly<Record<number, string>> = {
  1: 'serverAddresses',
  2: 'clientAddresses',
  3: 'directAttempts',
  4: 'relayRequest',
  6: 'attemptsExhausted',
  7: 'pings',
  8: 'acceptedDirect',
  10: 'acceptedViaRelay',
  11: 'relayConfirmation',
};

const STEP_NAMES: Record<ProgressFlow, Readonly<Record<number, string>>> = { create: CREATE_STEPS, join: JOIN_STEPS, connect: CONNECT_STEPS };

/** The `progress` event of a step that happened at `atMs`, in a start begun at `startedAt`. */
export function progressEvent(flow: ProgressFlow, step: number, atMs: number, startedAt: number, peerId?: string, detail?: Record<string, unknown>): ProgressEvent {
  return {
    flow,
    step,
    name: STEP_NAMES[flow][step] ?? `step${step}`,
    atMs,
    sinceStartMs: atMs - startedAt,
    ...(peerId !== undefined ? { peerId } : {}),
    ...(detail !== undefined ? { detail } : {}),
  };
}
