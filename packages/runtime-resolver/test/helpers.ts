import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@kitty/test-utils';
import { defaultPackageRoot, type RuntimeContext } from '../src/index.js';

/** Every file and directory under `root` with its content, to compare whole trees byte for byte. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      if (statSync(abs).isDirectory()) {
        out[`${r}/`] = '<dir>';
        walk(abs, r);
      } else out[r] = readFileSync(abs).toString('base64');
    }
  };
  walk(root, '');
  return out;
}

/** The text of a package default, by its path under assets/. */
export function defaultText(rel: string): string {
  return readFileSync(path.join(defaultPackageRoot(), ...rel.split('/')), 'utf8');
}

/** A temp user home and a temp project (with `.kittify/`), and the context to reach them. */
export function sandbox(projectTree: Record<string, string | null> = { '.kittify/config.yaml': 'agents: {}\n' }): {
  user: string;
  home: string;
  project: string;
  ctx: RuntimeContext;
} {
  const user = tempDir({}, 'kitty-user-');
  const project = tempDir(projectTree, 'kitty-proj-');
  return { user, home: path.join(user, '.kittify'), project, ctx: { env: {}, homeDir: user, platform: process.platform, cwd: project } };
}

/** A copy of the package defaults in a temp dir, for tests that change a default. */
export function copyOfDefaults(): string {
  const dir = tempDir({}, 'kitty-assets-');
  cpSync(defaultPackageRoot(), dir, { recursive: true });
  return dir;
}

/** A 1.x-style project: stock copies of the software-dev defaults under .kittify/templates and .kittify/missions. */
export function legacyProjectTree(): Record<string, string> {
  const tree: Record<string, string> = { '.kittify/config.yaml': 'agents:\n  available: [claude]\n' };
  for (const name of ['spec-template.md', 'plan-template.md', 'tasks-template.md', 'task-prompt-template.md']) {
    tree[`.kittify/templates/${name}`] = defaultText(`missions/software-dev/templates/${name}`);
  }
  for (const name of ['specify.md', 'plan.md', 'implement.md']) {
    tree[`.kittify/templates/command-templates/${name}`] = defaultText(`command-templates/${name}`);
  }
  tree['.kittify/missions/software-dev/mission.yaml'] = defaultText('missions/software-dev/mission.yaml');
  for (const name of ['spec-template.md', 'plan-template.md']) {
    tree[`.kittify/missions/software-dev/templates/${name}`] = defaultText(`missions/software-dev/templates/${name}`);
  }
  tree['.kittify/missions/research/templates/findings-template.md'] = defaultText('missions/research/templates/findings-template.md');
  tree['.kittify/missions/research/command-templates/implement.md'] = defaultText('missions/research/command-templates/implement.md');
  return tree;
}
