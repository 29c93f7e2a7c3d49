import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { bin } from './helpers.js';
import { json, workflowSandbox, writeTasks } from './workflow-sandbox.js';
import { normalizeJson, normalizer, startMcp, toolJson, treeOf, type McpSession } from './mcp-helpers.js';

// Issue 20 "done when": spec-kitty mcp through the built CLI, driven by the SDK's client over stdio, walks a feature
// from create to a work package in for_review with tool calls only; a twin repository walked with the CLI ends in
// the same state, and every tool result equals the CLI's --json document for the same step.
afterAll(cleanupTempDirs);

const ALL_TOOLS = [
  'next',
  'tasks_list',
  'tasks_status',
  'workflow_implement',
  'tasks_mark_status',
  'tasks_move',
  'tasks_add_history',
  'workflow_review',
  'feature_create',
  'feature_setup_plan',
  'feature_finalize_tasks',
  'feature_check_prerequisites',
  'accept',
  'merge',
  'sync_status',
];
const CORE_TOOLS = ALL_TOOLS.slice(0, 8);

/** Two identical projects: one walked through MCP tool calls, one through the CLI. */
async function twins() {
  const viaMcp = workflowSandbox('kitty-mcp-');
  const viaCli = workflowSandbox('kitty-mcp-twin-');
  for (const box of [viaMcp, viaCli]) {
    const init = await box.kitty(['init', '--here', '--ai', 'claude', '--non-interactive', '--no-mcp', '--json']);
    expect(init.code).toBe(0);
  }
  return { viaMcp, viaCli };
}

