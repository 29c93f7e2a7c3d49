// The sync commands the lean entry runs without oclif (ADR 0024), by command id; each calls the action its oclif
// class calls. Flags come from the oclif manifest (apps/cli's bundler), never defined twice.
import type { LeanAction } from '@kitty/cli-kit/core';
import { syncStatusAction } from './actions.js';

export const LEAN_ACTIONS: Readonly<Record<string, LeanAction>> = {
  'sync:status': async ({ flags }) => {
    const { status, json } = await syncStatusAction({ check: flags['check'] === true });
    return { json, notes: status.warnings };
  },
};
