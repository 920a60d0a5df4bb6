// A plugin call's settlement as the service reads it (Photon's ICallInfo): continue, fail on
// purpose (call.fail), fail by accident (a throw), run out of time; and the error reply each gets.
import { PunchthroughError } from '../../core/index.js';
import { PLUGIN_MESSAGE_MAX_CHARS, PLUGIN_REASON_MAX_CHARS } from './constants.js';
import type { Settled } from './executor.js';
import type { CallOutcome } from './metrics.js';

/** What `call.fail(reason, message)` throws: the plugin refused on purpose. */
export class PluginFailure extends Error {
  readonly reason: string;
  constructor(reason: string, message?: string) {
    super(message ?? reason);
    this.name = 'PluginFailure';
    this.reason = reason;
  }
}

/** Photon's Fail for one call: throws, so the plugin's code stops there. */
export function failCall(reason: string, message?: string): never {
  const bounded = (text: unknown, max: number): string => (typeof text === 'string' ? text.slice(0, max) : '');
  throw new PluginFailure(bounded(reason, PLUGIN_REASON_MAX_CHARS) || 'failed', message === undefined ? undefined : bounded(message, PLUGIN_MESSAGE_MAX_CHARS));
}

/** The outcome label of a settlement (`value` is classified by the caller: continue, cancel, skip). */
export function outcomeOf(settled: Settled<unknown>): CallOutcome {
  switch (settled.kind) {
    case 'value':
      return settled.value === 'cancel' ? 'cancel' : settled.value === 'skip' ? 'skip' : 'continue';
    case 'thrown':
      return settled.error instanceof PluginFailure ? 'fail' : 'error';
    case 'timeout':
      return 'timeout';
    case 'aborted':
      return 'aborted';
    default:
      return 'dropped';
  }
}

/**
 * The error reply of a gate that did not continue: PLUGIN_REPORTED_ERROR with the plugin's
 * reason in `detail`, PLUGIN_ERROR with a generic message (the stack is logged, never sent),
 * HOOK_TIMEOUT at the deadline; undefined when the gate continued.
 */
export function gateError(settled: Settled<unknown>, callback: string, deadlineMs: number): PunchthroughError | undefined {
  switch (settled.kind) {
    case 'value':
      return undefined;
    case 'thrown':
      if (settled.error instanceof PluginFailure) {
        const { reason, message } = settled.error;
        return new PunchthroughError('PLUGIN_REPORTED_ERROR', message.slice(0, PLUGIN_MESSAGE_MAX_CHARS), { detail: { reason } });
      }
      return new PunchthroughError('PLUGIN_ERROR', `the session's plugin failed in ${callback}`);
    case 'timeout':
      return new PunchthroughError('HOOK_TIMEOUT', `the session's plugin did not answer ${callback} within ${deadlineMs} ms`);
    case 'aborted':
      return new PunchthroughError('NOT_IN_SESSION', 'the connection closed while the plugin decided');
    case 'closed':
      return new PunchthroughError('SESSION_NOT_FOUND', 'the session closed');
    case 'full':
      return new PunchthroughError('HOOK_TIMEOUT', `the session's plugin has too many calls queued to answer ${callback}`);
  }
}