describe('spec-kitty mcp: a feature from create to for_review through MCP tool calls, compared with the CLI', () => {
  it('lists tools and resources, and each step leaves the same result and repository as the CLI', async () => {
    const { viaMcp, viaCli } = await twins();
    // Started from outside the project, with --project (the CLI way of naming the project).
    const mcp = await startMcp(['--tools', 'all', '--project', viaMcp.project], { cwd: viaMcp.root, env: viaMcp.env });
    try {
      const { tools } = await mcp.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...ALL_TOOLS].sort());
      const move = tools.find((t) => t.name === 'tasks_move');
      // Inputs come from the command's own flags: names in snake_case, required ones required, descriptions kept.
      expect(move?.inputSchema).toMatchObject({
        type: 'object',
        required: expect.arrayContaining(['wp', 'to']),
        properties: { review_feedback_file: { type: 'string' }, force: { type: 'boolean' } },
      });
      expect(move?.inputSchema['additionalProperties']).toBe(false);
      expect(move?.description).toContain('Move a work package to another lane');
      expect(tools.find((t) => t.name === 'tasks_status')?.inputSchema.properties?.['stale_threshold']).toMatchObject({
        type: 'integer',
        default: 10,
      });
      expect(tools.find((t) => t.name === 'merge')?.inputSchema.properties?.['dry_run']).toMatchObject({ type: 'boolean', default: true });
      expect(tools.find((t) => t.name === 'tasks_mark_status')?.inputSchema).toMatchObject({
        required: expect.arrayContaining(['task_ids', 'status']),
        properties: { status: { enum: ['done', 'pending'] } },
      });
      const first = await mcp.client.listResources();
      expect(first.resources.map((r) => r.uri)).toEqual(['kitty://features']);
      const templates = await mcp.client.listResourceTemplates();
      expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual([
        'kitty://features/{feature}/{document}',
        'kitty://features/{feature}/work-packages/{wp}',
      ]);

      const normMcp = normalizer(viaMcp.root);
      const normCli = normalizer(viaCli.root);
      /** One step both ways: the tool result must equal the CLI's --json document (normalized). */
      const step = async (tool: string, args: Record<string, unknown>, cli: string[]): Promise<Record<string, any>> => {
        const r = await mcp.call(tool, args);
        if (r.isError) throw new Error(`${tool} failed: ${JSON.stringify(r.structuredContent)}\n${mcp.stderr()}`);
        const viaTool = toolJson(r);
        const c = await viaCli.kitty([...cli, '--json']);
        expect(c.code).toBe(0);
        expect(normalizeJson(viaTool, normMcp)).toEqual(normalizeJson(json(c), normCli));
        return viaTool;
      };
      /** What an agent does between tool calls (edit files, commit), done the same way in both projects. */
      const both = (fn: (box: typeof viaMcp) => void): void => {
        fn(viaMcp);
        fn(viaCli);
      };

      const created = await step('feature_create', { slug: 'shop' }, ['agent', 'feature', 'create-feature', 'shop']);
      expect(created).toMatchObject({ result: 'success', feature: '001-shop' });
      both((b) =>
        writeFileSync(path.join(b.project, 'kitty-specs/001-shop/spec.md'), '# Spec: shop\n\n- FR-001: customers can buy things.\n'),
      );
      both((b) => b.git(['commit', '-qam', 'spec: shop']));
      expect(
        await step('feature_setup_plan', { feature: '001-shop' }, ['agent', 'feature', 'setup-plan', '--feature', '001-shop']),
      ).toMatchObject({ plan_created: true });
      both((b) => writeTasks(path.join(b.project, 'kitty-specs/001-shop'), 2));
      expect(await step('feature_finalize_tasks', {}, ['agent', 'feature', 'finalize-tasks'])).toMatchObject({
        updated_wp_count: 2,
        commit_created: true,
      });
      expect(
        await step('feature_check_prerequisites', { include_tasks: true }, ['agent', 'feature', 'check-prerequisites', '--include-tasks']),
      ).toMatchObject({ valid: true });
      expect(
        await step('feature_check_prerequisites', { paths_only: true }, ['agent', 'feature', 'check-prerequisites', '--paths-only']),
      ).toHaveProperty('tasks_file');
      expect(await step('tasks_list', {}, ['agent', 'tasks', 'list-tasks'])).toMatchObject({ count: 2 });
      expect(await step('next', { agent: 'claude' }, ['next', '--agent', 'claude'])).toMatchObject({ kind: 'step' });

      const impl = await step('workflow_implement', { wp: 'WP01', agent: 'claude' }, [
        'agent',
        'workflow',
        'implement',
        'WP01',
        '--agent',
        'claude',
      ]);
      expect(impl).toMatchObject({ wp_id: 'WP01', lane: 'in_progress', claimed: true });
      both((b) => {
        const ws = path.join(b.project, '.worktrees/001-shop-WP01');
        writeFileSync(path.join(ws, 'cart.txt'), 'a cart\n');
        b.git(['add', 'cart.txt'], ws);
        b.git(['commit', '-qm', 'feat(WP01): cart'], ws);
      });
      expect(
        await step('tasks_add_history', { wp: 'WP01', note: 'Chose a plain file', agent: 'claude' }, [
          'agent',
          'tasks',
          'add-history',
          'WP01',
          '--note',
          'Chose a plain file',
          '--agent',
          'claude',
        ]),
      ).toMatchObject({ task_id: 'WP01' });
      expect(
        await step('tasks_mark_status', { task_ids: ['T001'], status: 'done' }, [
          'agent',
          'tasks',
          'mark-status',
          'T001',
          '--status',
          'done',
        ]),
      ).toMatchObject({ updated: ['T001'] });
      const moved = await step('tasks_move', { wp: 'WP01', to: 'for_review', agent: 'claude', note: 'ready for review' }, [
        'agent',
        'tasks',
        'move-task',
        'WP01',
        '--to',
        'for_review',
        '--agent',
        'claude',
        '--note',
        'ready for review',
      ]);
      expect(moved).toMatchObject({ old_lane: 'in_progress', new_lane: 'for_review', commit_created: true });
      // A reviewer takes it (the lane stays for_review; the review prompt is written under the git directory).
      expect(
        await step('workflow_review', { wp: 'WP01', agent: 'codex' }, ['agent', 'workflow', 'review', 'WP01', '--agent', 'codex']),
      ).toMatchObject({
        wp_id: 'WP01',
        reviewer: 'codex',
        lane: 'for_review',
      });
      const board = await step('tasks_status', {}, ['agent', 'tasks', 'status']);
      expect(board['by_lane']).toMatchObject({ for_review: 1, planned: 1 });
      expect(await step('merge', { feature: '001-shop' }, ['merge', '--feature', '001-shop', '--dry-run'])).toMatchObject({
        result: 'dry_run',
        dry_run: true,
      });
      await step('sync_status', {}, ['sync', 'status']);
      // A result with a failing exit (the feature is not ready): the same document, flagged isError.
      const accept = await mcp.call('accept', { feature: '001-shop', mode: 'checklist' });
      expect(accept.isError).toBe(true);
      const acceptCli = await viaCli.kitty(['accept', '--feature', '001-shop', '--mode', 'checklist', '--json']);
      expect(acceptCli.code).toBe(1);
      expect(toolJson(accept)).toMatchObject({ result: 'not_ready', ok: false });
      expect(normalizeJson(toolJson(accept), normMcp)).toEqual(normalizeJson(json(acceptCli), normCli));

      // The same repository state: files (ids and times aside), commits, branches, worktrees, nothing uncommitted.
      expect(treeOf(viaMcp.project, normMcp)).toEqual(treeOf(viaCli.project, normCli));
      const history = (b: typeof viaMcp): string => b.git(['log', '--all', '--format=%s', '--topo-order']);
      expect(history(viaMcp)).toEqual(history(viaCli));
      expect(history(viaMcp)).toContain('chore: Move WP01 to for_review on spec 001 [claude]');
      both((b) => expect(b.git(['status', '--porcelain', '--untracked-files=all'])).toBe(''));
      const refs = (b: typeof viaMcp, n: (t: string) => string): string =>
        n(b.git(['worktree', 'list', '--porcelain']) + b.git(['branch', '--list', '--format=%(refname:short)']));
      expect(refs(viaMcp, normMcp)).toEqual(refs(viaCli, normCli));

      // Resources: the feature list, the documents and the work-package prompts, read-only.
      const listed = (await mcp.client.listResources()).resources.map((r) => r.uri);
      expect(listed).toEqual([
        'kitty://features',
        'kitty://features/001-shop/spec.md',
        'kitty://features/001-shop/plan.md',
        'kitty://features/001-shop/tasks.md',
        'kitty://features/001-shop/work-packages/WP01',
        'kitty://features/001-shop/work-packages/WP02',
      ]);
      const features = JSON.parse(((await mcp.client.readResource({ uri: 'kitty://features' })).contents[0] as { text: string }).text);
      expect(features.features).toEqual([
        expect.objectContaining({
          feature_slug: '001-shop',
          work_packages: [expect.objectContaining({ id: 'WP01', title: 'Part 1' }), expect.objectContaining({ id: 'WP02' })],
        }),
      ]);
      const wp = await mcp.client.readResource({ uri: 'kitty://features/001-shop/work-packages/WP01' });
      const wpFile = readFileSync(path.join(viaMcp.project, 'kitty-specs/001-shop/tasks/WP01-part-1.md'), 'utf8');
      expect(wp.contents).toEqual([{ uri: 'kitty://features/001-shop/work-packages/WP01', mimeType: 'text/markdown', text: wpFile }]);
      expect(wpFile).toContain('lane: "for_review"');
    } finally {
      await mcp.close();
    }
  }, 240_000);
});

