import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EventDraft } from '@kitty/events';
import { createFeature, finalizeTasks, readStatusLog, type EventsPort, type WorkflowError } from '../src/index.js';
import { memoryEvents, memoryTemplates, newProject, sgit, wenv, wpFile, write } from './helpers.js';

/** tasks.md of a four-package feature: WP02 depends on WP01; WP03 on WP01 and WP02; WP04 stands alone. */
export const TASKS_MD = `# Work Packages: Checkout

## Work Package WP01: Schema (Priority: P0)

### Included Subtasks
- [ ] T001 Create the tables
- [ ] T002 [P] Add indexes

## Work Package WP02: API (Priority: P1)

### Included Subtasks
- [ ] T003 POST /checkout

### Dependencies
- Depends on WP01.

## Work Package WP03: UI

### Included Subtasks
- [ ] T004 Checkout page

**Dependencies**: WP01, WP02

## Work Package WP04: Docs

### Included Subtasks
- [ ] T005 Write the guide
`;

/** A project with a finalized four-package feature, and an in-memory events port. */
export async function withTasks(
  options: { events?: EventsPort & { drafts: EventDraft[] }; tasks?: string; parent?: string; agents?: string } = {},
) {
  const events = options.events ?? memoryEvents();
  const p = await newProject(options.agents ?? 'claude', options.parent);
  const f = await createFeature({ ...wenv(p.dir, { events }), slug: 'checkout', templates: memoryTemplates() });
  const fdir = f.feature_dir;
  write(fdir, {
    'tasks.md': options.tasks ?? TASKS_MD,
    'tasks/WP01-schema.md': wpFile('WP01', 'Schema'),
    'tasks/WP02-api.md': wpFile('WP02', 'API'),
    'tasks/WP03-ui.md': wpFile('WP03', 'UI'),
    'tasks/WP04-docs.md': wpFile('WP04', 'Docs'),
  });
  await finalizeTasks({ ...wenv(p.dir, { events }) });
  events.drafts.splice(0);
  const env = (cwd = p.dir, extra: { env?: Record<string, string | undefined> } = {}) => wenv(cwd, { events, ...extra });
  return { ...p, events, feature: f.feature, fdir, env };
}

/** Commits a file in a worktree (an agent's implementation commit). */
export async function commitIn(ws: string, file = 'src/feature.txt', text = 'work\n', message = 'feat: work'): Promise<string> {
  write(ws, { [file]: text });
  const g = sgit(ws);
  await g.add([file]);
  await g.commit(message);
  return (await g.revparse(['HEAD'])).trim();
}

/** The status log's events of a feature directory. */
export function logEvents(dir: string, feature: string) {
  return readStatusLog(dir, {
    slug: feature,
    number: feature.slice(0, 3),
    dir: path.join(dir, 'kitty-specs', feature),
    relDir: `kitty-specs/${feature}`,
  }).events;
}

/** Marks subtasks done by editing tasks.md and committing it. */
export async function tick(dir: string, fdir: string, ...ids: string[]): Promise<void> {
  const p = path.join(fdir, 'tasks.md');
  let text = readFileSync(p, 'utf8');
  for (const id of ids) text = text.replace(`- [ ] ${id}`, `- [x] ${id}`);
  writeFileSync(p, text);
  await sgit(dir).add([p]);
  await sgit(dir).commit(`tick ${ids.join(' ')}`);
}

/** Awaits a promise that must fail and returns its error. */
export async function caught(p: Promise<unknown>): Promise<WorkflowError> {
  try {
    await p;
  } catch (err) {
    return err as WorkflowError;
  }
  throw new Error('expected the call to fail');
}
