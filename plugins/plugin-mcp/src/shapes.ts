import type { Command } from '@oclif/core';
import type { CommandShape, ParamDef } from '@kitty/mcp';

/**
 * The MCP view of oclif's command definitions: arguments first, then flags (without `--json`, which every tool
 * answers with anyway, and hidden flags). A flag whose default is a number is an integer; a repeatable flag a
 * list of strings. The commands' own definitions stay the one source of the tools' inputs and texts.
 */
export function commandShape(cmd: Command.Loadable): CommandShape {
  const params: ParamDef[] = [];
  for (const [name, a] of Object.entries(cmd.args ?? {})) {
    params.push({
      name,
      kind: 'string',
      description: a.description,
      required: a.required === true,
      ...(a.options ? { options: a.options } : {}),
    });
  }
  for (const [name, f] of Object.entries(cmd.flags ?? {})) {
    if (name === 'json' || f.hidden === true) continue;
    const description = f.description ?? f.summary;
    if (f.type === 'boolean') {
      params.push({ name, kind: 'boolean', description, required: f.required === true });
      continue;
    }
    const dflt = typeof f.default === 'number' || typeof f.default === 'string' ? f.default : undefined;
    params.push({
      name,
      kind: f.multiple ? 'string[]' : typeof dflt === 'number' ? 'integer' : 'string',
      description,
      required: f.required === true,
      ...(f.options ? { options: f.options } : {}),
      ...(dflt === undefined || f.multiple ? {} : { default: dflt }),
    });
  }
  return { id: cmd.id.replace(/:/g, ' '), summary: cmd.summary, description: cmd.description, params };
}