describe('spec-kitty mcp: bad input gets a tool error with code and hint, and the server keeps serving', () => {
  it('answers unknown work packages, illegal moves, missing or unknown arguments, outside paths and unknown tools', async () => {
    const { viaMcp: box, viaCli: twin } = await twins();
    for (const b of [box, twin]) {
      expect((await b.kitty(['agent', 'feature', 'create-feature', 'shop', '--json'])).code).toBe(0);
      writeTasks(path.join(b.project, 'kitty-specs/001-shop'), 2);
      expect((await b.kitty(['agent', 'feature', 'finalize-tasks', '--json'])).code).toBe(0);
    }
    const mcp: McpSession = await startMcp([], { cwd: box.project, env: box.env });
    try {
      const fails = async (tool: string, args: Record<string, unknown>, code: string, cli?: string[]): Promise<Record<string, any>> => {
        const r = await mcp.call(tool, args);
        expect(r.isError).toBe(true);
        const body = toolJson(r)['error'];
        expect(body).toMatchObject({ code, message: expect.any(String), hint: expect.any(String) });
        expect(body.suggestions[0]).toBe(body.hint);
        if (cli) {
          // The same error document the CLI prints with --json.
          const c = await twin.kitty([...cli, '--json']);
          expect(c.code).not.toBe(0);
          expect(normalizeJson(body, normalizer(box.root))).toEqual(normalizeJson(json(c)['error'], normalizer(twin.root)));
        }
        return body;
      };

      // The default tool list is the agent loop only.
      expect((await mcp.client.listTools()).tools.map((t) => t.name)).toEqual(CORE_TOOLS);
      await fails('tasks_move', { wp: 'WP99', to: 'for_review', agent: 'claude' }, 'UNKNOWN_WORK_PACKAGE', [
        'agent',
        'tasks',
        'move-task',
        'WP99',
        '--to',
        'for_review',
        '--agent',
        'claude',
      ]);
      const illegal = await fails('tasks_move', { wp: 'WP02', to: 'done', agent: 'claude' }, 'REVIEW_REQUIRED', [
        'agent',
        'tasks',
        'move-task',
        'WP02',
        '--to',
        'done',
        '--agent',
        'claude',
      ]);
      expect(illegal.message).toContain('WP02');
      await fails('tasks_move', { wp: 'WP01', to: 'sideways' }, 'INVALID_LANE', [
        'agent',
        'tasks',
        'move-task',
        'WP01',
        '--to',
        'sideways',
      ]);
      const missing = await fails('tasks_move', {}, 'INVALID_TOOL_INPUT');
      expect(missing.message).toMatch(/wp: missing \(required\).*to: missing \(required\)/);
      expect(missing.hint).toBe('Call it like: tasks_move {"wp":"…","to":"…"}');
      const unknownArg = await fails('tasks_list', { lanes: 'planned' }, 'INVALID_TOOL_INPUT');
      expect(unknownArg.message).toContain('lanes: unknown argument');
      const wrongType = await fails('tasks_status', { stale_threshold: 'ten' }, 'INVALID_TOOL_INPUT');
      expect(wrongType.message).toContain('stale_threshold: expected number, received "ten"');
      await fails('tasks_mark_status', { task_ids: ['T001'], status: 'finished' }, 'INVALID_TOOL_INPUT');
      const outside = await fails(
        'tasks_move',
        { wp: 'WP01', to: 'planned', review_feedback_file: '../../../etc/passwd' },
        'PATH_OUTSIDE_PROJECT',
      );
      expect(outside.message).toContain('outside the project');
      await fails('tasks_move', { wp: 'WP01', to: 'planned', review_feedback_file: '/etc/passwd' }, 'PATH_OUTSIDE_PROJECT');
      const hidden = await fails('feature_create', { slug: 'more' }, 'UNKNOWN_TOOL');
      expect(hidden.hint).toContain('--tools all');
      await fails('rm_rf', {}, 'UNKNOWN_TOOL');
      await fails('tasks_list', { feature: '../../etc' }, 'INVALID_FEATURE_SLUG', [
        'agent',
        'tasks',
        'list-tasks',
        '--feature',
        '../../etc',
      ]);

      // Resources outside the project, or that do not exist, are protocol errors carrying the same body.
      for (const uri of [
        'kitty://features/../../etc/passwd',
        'kitty://features/001-shop/../../../etc/passwd',
        'kitty://features/001-shop/work-packages/WP99',
        'file:///etc/passwd',
      ]) {
        await expect(mcp.client.readResource({ uri })).rejects.toMatchObject({
          code: -32602,
          data: { code: 'UNKNOWN_RESOURCE', hint: expect.stringContaining('kitty://features') },
        });
      }

      // Still serving, and nothing was changed by the failed calls.
      const list = toolJson(await mcp.call('tasks_list', {}));
      expect(list['tasks'].map((t: Record<string, unknown>) => [t['work_package_id'], t['lane']])).toEqual([
        ['WP01', 'planned'],
        ['WP02', 'planned'],
      ]);
      expect(box.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
    } finally {
      await mcp.close();
    }
  }, 180_000);

  it('refuses to start outside a project or with an unknown --tools entry, and exits cleanly when stdin closes', async () => {
    const { root, project, env, kitty } = workflowSandbox('kitty-mcp-start-');
    const outside = await kitty(['mcp'], { cwd: root });
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toContain('NOT_A_PROJECT');
    expect((await kitty(['init', '--here', '--ai', 'claude', '--non-interactive', '--no-mcp', '--json'])).code).toBe(0);
    const bad = await kitty(['mcp', '--tools', 'core,everything']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('neither a tool group nor a tool');
    // stdin closed at once (no client): the server stops by itself with exit code 0 and prints nothing on stdout.
    const idle = await kitty(['mcp', '--project', project], { env });
    expect(idle).toMatchObject({ code: 0, stdout: '' });
    expect(idle.stderr).toContain('spec-kitty MCP server for');
  }, 60_000);
});

describe('spec-kitty mcp: the protocol stream', () => {
  it('skips a line that is not JSON-RPC and answers the next request; SIGINT stops it', async () => {
    const { project, env, kitty } = workflowSandbox('kitty-mcp-raw-');
    expect((await kitty(['init', '--here', '--ai', 'claude', '--non-interactive', '--no-mcp', '--json'])).code).toBe(0);
    const child = spawn(process.execPath, [bin, 'mcp'], { cwd: project, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const replies: Array<Record<string, any>> = [];
    const waiters: Array<() => void> = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let i: number;
      while ((i = out.indexOf('\n')) >= 0) {
        replies.push(JSON.parse(out.slice(0, i)) as Record<string, any>);
        out = out.slice(i + 1);
        waiters.splice(0).forEach((w) => w());
      }
    });
    const reply = async (id: number): Promise<Record<string, any>> => {
      for (;;) {
        const hit = replies.find((r) => r['id'] === id);
        if (hit) return hit;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    const send = (msg: object): void => void child.stdin.write(`${JSON.stringify(msg)}\n`);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      child.stdin.write('this is not json\n');
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
      });
      expect((await reply(1))['result']).toMatchObject({ serverInfo: { name: 'spec-kitty' }, capabilities: { tools: {}, resources: {} } });
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      child.stdin.write('{"jsonrpc": "2.0", "id": \n');
      send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'tasks_list', arguments: {} } });
      // No feature yet: a tool error (not a protocol failure), and the stream stays usable.
      expect((await reply(2))['result']).toMatchObject({
        isError: true,
        structuredContent: { error: { code: 'FEATURE_CONTEXT_UNRESOLVED' } },
      });
      send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
      expect((await reply(3))['result']['tools']).toHaveLength(8);
      expect(err).toContain('spec-kitty mcp:');
      child.kill('SIGINT');
      const end = await exited;
      expect(end.code !== 0 || end.signal !== null).toBe(true);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  }, 90_000);
});
