/** One change to a stored session: through the store's own serialization, or read → apply → compare-and-set, again on a conflict. */
import { STORE_MAX_ATTEMPTS } from '../constants.js';
import type { Outcome, Session } from './model.js';
import type { AppliedChange, SessionStore } from './store.js';

/**
 * Applies the pure change `attempt` to the stored session. A store with its own `change` (a
 * shared store that batches per session) does it; otherwise read, apply, compare-and-set, and
 * again on a conflict (the change is pure, so re-running it is safe). Undefined when there is no
 * such session; throws after STORE_MAX_ATTEMPTS lost races.
 */
export async function applyChange<R>(store: SessionStore, sessionId: string, attempt: (s: Session) => Outcome<R>): Promise<AppliedChange<R> | undefined> {
  if (store.change) return store.change(sessionId, attempt);
  for (let tries = 0; tries < STORE_MAX_ATTEMPTS; tries++) {
    const stored = await store.get(sessionId);
    if (!stored) return undefined;
    const before = stored.session;
    const outcome = attempt(before);
    if (!outcome.ok || outcome.change.next === before) return { before, outcome, routed: false };
    const written = await store.compareAndSet(sessionId, stored.version, outcome.change.next, outcome.change.deliveries);
    if (written === 'missing') return undefined;
    if (written === 'ok') return { before, outcome, routed: store.routesDeliveries === true };
  }
  throw new Error(`session ${sessionId} kept changing under ${STORE_MAX_ATTEMPTS} attempts to update it`);
}
