import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseDocument } from 'yaml';
import { cleanupTempDirs } from '@kitty/test-utils';
import { json, workflowSandbox, writeTasks } from './workflow-sandbox.js';
import { reference, restoreStage } from './python-stages.js';

// Issue 16 "done when": kitty writes a project and every file the Python spec-kitty 2.0.0 reads is checked,
// field by field and format by format, against what Python itself wrote (the fixture's stage d).
afterAll(cleanupTempDirs);

const read = (...p: string[]) => readFileSync(path.join(...p), 'utf8');
/** The value PyYAML would load: YAML 1.1 (timestamps become dates, `yes` a boolean…). */
const yaml11 = (text: string) => parse(text, { version: '1.1', customTags: ['timestamp'] }) as Record<string, unknown>;
const frontmatter = (text: string) => /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1] ?? '';
const keysOf = (text: string) => parseDocument(text).contents && Object.keys(parse(text) as Record<string, unknown>);

describe('files kitty writes are read by the Python spec-kitty 2.0.0 without refusal or rewrite', () => {
  it('metadata.yaml, WP frontmatter, status log lines, status.json and meta.json follow Python’s formats', async () => {
    const sb = workflowSandbox('kitty-pyfmt-');
    const py = restoreStage('d', path.join(sb.root, 'python'), sb.home);
    const pyFeature = path.join(py, 'kitty-specs/001-export-to-csv');
    const ok = async (args: string[], cwd?: string) => {
      const r = await sb.kitty(args, cwd === undefined ? {} : { cwd });
      if (r.code !== 0) throw new Error(`spec-kitty ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
      return json(r);
    };
    await ok(['init', '--here', '--ai', 'claude,codex', '--non-interactive', '--json']);
    const created = await ok(['agent', 'feature', 'create-feature', 'export-to-csv', '--json']);
    const fdir = created['feature_dir'] as string;
    writeFileSync(path.join(fdir, 'spec.md'), '# Spec\n\n- FR-001: export to CSV.\n');
    await ok(['agent', 'feature', 'setup-plan', '--json']);
    writeTasks(fdir, 2);
    await ok(['agent', 'feature', 'finalize-tasks', '--json']);
    const impl = await ok(['implement', 'WP01', '--agent', 'claude', '--json']);
    const ws = impl['workspace_abs_path'] as string;
    writeFileSync(path.join(ws, 'csv.ts'), 'export {};\n');
    sb.git(['add', 'csv.ts'], ws);
    sb.git(['commit', '-qm', 'feat(WP01): csv'], ws);
    await ok(['agent', 'tasks', 'mark-status', 'T001', '--status', 'done', '--json'], ws);
    await ok(
      ['agent', 'tasks', 'move-task', 'WP01', '--to', 'for_review', '--agent', 'claude', '--note', 'Ready for review', '--json'],
      ws,
    );
    // Separation of duties: the reviewer (not the implementer) claims the review before approving.
    await ok(['agent', 'workflow', 'review', 'WP01', '--agent', 'codex', '--json']);
    await ok(['agent', 'tasks', 'move-task', 'WP01', '--to', 'done', '--agent', 'codex', '--note', 'Approved', '--json']);

    // .kittify/metadata.yaml: the version key Python compares with its own version, timestamps as quoted strings.
    const pyMeta = read(py, '.kittify/metadata.yaml');
    const ourMeta = read(sb.project, '.kittify/metadata.yaml');
    expect(yaml11(ourMeta)['spec_kitty']).toMatchObject({
      version: (yaml11(pyMeta)['spec_kitty'] as Record<string, unknown>)['version'],
      last_upgraded_at: null,
    });
    expect(typeof (yaml11(ourMeta)['spec_kitty'] as Record<string, unknown>)['initialized_at']).toBe('string');
    expect(ourMeta).toMatch(/^ {2}initialized_at: '[^']+'$/m);
    expect(pyMeta).toMatch(/^ {2}initialized_at: '[^']+'$/m);
    for (const key of keysOf(pyMeta) ?? []) expect(Object.keys(yaml11(ourMeta))).toContain(key);
    expect((yaml11(ourMeta)['migrations'] as Record<string, unknown>)['applied']).toEqual([]);
    expect(
      ourMeta
        .split('\n')
        .slice(0, 3)
        .every((l) => l.startsWith('#')),
    ).toBe(true);

    // WP frontmatter: every key Python's has, every timestamp a string for a YAML 1.1 reader, lanes from its vocabulary.
    const pyWp = yaml11(frontmatter(read(pyFeature, 'tasks/WP01-csv-writer-core.md')));
    const ourWpText = frontmatter(read(fdir, 'tasks/WP01-part-1.md'));
    const ourWp = yaml11(ourWpText);
    for (const key of Object.keys(pyWp)) if (key !== 'history') expect({ key, present: key in ourWp }).toEqual({ key, present: true });
    for (const [k, v] of Object.entries(ourWp)) if (k.endsWith('_at')) expect({ k, type: typeof v }).toEqual({ k, type: 'string' });
    expect(ourWpText).toMatch(/^created_at: '[^']+'$/m);
    expect(['planned', 'doing', 'claimed', 'in_progress', 'for_review', 'done', 'blocked', 'canceled']).toContain(ourWp['lane']);
    expect(Array.isArray(ourWp['dependencies'])).toBe(true);

    // status.events.jsonl: Python's keys, sorted, with json.dumps' default separators.
    const pyLines = read(pyFeature, 'status.events.jsonl').trim().split('\n');
    const ourLines = read(fdir, 'status.events.jsonl').trim().split('\n');
    const pyKeys = Object.keys(JSON.parse(pyLines[0] as string) as Record<string, unknown>);
    for (const line of ourLines) {
      const ev = JSON.parse(line) as Record<string, unknown>;
      const keys = Object.keys(ev);
      for (const k of pyKeys) expect(keys).toContain(k);
      expect(keys).toEqual([...keys].sort());
      expect(line).toBe(
        `{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(ev[k], null, 1).replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']').replace(/\{ /g, '{').replace(/ \}/g, '}')}`).join(', ')}}`,
      );
      expect(String(ev['at'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);
    }
    const done = JSON.parse(ourLines.at(-1) as string) as Record<string, any>;
    const pyDone = JSON.parse(pyLines.at(-1) as string) as Record<string, any>;
    expect(Object.keys(done['evidence']['review']).sort()).toEqual(Object.keys(pyDone['evidence']['review']).sort());

    // status.json: indent 2, sorted keys, trailing newline, Python's keys.
    const pyStatus = read(pyFeature, 'status.json');
    const ourStatus = read(fdir, 'status.json');
    expect(ourStatus.endsWith('}\n')).toBe(true);
    const sortedDeep = (v: unknown): unknown =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortedDeep((v as Record<string, unknown>)[k])]),
          )
        : v;
    expect(ourStatus).toBe(`${JSON.stringify(sortedDeep(JSON.parse(ourStatus)), null, 2)}\n`);
    for (const k of Object.keys(JSON.parse(pyStatus) as Record<string, unknown>))
      expect(Object.keys(JSON.parse(ourStatus) as Record<string, unknown>)).toContain(k);

    // meta.json: indent 2 and every key Python writes (its create-time and implement-time forms).
    const pyMetaJson = JSON.parse(read(pyFeature, 'meta.json')) as Record<string, unknown>;
    const ourMetaText = read(fdir, 'meta.json');
    const ourMetaJson = JSON.parse(ourMetaText) as Record<string, unknown>;
    for (const k of Object.keys(JSON.parse(read(py, 'kitty-specs/002-offline-sync/meta.json')) as Record<string, unknown>))
      expect(Object.keys(ourMetaJson)).toContain(k);
    for (const k of Object.keys(pyMetaJson)) if (k !== 'vcs' && k !== 'vcs_locked_at') expect(Object.keys(ourMetaJson)).toContain(k);
    expect(ourMetaText.startsWith('{\n  "')).toBe(true);
    expect(String(ourMetaJson['created_at'])).toMatch(/^\d{4}-\d\d-\d\dT/);

    // config.yaml: Python's agents.available list.
    const ourConfig = yaml11(read(sb.project, '.kittify/config.yaml'));
    expect((ourConfig['agents'] as Record<string, unknown>)['available']).toEqual(
      (yaml11(read(reference, 'projects/after-init/.kittify/config.yaml'))['agents'] as Record<string, unknown>)['available'],
    );
  }, 300_000);
});
