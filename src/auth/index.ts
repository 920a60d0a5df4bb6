// Custom authentication (seed 001): the provider contract, the auth token, per-app configuration.
export type { AuthConfig, AuthProvider } from './types.js';
export { validateAuthConfig } from './config.js';
