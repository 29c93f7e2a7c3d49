import os from 'node:os';
import type { TemplateAsset, TemplateSource } from '@kitty/workflow';

/**
 * The workflow library's template source, backed by the runtime resolver: project `.kittify/` → the global
 * runtime (`~/.kittify` or `$SPEC_KITTY_HOME`) → the package defaults. `projectRoot` pins the project (init
 * passes the directory it sets up); otherwise the resolver finds it from the current directory.
 */
export async function resolverTemplates(projectRoot?: string): Promise<TemplateSource> {
  const { RuntimeResolver, findProjectRoot, resolveHome } = await import('@kitty/runtime-resolver');
  const ctx = { env: process.env, homeDir: os.homedir(), platform: process.platform, cwd: process.cwd() };
  const home = resolveHome(ctx).home;
  const resolver = new RuntimeResolver({ home, projectRoot: projectRoot ?? findProjectRoot({ cwd: ctx.cwd, env: ctx.env, home }) });
  const asset = (a: { name: string; content: string; tier: string; path: string }): TemplateAsset => ({
    name: a.name,
    text: a.content,
    origin: `${a.tier}: ${a.path}`,
  });
  return {
    async missions() {
      return resolver.listMissions();
    },
    async template(mission, name) {
      const found = resolver.find('template', mission, name);
      return found === null ? null : asset(found);
    },
    async commandTemplates(mission) {
      return resolver.listCommandTemplates(mission).map((name) => asset(resolver.resolveCommandTemplate(mission, name)));
    },
    takeNotes() {
      return resolver.takeNotes().map((n) => n.message);
    },
  };
}
