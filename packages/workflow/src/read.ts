// The read-only commands' entry: what `list-tasks` and `check-prerequisites` need, without the rest of the library
// (planning, execution, merge), so that the CLI's bundle loads a fraction of the code for them (ADR 0024).
export { createGitPort } from './git/git-adapter.js';
export { listTasks } from './tasks/task-commands.js';
export { checkPrerequisites } from './planning/check-prerequisites.js';
