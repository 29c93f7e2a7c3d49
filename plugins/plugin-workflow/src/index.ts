// What other surfaces (the MCP server, plugins/plugin-mcp) reuse so that they call the workflow library exactly as
// these commands do. Commands themselves are found by oclif in ./commands.
export { splitResult } from './actions.js';
export { workflowEnv, machine, shellPid, runTestCommand } from './context.js';
export { resolverTemplates } from './templates.js';
export { reconcileStatusForSync } from './events-port.js';
export type { StatusSyncOutcome } from './events-port.js';
