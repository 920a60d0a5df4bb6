// punchthrough/cloud: the session service, the one-process cloud, and the shared runtime.
export * from './runtime/index.js';
