import type { EventsPort } from '@kitty/workflow';

/**
 * The one place where workflow commands get their sync events port. The workflow library builds events and
 * hands them over after its own write and commit; where they go (the offline queue and the SaaS) is the sync
 * plugin's business. The sync plugin's emitter is wired in here: until it is available this returns
 * `undefined`, and the commands then emit nothing (they never fail because of sync).
 */
export async function eventsPort(): Promise<EventsPort | undefined> {
  return undefined;
}
