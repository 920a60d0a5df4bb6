/** Why a runner stopped: the shutdown event an error causes (Fusion's ShutdownReason), and the errors a stop or a failed start names. */
import { isPunchthroughError, PunchthroughError } from '../core/index.js';
import type { ShutdownEvent, ShutdownReason } from './types.js';

export function closedError(): PunchthroughError {
  return new PunchthroughError('RUNNER_CLOSED', 'the runner was shut down');
}

export function asPunchthroughError(error: unknown): PunchthroughError {
  if (isPunchthroughError(error)) return error;
  return new PunchthroughError('CLOUD_UNREACHABLE', error instanceof Error ? error.message : String(error), { cause: error });
}

const SHUTDOWN_REASONS: Partial<Record<PunchthroughError['code'], ShutdownReason>> = {
  RUNNER_CLOSED: 'ok',
  INVALID_OPTIONS: 'invalidArguments',
  INVALID_REQUEST: 'invalidArguments',
  SESSION_NOT_FOUND: 'gameNotFound',
  NO_MATCH: 'gameNotFound',
  SESSION_FULL: 'gameIsFull',
  SESSION_EXISTS: 'gameIdAlreadyExists',
  SESSION_CLOSED: 'gameClosed',
  CONNECT_TIMEOUT: 'connectionTimeout',
  CONNECT_REFUSED: 'connectionRefused',
  KICKED: 'kicked',
  REMOVED_BY_PLUGIN: 'disconnectedByPluginLogic',
  CLOUD_UNREACHABLE: 'cloudTimeout',
};

/** The shutdown an error causes (Fusion's ShutdownReason for the error). */
export function shutdownEventOf(error: PunchthroughError): ShutdownEvent {
  return { reason: SHUTDOWN_REASONS[error.code] ?? 'error', code: error.code, message: error.message };
}
