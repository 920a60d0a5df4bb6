// Review 15: in Photon format the client's parameters are set over the provider URL's own query,
// so a client overrides a value the operator fixed in the URL (`?mode=server-only`, a key): only
// staticParams are protected. Pure: providerRequest (src/auth/request.ts).
import { expect, it } from 'vitest';
import { providerRequest } from '../../../../src/auth/request.js';

it("review15: a client parameter cannot replace a query value of the operator's provider URL", () => {
  const built = providerRequest(
    { type: 'custom', url: 'https://auth.example.com/photon?apiKey=operator-key&mode=strict' },
    { appId: 'game', appVersion: '1', clientIp: '198.51.100.7', params: { user: 'alice', apiKey: 'attacker', mode: 'lenient' }, step: 1 },
  );
  const query = new URL(built.url).searchParams;
  expect(query.getAll('apiKey')).toEqual(['operator-key']);
  expect(query.getAll('mode')).toEqual(['strict']);
});
