// The provider request: Photon's GET with the merged query (static wins), POST JSON with data,
// the 'json' format's one object, and the headers naming app, version and client address.
import { describe, expect, it } from 'vitest';
import { providerRequest } from '../../../../src/auth/index.js';

const attempt = { appId: 'my-game', appVersion: '1.4', clientIp: '198.51.100.7', params: { user: 'alice', apiKey: 'client' }, userId: 'alice', step: 1 };

describe('provider request', () => {
  it('photon: GET with client params and static params over them', () => {
    const request = providerRequest({ type: 'custom', url: 'https://auth.example.com/photon?apiKey=old', staticParams: { apiKey: 'static' } }, attempt);
    expect(request.method).toBe('GET');
    expect(request.body).toBeUndefined();
    const url = new URL(request.url);
    expect(url.searchParams.get('user')).toBe('alice');
    expect(url.searchParams.getAll('apiKey')).toEqual(['static']);
    expect(request.headers).toMatchObject({ 'x-punchthrough-app-id': 'my-game', 'x-punchthrough-app-version': '1.4', 'x-punchthrough-client-ip': '198.51.100.7' });
  });

  it('photon: POST the data as JSON when the client sends data, params still in the query', () => {
    const request = providerRequest({ type: 'custom', url: 'https://auth.example.com/photon' }, { ...attempt, data: { otp: '123456' } });
    expect(request.method).toBe('POST');
    expect(JSON.parse(Buffer.from(request.body!).toString())).toEqual({ otp: '123456' });
    expect(new URL(request.url).searchParams.get('user')).toBe('alice');
  });

  it('json: one POSTed object with app, version, address, params, data, userId and step', () => {
    const request = providerRequest({ type: 'custom', url: 'https://auth.example.com/json', format: 'json', staticParams: { apiKey: 's' } }, { ...attempt, data: { a: 1 }, step: 2 });
    expect(request.method).toBe('POST');
    expect(JSON.parse(Buffer.from(request.body!).toString())).toEqual({
      type: 'auth',
      appId: 'my-game',
      appVersion: '1.4',
      clientIp: '198.51.100.7',
      params: { user: 'alice', apiKey: 's' },
      data: { a: 1 },
      userId: 'alice',
      step: 2,
    });
  });
});
