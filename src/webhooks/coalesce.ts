// Property-change notifications of one session at most 3 a second (docs/webhooks.md, "Events"):
// a change within the gap after the last one is held, and later changes merge into it (changed
// keys, latest values) until the gap has passed. Any other notification of the session first
// releases the held one, so each session's notifications keep their commit order. Pure: the
// dispatcher owns the state and the timer.
import type { Notification } from './notifications.js';

/** One session's coalescing state. */
export interface CoalesceState {
  /** When the last property notification went out (clock ms). */
  lastPropertiesAt?: number;
  /** A property notification held back, and when it may go. */
  held?: { note: Notification; at: number };
}

const isProperties = (note: Notification): boolean => note.type === 'session.propertiesChanged';

/** `later` folded into `held`: the keys either changed, with the latest values; the session and flags of the later one. */
function merge(held: Notification, later: Notification): Notification {
  if (held.data.kind !== 'properties' || later.data.kind !== 'properties') return later;
  return { ...later, data: { ...later.data, properties: { ...held.data.properties, ...later.data.properties } } };
}

/** The notifications to queue now, in order, for `notes` of one commit; updates `state`. */
export function offer(state: CoalesceState, notes: readonly Notification[], now: number, gapMs: number): Notification[] {
  const out: Notification[] = [];
  for (const note of notes) {
    if (!isProperties(note)) {
      if (state.held) out.push(release(state, now));
      out.push(note);
    } else if (state.held) {
      state.held = { note: merge(state.held.note, note), at: state.held.at };
    } else if (state.lastPropertiesAt !== undefined && now - state.lastPropertiesAt < gapMs) {
      state.held = { note, at: state.lastPropertiesAt + gapMs };
    } else {
      state.lastPropertiesAt = now;
      out.push(note);
    }
  }
  return out;
}

/** The held notification, which goes now. */
export function release(state: CoalesceState, now: number): Notification {
  const note = state.held!.note;
  state.held = undefined;
  state.lastPropertiesAt = now;
  return note;
}
