import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { repoRoot } from './helpers.js';

afterAll(cleanupTempDirs);

// scripts/api-report.mjs keeps api/<name>.api.md equal to each package's built surface; scripts/test.sh runs it in
// check mode over the committed reports. These tests prove that the check fails, with a diff and the command to
// update, when a surface and its report differ (one small package, `io`, to keep them quick).
const script = path.join(repoRoot, 'scripts/api-report.mjs');
const report = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });

describe('api-report', () => {
  it('accepts the committed report of a package and writes the same text with --update', () => {
    const dir = tempDir();
    const written = report('--update', '--only', 'io', '--reports', dir);
    expect(written.stderr).toContain('wrote 1 reports');
    expect(written.status).toBe(0);
    expect(readFileSync(path.join(dir, 'io.api.md'), 'utf8')).toBe(readFileSync(path.join(repoRoot, 'api/io.api.md'), 'utf8'));
    const checked = report('--only', 'io', '--reports', dir);
    expect(checked.stderr).toContain('api-report: ok');
    expect(checked.status).toBe(0);
  });

  it('fails with a diff and the update command when an export is not in the report', () => {
    const dir = tempDir();
    const file = path.join(dir, 'io.api.md');
    copyFileSync(path.join(repoRoot, 'api/io.api.md'), file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('| `isProcessAlive` | function |\n', ''));
    const r = report('--only', 'io', '--reports', dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('io.api.md: the public surface changed');
    expect(r.stderr).toContain('+| `isProcessAlive` | function |');
    expect(r.stderr).toContain('node scripts/api-report.mjs --update');
  });

  it('fails when a report is missing, and when a report has no package', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'gone.api.md'), '# API report: @kitty/gone\n');
    const r = report('--reports', dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('io.api.md: missing');
    expect(r.stderr).toContain('gone.api.md: no package has this surface any more');
    expect(existsSync(path.join(dir, 'io.api.md'))).toBe(false);
  });

  it('refuses an unknown package name', () => {
    const r = report('--only', 'no-such-package');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no package has the report name 'no-such-package'");
  });
});
