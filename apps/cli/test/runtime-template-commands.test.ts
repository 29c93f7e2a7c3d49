import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The app does not depend on the runtime library directly; load the built package from the workspace.
import { PackageDefaults, defaultPackageRoot, extractSpecKittyCommands } from '../../../packages/runtime-resolver/dist/index.js';

/**
 * Commands the package templates tell agents to run that the CLI does not have yet (built by the workflow
 * and sync issues). The list may only shrink: the test fails when a template mentions a command that is
 * neither here nor in the CLI, when an entry here now exists in the CLI (delete it), and when no template
 * mentions an entry any more.
 */
const PENDING_COMMANDS: readonly string[] = [];

const appRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The command ids of the real CLI: oclif's `Config.load` on apps/cli, run in a plain Node process (jest's ESM
 * loader drops commands when oclif imports several command files at once).
 */
function loadCliCommandIds(): string[] {
  const script = `import { Config } from '@oclif/core';
const config = await Config.load({ root: ${JSON.stringify(appRoot)} });
process.stdout.write(JSON.stringify(config.commands.map((c) => c.id)));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: appRoot, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`loading the CLI's commands failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

interface Mention {
  readonly command: string;
  readonly where: string;
}

/** Every `spec-kitty …` command mentioned in the shipped templates, missions and command templates. */
function templateMentions(): Mention[] {
  const defaults = new PackageDefaults(defaultPackageRoot());
  return defaults.allFiles().flatMap((file) =>
    extractSpecKittyCommands(readFileSync(file.path, 'utf8')).map((m) => ({
      command: m.command,
      where: `assets/${file.rel}:${m.line}: ${m.text}`,
    })),
  );
}

/** Checks mentions against the CLI's commands and the pending list; returns every problem found. */
function audit(mentions: readonly Mention[], cliCommands: ReadonlySet<string>, pending: readonly string[]): string[] {
  const problems: string[] = [];
  for (const m of mentions) {
    if (!cliCommands.has(m.command) && !pending.includes(m.command))
      problems.push(`unknown command "spec-kitty ${m.command}" at ${m.where}`);
  }
  for (const p of pending) {
    if (cliCommands.has(p)) problems.push(`"spec-kitty ${p}" exists now: remove it from PENDING_COMMANDS`);
    else if (!mentions.some((m) => m.command === p))
      problems.push(`no template mentions "spec-kitty ${p}" any more: remove it from PENDING_COMMANDS`);
  }
  return problems;
}

describe('commands named in the package templates', () => {
  let cliCommands: Set<string>;
  let mentions: Mention[];

  beforeAll(() => {
    cliCommands = new Set(loadCliCommandIds().map((id) => id.split(':').join(' ')));
    mentions = templateMentions();
  });

  it('loads the real command list and finds the mentions', () => {
    expect(cliCommands.has('migrate')).toBe(true);
    expect(cliCommands.has('config')).toBe(true);
    expect(mentions.length).toBeGreaterThan(30);
    expect(mentions.map((m) => m.command)).toContain('agent feature create-feature');
  });

  it('every mentioned command exists in the CLI or is pending, and every pending command is still missing and used', () => {
    expect(audit(mentions, cliCommands, PENDING_COMMANDS)).toEqual([]);
  });

  it('the audit fails on an unknown command, on a pending command that now exists, and on an unused pending entry', () => {
    const cli = new Set(['migrate', 'config']);
    const used = [
      { command: 'migrate', where: 'a.md:1' },
      { command: 'merge', where: 'a.md:2' },
    ];
    expect(audit(used, cli, ['merge'])).toEqual([]);
    expect(audit([...used, { command: 'agent feature frobnicate', where: 'x.md:1' }], cli, ['merge'])).toEqual([
      'unknown command "spec-kitty agent feature frobnicate" at x.md:1',
    ]);
    expect(audit(used, new Set([...cli, 'merge']), ['merge'])).toEqual(['"spec-kitty merge" exists now: remove it from PENDING_COMMANDS']);
    expect(audit(used, cli, ['merge', 'dashboard'])).toEqual([
      'no template mentions "spec-kitty dashboard" any more: remove it from PENDING_COMMANDS',
    ]);
  });
});
