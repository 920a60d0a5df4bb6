// Names of the docs/connection-process.md steps the runner announces in `progress` events.

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
