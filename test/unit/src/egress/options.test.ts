// The egress policy in the service options: checked at start, INVALID_OPTIONS naming the key.
import { describe, expect, it } from 'vitest';
import { isPunchthroughError } from '../../../../core/index.js';
import { validateEgressOptions } from '../../../../src/egress/index.js';
import { resolveOptions } from '../../../../src/session/options.js';

function failure(egress: unknown): string {
  try {
    resolveOptions({ egress: egress as never });
  } catch (error) {
    if (isPunchthroughError(error) && error.code === 'INVALID_OPTIONS') return error.message;
    throw error;
  }
  throw new Error('expected INVALID_OPTIONS');
}

describe('egress options', () => {
  it('accept the documented shape', () => {
    const egress = { allowedNetworks: ['10.1.0.0/16', '127.0.0.1', '::1/128'], allowInsecureHttp: true, maxConcurrentPerOrigin: 8, maxQueuedPerOrigin: 0, breakerFailures: 5, breakerOpenMs: 1000 };
    expect(resolveOptions({ egress }).egress).toEqual(egress);
    expect(validateEgressOptions(undefined)).toEqual({});
  });

  it.each([
    [{ allowedNetworks: ['10.0.0.0/8', '10.0.0.0/40'] }, 'egress.allowedNetworks[1]'],
    [{ allowedNetworks: '10.0.0.0/8' }, 'egress.allowedNetworks'],
    [{ allowInsecureHttp: 'yes' }, 'egress.allowInsecureHttp'],
    [{ ca: ['not a pem'] }, 'egress.ca[0]'],
    [{ maxConcurrentPerOrigin: 0 }, 'egress.maxConcurrentPerOrigin'],
    [{ breakerFailures: 1.5 }, 'egress.breakerFailures'],
    [{ breakerOpenMs: -1 }, 'egress.breakerOpenMs'],
    [{ allowNetworks: [] }, 'egress.allowNetworks'],
    ['https', 'egress'],
  ])('refuse %j naming %s', (egress, key) => {
    expect(failure(egress)).toMatch(new RegExp(`^${key.replace(/[[\]]/g, '\\$&')}: `));
  });
});
