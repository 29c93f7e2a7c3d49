// The workflow commands the lean entry runs without oclif (ADR 0024): `--json` invocations of the hot commands,
// by command id. Each calls the very action its oclif class calls. apps/cli's bundler reads this map and takes
// every flag and argument from the oclif manifest (string flags as strings, boolean flags as booleans, exactly as
// oclif's parse gives them), so no flag is defined twice.
import type { LeanAction } from '@kitty/cli-kit/core';
import {
  checkPrerequisitesAction,
  createFeatureAction,
  listTasksAction,
  moveTaskAction,
  splitResult,
  type MoveTaskFlags,
} from './actions.js';

export const LEAN_ACTIONS: Readonly<Record<string, LeanAction>> = {
  'agent:tasks:list-tasks': async ({ flags }) => splitResult(await listTasksAction(flags as Parameters<typeof listTasksAction>[0])),
  'agent:feature:check-prerequisites': async ({ flags }) =>
    splitResult(await checkPrerequisitesAction(flags as Parameters<typeof checkPrerequisitesAction>[0])),
  'agent:tasks:move-task': async ({ args, flags }) =>
    splitResult(await moveTaskAction({ wp: args['wp'] ?? '' }, flags as unknown as MoveTaskFlags)),
  'agent:feature:create-feature': async ({ args, flags }) =>
    splitResult(await createFeatureAction({ slug: args['slug'] ?? '' }, flags as Parameters<typeof createFeatureAction>[1])),
};
