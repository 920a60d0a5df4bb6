// The session plugin API (seed 004; docs/plugins.md): what an operator's code implements and is given.

/** What a plugin may do in its session. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the plugin host work
export interface PluginHost {}

/** One plugin instance: it serves one session. */
export interface SessionPlugin {
  /** Must equal the name asked for, else PLUGIN_MISMATCH. */
  readonly name: string;
}

/** Photon's IPluginFactory: one per app; creates one plugin per session, by the name its creator asks for. */
export interface PluginFactory {
  /** The names this factory creates; a session asking for another gets PLUGIN_MISMATCH. */
  readonly names: readonly string[];
  create(name: string, host: PluginHost, config: Readonly<Record<string, string>>): SessionPlugin | Promise<SessionPlugin>;
}

/** An app's plugins. */
export interface PluginsConfig {
  factory: PluginFactory;
  /** The plugin of a session whose creator names none. Default: none. */
  defaultPlugin?: string;
  /** Refuse a create that names no plugin when there is no default. Default false. */
  required?: boolean;
  /** Photon's per-plugin key/values, handed to the factory. */
  config?: Record<string, string>;
}
