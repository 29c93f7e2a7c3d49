import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupTempDirs, gitRepo, tempDir } from '@kitty/test-utils';
import { FRONTMATTER_CACHE_FORMAT, TASKS_MD_CACHE_FORMAT, parseCachePath } from '../src/files/parse-cache.js';
import { analyzeTaskPlan, checkPrerequisites, listFeatures, listTasks, moveTask, readWorkPackages, type FeatureRef } from '../src/index.js';
import { newProject, wenv, wpFile, write } from './helpers.js';

afterAll(cleanupTempDirs);

const FEATURE = 'kitty-specs/001-cached';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const yamlOf = (text: string): string => text.slice(4, text.indexOf('\n---', 4) + 1);

async function project(files: Record<string, string>): Promise<{ root: string; feature: FeatureRef; cache: string }> {
  const r = await gitRepo({ 'README.md': '# x\n' });
  write(r.dir, Object.fromEntries(Object.entries(files).map(([k, v]) => [`${FEATURE}/tasks/${k}`, v])));
  const feature = listFeatures(r.dir)[0] as FeatureRef;
  return { root: r.dir, feature, cache: parseCachePath(r.dir, feature, 'frontmatter') as string };
}

const entries = (cache: string): Record<string, unknown> =>
  (JSON.parse(readFileSync(cache, 'utf8')) as { entries: Record<string, unknown> }).entries;
const plain = (set: ReturnType<typeof readWorkPackages>) => ({
  ...set,
  workPackages: set.workPackages.map((w) => ({
    id: w.id,
    data: w.data,
    lane: w.lane,
    deps: w.dependencies,
    fm: { ...w.frontmatter, data: undefined },
  })),
});

describe('frontmatter cache (git dir, keyed by the YAML text)', () => {
  it('names the yaml version the package depends on (entries of another parser version are not reused)', () => {
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(FRONTMATTER_CACHE_FORMAT).toContain(`yaml@${pkg.dependencies['yaml']?.replace(/^[\^~]/, '')} `);
    expect(TASKS_MD_CACHE_FORMAT).toContain(`markdown-it@${pkg.dependencies['markdown-it']?.replace(/^[\^~]/, '')} `);
  });

  it('the first read fills it, the next reads give identical results from it and leave the file alone', async () => {
    const { root, feature, cache } = await project({
      'WP01-a.md': wpFile('WP01', 'A'),
      'WP02-b.md': wpFile('WP02', 'B', 'dependencies: [WP01]\n'),
    });
    expect(cache).toBe(path.join(root, '.git/spec-kitty/cache/frontmatter-001-cached.json'));
    const first = readWorkPackages(root, feature);
    expect(Object.keys(entries(cache)).sort()).toEqual(
      [sha(yamlOf(wpFile('WP01', 'A'))), sha(yamlOf(wpFile('WP02', 'B', 'dependencies: [WP01]\n')))].sort(),
    );
    const written = statSync(cache).mtimeMs;
    const again = readWorkPackages(root, feature);
    expect(plain(again)).toEqual(plain(first));
    expect(again.workPackages[1]?.dependencies).toEqual(['WP01']);
    expect(statSync(cache).mtimeMs).toBe(written);
  });

  it('is consulted: an entry under the hash of a text is what that text reads as', async () => {
    const text = wpFile('WP01', 'A');
    const { root, feature, cache } = await project({ 'WP01-a.md': text });
    readWorkPackages(root, feature);
    const doc = JSON.parse(readFileSync(cache, 'utf8')) as { entries: Record<string, Record<string, unknown>> };
    (doc.entries[sha(yamlOf(text))] as Record<string, unknown>)['title'] = 'From the cache';
    writeFileSync(cache, JSON.stringify(doc));
    expect(readWorkPackages(root, feature).workPackages[0]?.title).toBe('From the cache');
  });

  it('never serves stale data: an edited file is parsed again and the old entry is dropped', async () => {
    const { root, feature, cache } = await project({ 'WP01-a.md': wpFile('WP01', 'A') });
    readWorkPackages(root, feature);
    const edited = wpFile('WP01', 'A renamed');
    write(root, { [`${FEATURE}/tasks/WP01-a.md`]: edited });
    expect(readWorkPackages(root, feature).workPackages[0]?.title).toBe('A renamed');
    expect(Object.keys(entries(cache))).toEqual([sha(yamlOf(edited))]);
  });

  it('lane changes and listings through the commands stay right with the cache in use', async () => {
    const { dir } = await newProject();
    write(dir, {
      [`${FEATURE}/spec.md`]: '# spec\n',
      [`${FEATURE}/tasks/WP01-a.md`]: wpFile('WP01', 'A'),
      [`${FEATURE}/tasks/WP02-b.md`]: wpFile('WP02', 'B'),
    });
    expect((await listTasks(wenv(dir))).tasks.map((t) => [t.work_package_id, t.lane, t.agent])).toEqual([
      ['WP01', 'planned', ''],
      ['WP02', 'planned', ''],
    ]);
    await moveTask({ ...wenv(dir), wpId: 'WP01', to: 'claimed', agent: 'claude' });
    expect((await listTasks(wenv(dir))).tasks.map((t) => [t.work_package_id, t.lane, t.agent])).toEqual([
      ['WP01', 'claimed', 'claude'],
      ['WP02', 'planned', ''],
    ]);
    expect(readFileSync(path.join(dir, FEATURE, 'tasks/WP01-a.md'), 'utf8')).toContain('lane: "claimed"');
  });

  it('a corrupt, foreign or oversized cache is ignored and rewritten', async () => {
    const { root, feature, cache } = await project({ 'WP01-a.md': wpFile('WP01', 'A') });
    const expected = plain(readWorkPackages(root, feature));
    for (const junk of [
      '{not json',
      JSON.stringify({ format: 'other', entries: {} }),
      JSON.stringify({ format: 'x', entries: [] }),
      JSON.stringify([1, 2]),
      `{"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`,
    ]) {
      writeFileSync(cache, junk);
      expect(plain(readWorkPackages(root, feature))).toEqual(expected);
      expect(Object.keys(entries(cache))).toHaveLength(1);
    }
    const doc = JSON.parse(readFileSync(cache, 'utf8')) as { entries: Record<string, unknown> };
    doc.entries[sha(yamlOf(wpFile('WP01', 'A')))] = ['not', 'a', 'mapping'];
    writeFileSync(cache, JSON.stringify(doc));
    expect(plain(readWorkPackages(root, feature))).toEqual(expected);
  });

  it('keeps out what JSON cannot carry, and problems (they are reported on every read)', async () => {
    const { root, feature, cache } = await project({
      'WP01-a.md': wpFile('WP01', 'A', 'estimate: .inf\n'),
      'WP02-b.md': '---\nwork_package_id: WP02\ntitle: [unclosed\n---\n# B\n',
      'WP03-c.md': wpFile('WP03', 'C'),
    });
    const first = readWorkPackages(root, feature);
    expect(first.workPackages.map((w) => w.id)).toEqual(['WP01', 'WP03']);
    expect(first.workPackages[0]?.data['estimate']).toBe(Number.POSITIVE_INFINITY);
    expect(Object.keys(entries(cache))).toEqual([sha(yamlOf(wpFile('WP03', 'C')))]);
    const second = readWorkPackages(root, feature);
    expect(second.workPackages[0]?.data['estimate']).toBe(Number.POSITIVE_INFINITY);
    expect(second.problems).toEqual(first.problems);
    expect(second.problems.length).toBeGreaterThan(0);
  });

  it('is not used without a .git directory, and a cache that cannot be written changes nothing', async () => {
    const noGit = tempDir({ [`${FEATURE}/tasks/WP01-a.md`]: wpFile('WP01', 'A') });
    const feature = listFeatures(noGit)[0] as FeatureRef;
    expect(parseCachePath(noGit, feature, 'frontmatter')).toBeNull();
    expect(readWorkPackages(noGit, feature).workPackages[0]?.title).toBe('A');
    expect(existsSync(path.join(noGit, '.git'))).toBe(false);

    const { root, feature: f2, cache } = await project({ 'WP01-a.md': wpFile('WP01', 'A') });
    mkdirSync(path.dirname(path.dirname(cache)), { recursive: true });
    writeFileSync(path.dirname(cache), 'a file where the cache directory should be');
    expect(readWorkPackages(root, f2).workPackages[0]?.title).toBe('A');
    expect(readWorkPackages(root, f2).workPackages[0]?.title).toBe('A');
    rmSync(path.dirname(cache));
    readWorkPackages(root, f2);
    expect(existsSync(cache)).toBe(true);
  });
});

