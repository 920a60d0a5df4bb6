/**
 * A complete session plugin (docs/plugins.md): a per-session ban list. The session's server bans
 * a member by setting the property `ban` to its actor number — the plugin drops that property
 * change (it never reaches the lobby or the other peers), removes the member with a message the
 * player sees, and refuses its later joins and rejoins. With `banServiceUrl` in the app's plugin
 * config, every join is also checked against the game's backend through host.http.
 *
 * Load it from a config file (`"plugins": { "module": "./examples/plugins/ban-list.js" }`) or
 * pass `banListFactory` as `apps[appId].plugins.factory` in code.
 */
import type { JoinCall, JsonValue, PluginFactory, PluginHost, SessionPlugin, SetPropertiesCall } from '../../src/index.js';

/** The plugin's name: a create asks for it with `plugin: 'ban-list'` (or it is the app's default). */
export const BAN_LIST = 'ban-list';

/** The event a joiner gets (PLUGIN_EVENT code 1) naming the session's rules. */
export const WELCOME_EVENT = 1;

interface BanState {
  /** Banned players: user ids (from custom authentication), else the address they joined from. */
  banned: string[];
}

/** Who a peer is for the ban list: its user id when the app authenticates players, else its address. */
const keyOf = (peer: { userId: string; remoteAddress?: string }): string => peer.userId || `address:${peer.remoteAddress ?? ''}`;

function banList(host: PluginHost, config: Readonly<Record<string, string>>): SessionPlugin {
  // Who each actor is, learned at join: a ban names an actor, the list keeps who it was.
  const who = new Map<number, string>();
  const state = (): BanState => {
    const stored = host.state.get() as { banned?: unknown } | undefined;
    return { banned: Array.isArray(stored?.banned) ? stored.banned.filter((b): b is string => typeof b === 'string') : [] };
  };

  return {
    name: BAN_LIST,

    onCreate() {
      return { state: { banned: [] } satisfies BanState as unknown as JsonValue };
    },

    async beforeJoin(call: JoinCall) {
      const key = keyOf(call.peer);
      if (state().banned.includes(key)) call.fail('banned', 'You are banned from this session');
      const url = config.banServiceUrl;
      if (!url || !call.peer.userId) return;
      // The game's own ban service: refuse when it says so, or when it cannot say (fail closed).
      const answer = await host.http
        .request({ url: `${url}?user=${encodeURIComponent(call.peer.userId)}`, timeoutMs: 1_500 })
        .catch(() => call.fail('ban-service', 'The ban check is unavailable; try again'));
      if (answer.status !== 200) call.fail('ban-service', 'The ban check is unavailable; try again');
      const body = answer.json();
      if (typeof body === 'object' && body !== null && !Array.isArray(body) && body.banned === true) call.fail('banned', 'You are banned from this game');
    },

    onJoin(call) {
      const { actor } = call.peer;
      if (actor === undefined) return;
      who.set(actor, keyOf(call.peer));
      host.sendEvent([actor], WELCOME_EVENT, { rules: 'Be nice: the host can ban you from this session.' });
    },

    async beforeSetProperties(call: SetPropertiesCall) {
      const { ban, ...rest } = call.request.properties ?? {};
      if (ban === undefined) return undefined;
      const actor = typeof ban === 'number' ? ban : Number.NaN;
      const key = who.get(actor);
      if (key !== undefined && actor !== call.peer.actor) {
        await host.state.set({ banned: [...new Set([...state().banned, key])] });
        await host.removePeer(actor, 'banned', 'The host banned you from this session');
      }
      // The ban itself is no property: drop it, keep whatever else the change carried.
      return Object.keys(rest).length === 0 && call.request.lobbyKeys === undefined && call.request.open === undefined && call.request.visible === undefined
        ? 'cancel'
        : { properties: rest };
    },

    onLeave(call) {
      if (call.peer.actor !== undefined && !call.isInactive) who.delete(call.peer.actor);
    },
  };
}

/** The factory: one ban list per session. */
export const banListFactory: PluginFactory = {
  names: [BAN_LIST],
  create: (_name, host, config) => banList(host, config),
};

export { banListFactory as factory };
export default banListFactory;
