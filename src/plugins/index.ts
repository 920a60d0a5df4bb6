// Session plugins (seed 004): the API operators implement, the per-session executor and host.
export type { PluginFactory, PluginHost, PluginsConfig, SessionPlugin } from './types.js';
export { validatePluginsConfig } from './config.js';
