// punchthrough/stun: the RFC 8489 codec (pure) and the STUN server.
export * from './codec/index.js';
