import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs, createHttpTestServer, type HttpTestServer } from '@kitty/test-utils';
import { startMcp } from './mcp-helpers.js';
import { queueHistoryEvents } from './queue-helpers.js';
import { shopProject } from './workflow-sandbox.js';

afterAll(cleanupTempDirs);

// Every `--json` document (and every MCP tool result) uses snake_case keys, nested ones included (DESIGN §5, the
// incumbent's style). A representative run of the commands, failures included, is walked key by key.

const SNAKE = /^[a-z0-9]+(_[a-z0-9]+)*$/;

/**
 * The only keys that may be something else, each because the key is data rather than a name:
 * - `work_packages` maps (a status snapshot, `mark-status`) are keyed by work-package or subtask ids (`WP01`, `T001`);
 * - `retry_histogram` (sync status) is keyed by retry-count buckets (`0`, `1-3`, `4+`);
 * - `categories` (sync now) is keyed by the server's own rejection categories;
 * and one deliberate alias set: `auth login` keeps `teamSlug` and `serverUrl` beside `team_slug` and
 * `server_url` for one release, because scripts written against 0.1 read them.
 */
const DATA_KEYED = /\.(work_packages|retry_histogram|categories)$/;
const ALIASES: Readonly<Record<string, readonly string[]>> = { 'auth login': ['teamSlug', 'serverUrl'] };

/** Every key path in `doc` that is not snake_case (keys of data maps and the command's aliases excepted). */
function nonSnakeKeys(doc: unknown, command: string): string[] {
  const aliases = new Set(ALIASES[command] ?? []);
  const found: string[] = [];
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, `${at}[]`));
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const keyIsData = DATA_KEYED.test(at) || (at === '' && aliases.has(k));
      if (!keyIsData && !SNAKE.test(k)) found.push(`${at}.${k}`);
      walk(x, `${at}.${k}`);
    }
  };
  walk(doc, '');
  return found;
}

let server: HttpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('--json documents use snake_case keys', () => {
  it('the walker finds camelCase keys at any depth and honours only the listed exceptions', () => {
    expect(nonSnakeKeys({ ok: 1, a_b: [{ c: { deepKey: 1 } }], work_packages: { WP01: { laneName: 'x' } } }, 'x')).toEqual([
      '.a_b[].c.deepKey',
      '.work_packages.WP01.laneName',
    ]);
    expect(nonSnakeKeys({ teamSlug: 't' }, 'auth login')).toEqual([]);
    expect(nonSnakeKeys({ teamSlug: 't' }, 'auth status')).toEqual(['.teamSlug']);
  });

  it('in the workflow, runtime, sync, auth, dashboard and MCP documents of a real project', async () => {
    const sb = await shopProject(2, { prefix: 'kitty-json-keys-' });
    server = await createHttpTestServer();
    server.on('POST /api/v1/token/', (req) =>
      (req.json as { password?: string }).password === 'hunter2'
        ? {
            body: {
              access: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln',
              refresh: 'eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJyZWZyZXNoIn0.c2ln',
              team_slug: 'team-a',
            },
          }
        : { status: 401, body: { detail: 'No active account' } },
    );
    server.on('POST /api/v1/events/batch/', { status: 413 });

    const problems: Record<string, string[]> = {};
    const documents: string[] = [];
    const check = async (args: string[], input?: string): Promise<void> => {
      const r = await sb.kitty([...args, '--json'], input === undefined ? {} : { input });
      const command = args
        .filter((a) => /^[a-z][a-z-]*$/.test(a))
        .slice(0, 2)
        .join(' ');
      let doc: unknown;
      try {
        doc = JSON.parse(r.stdout);
      } catch {
        problems[args.join(' ')] = [`not one JSON document (exit ${r.code}): ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 200)}`];
        return;
      }
      documents.push(args.join(' '));
      const bad = nonSnakeKeys(doc, command);
      if (bad.length > 0) problems[args.join(' ')] = bad;
    };

    // Workflow reads and writes, a failure with details, the runtime commands.
    await check(['agent', 'tasks', 'move-task', 'WP01', '--to', 'claimed', '--agent', 'a1']);
    await check(['agent', 'status', 'emit', 'WP01', '--to', 'in_progress', '--actor', 'a1']);
    await check(['agent', 'tasks', 'add-history', 'WP01', '--note', 'started']);
    await check(['agent', 'tasks', 'mark-status', 'T001', '--status', 'done']);
    for (const args of [
      ['agent', 'tasks', 'status'],
      ['agent', 'tasks', 'list-tasks'],
      ['agent', 'tasks', 'list-dependents', 'WP01'],
      ['agent', 'tasks', 'validate-workflow', 'WP01'],
      ['agent', 'feature', 'check-prerequisites'],
      ['agent', 'feature', 'setup-plan'],
      ['agent', 'status', 'validate'],
      ['agent', 'status', 'materialize'],
      ['agent', 'config', 'list'],
      ['agent', 'config', 'status'],
      ['agent', 'context', 'update-context', '--agent-type', 'claude'],
      ['mission', 'list'],
      ['mission', 'current'],
      ['next', '--agent', 'a1'],
      ['validate-tasks'],
      ['validate-encoding'],
      ['verify-setup'],
      ['research'],
      ['upgrade', '--dry-run'],
      ['merge', '--dry-run'],
      ['accept'],
      ['config'],
      ['events', 'lanes'],
      ['agent', 'tasks', 'move-task', 'WP09', '--to', 'done', '--agent', 'a1'],
      ['implement', 'WP02', '--agent', 'a2'],
    ])
      await check(args);

    // Sync and auth: logged out, then logged in with a queued event that the server refuses into the dead letters.
    await check(['auth', 'status']);
    await check(['sync', 'status']);
    await check(['sync', 'server', server.url]);
    await check(['auth', 'login', '-u', 'ada', '--password-stdin'], 'hunter2\n');
    await queueHistoryEvents(sb.home, server.url, 2);
    await check(['sync', 'status', '--check']);
    await check(['auth', 'status']);
    await check(['sync', 'diagnose']);
    await check(['sync', 'now']);
    await check(['sync', 'dead']);
    await check(['sync', 'deliver']);
    await check(['auth', 'logout']);

    // The dashboard's start and stop documents.
    await check(['dashboard']);
    await check(['dashboard', '--kill']);

    // The MCP server's tool results (the same documents, as agents get them over MCP).
    const mcp = await startMcp(['--tools', 'all'], { cwd: sb.project, env: sb.env });
    try {
      for (const [tool, args] of [
        ['tasks_status', {}],
        ['tasks_list', {}],
        ['next', { agent: 'a1' }],
        ['feature_check_prerequisites', {}],
        ['sync_status', {}],
        ['tasks_move', { wp: 'WP09', to: 'done', agent: 'a1' }],
      ] as const) {
        const r = await mcp.call(tool, args);
        documents.push(`mcp ${tool}`);
        const bad = nonSnakeKeys(r.structuredContent ?? JSON.parse((r.content[0] as { text: string }).text), tool);
        if (bad.length > 0) problems[`mcp ${tool}`] = bad;
      }
    } finally {
      await mcp.close();
    }

    expect(problems).toEqual({});
    expect(documents.length).toBeGreaterThanOrEqual(45);
  }, 400_000);
});
