// Custom authentication (seed 001): the provider contract, the auth token, per-app configuration.
export type { AuthConfig, AuthProvider } from './types.js';
export { validateAuthConfig, type AuthUrlPolicy } from './config.js';
export { createAuthenticator, type AuthContext, type AuthIdentity, type AuthResult, type Authenticator, type AuthenticatorOptions } from './authenticator.js';
export { openToken, sealToken, tokenKeyOf, type TokenClaims, type TokenKey } from './token.js';
export { readProviderAnswer, type ProviderAnswer } from './answer.js';
export { providerRequest, mergedParams, type AuthAttempt, type ProviderRequest } from './request.js';
