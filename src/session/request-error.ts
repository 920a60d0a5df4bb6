// A request's failure with its wire code: thrown by the service or a hook, answered by dispatch.
import { PunchthroughError, type ErrorCode } from '../../core/index.js';

/** Throws the coded error that becomes the request's error reply. */
export function refuse(code: ErrorCode, message: string): never {
  throw new PunchthroughError(code, message);
}
