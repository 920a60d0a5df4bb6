// Review 15: the egress client forgets an origin only when it is idle *and* its breaker has no
// failures. An origin whose last call failed once (below the breaker threshold) stays forever; after
// MAX_TRACKED_ORIGINS of them (a plugin calling many hosts, e.g. from player-supplied URLs) every
// call to any other origin — an app's auth provider included — fails `queueFull` until restart.
import { expect, it } from 'vitest';
import { createEnv } from '../../../../core/index.js';
import { createEgressClient } from '../../../../src/egress/index.js';
import { MAX_TRACKED_ORIGINS } from '../../../../src/egress/constants.js';

it('review15: origins that failed once do not lock every other origin out', async () => {
  const env = createEnv();
  const failing = (async () => {
    throw Object.assign(new Error('no such host'), { code: 'ENOTFOUND' });
  }) as never;
  const egress = createEgressClient(env, { lookup: failing });
  const get = (url: string) => egress.send({ url, method: 'GET', deadline: env.clock.now() + 5_000, maxResponseBytes: 1024, purpose: 'plugin' });
  for (let i = 0; i < MAX_TRACKED_ORIGINS; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => get(`https://h${i + j}.example/`)));
  }
  // Much later, the auth provider's origin (idle until now, so not tracked):
  const auth = await get('https://auth.example.com/photon');
  await egress.close();
  expect(auth).toMatchObject({ ok: false });
  expect((auth as { failure: string }).failure).not.toBe('queueFull');
}, 60_000);
