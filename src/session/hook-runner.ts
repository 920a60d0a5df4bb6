// Calls the SessionHooks: a refusal becomes a coded error, a lifecycle hook's failure is counted
// and logged and goes no further.
import { PunchthroughError, type Env } from '../../core/index.js';
import type { SessionEvent } from './domain-events.js';
import type { ChangeContext, CreateContext, HelloContext, Identity, JoinContext, SessionHooks } from './hooks.js';
import type { SessionMetrics } from './metrics.js';
import type { Session } from './model.js';

export interface HookRunner {
  authenticate(hello: HelloContext): Promise<Identity>;
  authorizeCreate(context: CreateContext): Promise<void>;
  authorizeJoin(context: JoinContext): Promise<void>;
  authorizeChange(context: ChangeContext): Promise<void>;
  /** The lifecycle hooks of a stored change, in order; never throws, never waits. */
  committed(events: readonly SessionEvent[], session: Session | null): void;
}

export interface HookRunnerOptions {
  hooks: SessionHooks;
  metrics: SessionMetrics;
}

export function createHookRunner(env: Env, options: HookRunnerOptions): HookRunner {
  const { hooks, metrics } = options;
  const { logger } = env;

  const failed = (hook: string, error: unknown): void => {
    metrics.hookErrors.inc({ hook });
    logger.error({ err: error, hook }, 'a session hook failed');
  };

  /** A gate: a coded refusal passes through; anything else thrown refuses without its detail. */
  const gate = async <C>(hook: string, call: ((context: C) => unknown) | undefined, context: C): Promise<unknown> => {
    if (!call) return undefined;
    try {
      return await call.call(hooks, context);
    } catch (error) {
      if (error instanceof PunchthroughError) throw error;
      failed(hook, error);
      throw new PunchthroughError('NOT_ALLOWED', `refused by the service (${hook})`);
    }
  };

  const after = (hook: string, call: () => unknown): void => {
    try {
      const returned = call();
      if (returned instanceof Promise) returned.catch((error: unknown) => failed(hook, error));
    } catch (error) {
      failed(hook, error);
    }
  };

  return {
    async authenticate(hello) {
      const identity = (await gate('authenticate', hooks.authenticate, hello)) as Identity | undefined;
      return identity && typeof identity.userId === 'string' ? { userId: identity.userId } : {};
    },
    authorizeCreate: async (context) => void (await gate('authorizeCreate', hooks.authorizeCreate, context)),
    authorizeJoin: async (context) => void (await gate('authorizeJoin', hooks.authorizeJoin, context)),
    authorizeChange: async (context) => void (await gate('authorizeChange', hooks.authorizeChange, context)),
    committed(events, session) {
      for (const event of events) {
        switch (event.type) {
          case 'sessionCreated':
            if (hooks.sessionCreated && session) after(event.type, () => hooks.sessionCreated!(event, session));
            break;
          case 'memberJoined':
            if (hooks.memberJoined && session) after(event.type, () => hooks.memberJoined!(event, session));
            break;
          case 'memberLeft':
            if (hooks.memberLeft) after(event.type, () => hooks.memberLeft!(event, session));
            break;
          case 'propertiesChanged':
            if (hooks.propertiesChanged && session) after(event.type, () => hooks.propertiesChanged!(event, session));
            break;
          case 'sessionClosed':
            if (hooks.sessionClosed) after(event.type, () => hooks.sessionClosed!(event));
            break;
          case 'memberInactive':
            break;
        }
      }
    },
  };
}