describe('tasks.md cache (git dir, keyed by the path shown and the text)', () => {
  const TASKS = '# Tasks\n\n## Work Package WP01: One\n- [ ] T001 a\n\n## Work Package WP02: Two\nDepends on WP01.\n- [x] T002 b\n';

  async function withTasksMd(): Promise<{ root: string; feature: FeatureRef; cache: string }> {
    const p = await project({ 'WP01-one.md': wpFile('WP01', 'One'), 'WP02-two.md': wpFile('WP02', 'Two') });
    write(p.root, {
      [`${FEATURE}/tasks.md`]: TASKS,
      [`${FEATURE}/spec.md`]: '# spec\n',
      '.kittify/config.yaml': 'agents:\n  available: [claude]\n',
    });
    return { ...p, cache: parseCachePath(p.root, p.feature, 'tasks-md') as string };
  }

  it('check-prerequisites gives the same answer from the cache, which is consulted and follows edits', async () => {
    const { root, feature, cache } = await withTasksMd();
    const env = { ...wenv(root), includeTasks: true };
    const first = await checkPrerequisites(env);
    expect(existsSync(cache)).toBe(true);
    const written = statSync(cache).mtimeMs;
    expect(await checkPrerequisites(env)).toEqual(first);
    expect(statSync(cache).mtimeMs).toBe(written);
    expect((await analyzeTaskPlan(root, feature)).dependencies.get('WP02')).toEqual(['WP01']);

    const doc = JSON.parse(readFileSync(cache, 'utf8')) as { entries: Record<string, { sections: Array<{ title: string }> }> };
    const [key] = Object.keys(doc.entries);
    (doc.entries[key as string]?.sections[0] as { title: string }).title = 'From the cache';
    writeFileSync(cache, JSON.stringify(doc));
    expect((await analyzeTaskPlan(root, feature)).tasksMd?.sections[0]?.title).toBe('From the cache');

    write(root, { [`${FEATURE}/tasks.md`]: TASKS.replace('Depends on WP01.', '') });
    expect((await analyzeTaskPlan(root, feature)).dependencies.get('WP02')).toEqual([]);
    expect(Object.keys(entries(cache))).toHaveLength(1);
  });

  it('an entry that does not look like a parse is ignored', async () => {
    const { root, feature, cache } = await withTasksMd();
    const expected = await analyzeTaskPlan(root, feature);
    const doc = JSON.parse(readFileSync(cache, 'utf8')) as { entries: Record<string, Record<string, unknown>> };
    for (const k of Object.keys(doc.entries)) (doc.entries[k] as Record<string, unknown>)['sections'] = 'broken';
    writeFileSync(cache, JSON.stringify(doc));
    expect(await analyzeTaskPlan(root, feature)).toEqual(expected);
  });
});
