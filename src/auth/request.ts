// The request to the auth provider: Photon's exact shape (GET with the query, POST JSON when the
// client sends data) or one JSON object ('json'), with the headers that say who is asking. Pure.
import type { AuthData } from '../protocol/index.js';
import type { AuthProvider } from './types.js';

/** Who is authenticating, as the provider is told. */
export interface AuthAttempt {
  appId: string;
  appVersion: string;
  clientIp: string;
  params?: Readonly<Record<string, string>>;
  data?: AuthData;
  userId?: string;
  /** 1 for the hello, 2… for AUTHENTICATE steps. */
  step: number;
}

export interface ProviderRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** The client's parameters, then the operator's static ones over them (Photon: the dashboard wins). */
export function mergedParams(client: Readonly<Record<string, string>> | undefined, fixed: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const merged: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(client ?? {})) merged[key] = value;
  for (const [key, value] of Object.entries(fixed ?? {})) merged[key] = value;
  return { ...merged };
}

export function providerRequest(provider: AuthProvider, attempt: AuthAttempt): ProviderRequest {
  const headers: Record<string, string> = {
    'x-punchthrough-app-id': attempt.appId,
    'x-punchthrough-app-version': attempt.appVersion,
    'x-punchthrough-client-ip': attempt.clientIp,
  };
  const params = mergedParams(attempt.params, provider.staticParams);
  if ((provider.format ?? 'photon') === 'json') {
    const body = {
      type: 'auth',
      appId: attempt.appId,
      appVersion: attempt.appVersion,
      clientIp: attempt.clientIp,
      params,
      ...(attempt.data ? { data: attempt.data } : {}),
      ...(attempt.userId === undefined ? {} : { userId: attempt.userId }),
      step: attempt.step,
    };
    // JSON bodies go out as application/json: the egress client sets content-type itself.
    return { url: provider.url, method: 'POST', headers, body: Buffer.from(JSON.stringify(body)) };
  }
  const url = new URL(provider.url);
  // The operator's words win: static keys replace any the URL carries; a client key the URL
  // already carries is dropped (it would replace the operator's value).
  const own = new Set(url.searchParams.keys());
  const fixed = provider.staticParams ?? {};
  for (const [key, value] of Object.entries(params)) {
    if (!own.has(key) || Object.hasOwn(fixed, key)) url.searchParams.set(key, value);
  }
  if (!attempt.data) return { url: url.toString(), method: 'GET', headers };
  return { url: url.toString(), method: 'POST', headers, body: Buffer.from(JSON.stringify(attempt.data)) };
}
