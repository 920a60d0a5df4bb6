/** Checks of a session request that do not depend on the session: the name. */

/** Why a session name is unacceptable, or undefined when it is fine. */
export function checkName(name: string, maxChars: number, pattern: RegExp): string | undefined {
  if (name.length === 0) return 'session name is empty';
  if (name.length > maxChars) return `session name is longer than ${maxChars} characters`;
  if (!pattern.test(name)) return 'session name contains characters that are not allowed (e.g. control characters)';
  return undefined;
}
