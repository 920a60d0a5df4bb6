// The in-memory store passes the SessionStore conformance suite (the Redis store runs the same suite in test/integration/src/cluster).
import { createMemorySessionStore } from '../../../../src/session/store.js';
import { sessionStoreConformance } from '../../../support/session-store-conformance.js';

sessionStoreConformance('memory', async () => {
  const store = createMemorySessionStore();
  return { store, close: () => store.close() };
});
