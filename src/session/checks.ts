// Checks of a request against the service's limits that need no stored session: names, property
// sizes, create options resolved to a session's settings.
import type { CreateOptions, Properties, SignalingCodec } from '../protocol/index.js';
import { checkName } from './limits.js';
import type { SessionSettings } from './model.js';
import type { ResolvedOptions } from './options.js';
import { refuse } from './request-error.js';

export interface RequestChecks {
  validName(name: string): string;
  /** Refuses properties (alone) over the byte budget. */
  checkProperties(properties: Properties | undefined): void;
  /** Why properties and lobby keys do not fit (the keys' count, both together the byte budget). */
  propertiesMisfit(properties: Properties, lobbyKeys: readonly string[]): string | undefined;
  settingsFrom(request: CreateOptions): SessionSettings;
}

export function createRequestChecks(options: ResolvedOptions, codec: SignalingCodec): RequestChecks {
  const propertiesMisfit = (properties: Properties, lobbyKeys: readonly string[]): string | undefined => {
    if (lobbyKeys.length > options.maxLobbyKeys) return `a session may have at most ${options.maxLobbyKeys} lobby keys`;
    if (codec.encode({ properties, lobbyKeys } as never).length > options.maxPropertiesBytes) {
      return `properties and lobby keys exceed ${options.maxPropertiesBytes} bytes`;
    }
    return undefined;
  };
  return {
    validName(name) {
      const problem = checkName(name, options.maxNameChars, options.namePattern);
      if (problem) refuse('INVALID_REQUEST', problem);
      return name;
    },
    checkProperties(properties) {
      if (properties && codec.encode(properties as never).length > options.maxPropertiesBytes) {
        refuse('LIMIT_EXCEEDED', `properties exceed ${options.maxPropertiesBytes} bytes`);
      }
    },
    propertiesMisfit,
    settingsFrom(request) {
      const bounded = (value: number | undefined, fallback: number, max: number, what: string): number => {
        const chosen = value ?? fallback;
        if (chosen > max) refuse('LIMIT_EXCEEDED', `${what} ${chosen} exceeds the limit ${max}`);
        return chosen;
      };
      const lobbyKeys = [...new Set(request.lobbyKeys ?? [])];
      const misfit = propertiesMisfit(request.properties ?? {}, lobbyKeys);
      if (misfit) refuse('LIMIT_EXCEEDED', misfit);
      return {
        maxPlayers: bounded(request.maxPlayers, options.defaultMaxPlayers, options.maxPlayersLimit, 'maxPlayers'),
        open: request.open ?? true,
        visible: request.visible ?? true,
        properties: request.properties ?? {},
        lobbyKeys,
        playerTtlMs: bounded(request.playerTtlMs, options.defaultPlayerTtlMs, options.maxPlayerTtlMs, 'playerTtlMs'),
        emptySessionTtlMs: bounded(request.emptySessionTtlMs, options.defaultEmptySessionTtlMs, options.maxEmptySessionTtlMs, 'emptySessionTtlMs'),
        ...(request.publishUserId ? { publishUserId: true } : {}),
        ...(request.checkUserOnJoin ? { checkUserOnJoin: true } : {}),
      };
    },
  };
}
