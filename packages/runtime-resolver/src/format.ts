import path from 'node:path';
import type { OriginReport } from './resolver.js';
import type { MigrateReport } from './runtime.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Human text for a migrate report (the CLI prints it when `--json` is off). */
export function formatMigrateReport(report: MigrateReport, options: { readonly verbose?: boolean } = {}): string {
  const dry = report.dry_run;
  const lines: string[] = [];
  const rt = report.runtime;
  const head = `Global runtime ${report.home}`;
  if (rt.changes.length === 0 && !rt.stamp_written) lines.push(`${head}: up to date (version ${rt.version}).`);
  else {
    const verb = rt.state === 'not_installed' ? (dry ? 'would install' : 'installed') : dry ? 'would refresh' : 'refreshed';
    const from = rt.previous_version !== null && rt.previous_version !== rt.version ? ` (was ${rt.previous_version})` : '';
    lines.push(`${head}: ${verb} version ${rt.version}${from}, ${plural(rt.changes.length, 'file')} ${dry ? 'to write' : 'written'}.`);
    if (options.verbose === true) for (const c of rt.changes) lines.push(`  ${c.action.padEnd(8)} ${c.path}`);
    if (rt.backup_dir !== null) lines.push(`  Files it replaced are saved in ${path.join(report.home, ...rt.backup_dir.split('/'))}.`);
    else if (rt.changes.some((c) => c.action === 'replace'))
      lines.push(
        `  ${plural(rt.changes.filter((c) => c.action === 'replace').length, 'file')} of unknown origin would be backed up first.`,
      );
  }
  const edited = rt.kept.filter((k) => k.reason === 'customised');
  if (edited.length > 0) {
    lines.push(`  Kept ${plural(edited.length, 'file')} you edited there (they keep applying to all your projects):`);
    for (const k of edited) lines.push(`    ${k.path}`);
  }
  const p = report.project;
  if (p === null) lines.push(...report.notes);
  else {
    lines.push(`Project ${p.root}:`);
    if (p.removed.length === 0 && p.moved.length === 0) lines.push('  no copies of the defaults to clean up.');
    if (p.removed.length > 0) {
      lines.push(
        `  ${dry ? 'would remove' : 'removed'} ${plural(p.removed.length, 'file')} identical to the defaults${options.verbose === true ? ':' : '.'}`,
      );
      if (options.verbose === true) {
        for (const r of p.removed) {
          const next = r.now_resolves_from.map((n) => `${n.mission} → ${n.tier ?? 'nothing'}`).join(', ');
          lines.push(`    ${r.path}${next === '' ? '' : `  (then: ${next})`}`);
        }
      }
    }
    for (const m of p.moved) lines.push(`  ${dry ? 'would move' : 'moved'} ${m.from} → ${m.to}`);
    const custom = p.kept.filter((k) => k.reason === 'customised');
    if (custom.length > 0) {
      lines.push(`  kept ${plural(custom.length, 'customised file')} (they still apply):`);
      for (const k of custom) lines.push(`    ${k.path}`);
    }
    for (const k of p.kept.filter((x) => x.reason === 'conflict')) lines.push(`  left ${k.path}: ${k.detail}`);
    const unused = p.kept.filter((k) => k.reason === 'not_used');
    if (unused.length > 0) {
      lines.push(
        `  left ${plural(unused.length, 'file')} this spec-kitty does not read${options.verbose === true ? ':' : ' (--verbose lists them).'}`,
      );
      if (options.verbose === true) for (const k of unused) lines.push(`    ${k.path}`);
    }
  }
  if (dry) lines.push(report.changed ? 'Dry run: nothing was changed. Run `spec-kitty migrate` to apply.' : 'Dry run: nothing to do.');
  else if (!report.changed) lines.push('Nothing to do.');
  else lines.push('Done. `spec-kitty config --show-origin` shows where each template now comes from.');
  return lines.join('\n');
}

/**
 * Human text for `spec-kitty config`: the runtime and project, then (with `assets`, for `--show-origin`) one
 * block per mission with one line per asset.
 */
export function formatOriginReport(report: Omit<OriginReport, 'assets'> & { readonly assets?: OriginReport['assets'] }): string {
  const rt = report.runtime;
  const state =
    rt.state === 'current'
      ? `version ${rt.package_version}`
      : rt.state === 'other_cli'
        ? `installed by the Python spec-kitty ${rt.installed_version ?? '?'} (read as it is; \`spec-kitty migrate\` adds kitty's defaults and leaves Python's stamp)`
        : rt.state === 'stale'
          ? `version ${rt.installed_version ?? '?'}, older than ${rt.package_version}: run \`spec-kitty migrate\``
          : 'not installed: run `spec-kitty migrate`';
  const lines = [`Global runtime: ${report.home} (${state})`, `Project: ${report.project_root ?? 'none (no .kittify/ here or above)'}`];
  const show = (p: string): string => {
    if (report.project_root !== null && p.startsWith(report.project_root + path.sep)) return path.relative(report.project_root, p);
    if (p.startsWith(report.home + path.sep)) return `<home>${path.sep}${path.relative(report.home, p)}`;
    return p;
  };
  if (report.assets === undefined) {
    lines.push(`Missions: ${report.missions.join(', ')}`, 'Run `spec-kitty config --show-origin` to see where each template comes from.');
    return lines.join('\n');
  }
  const assets = report.assets;
  for (const mission of report.missions) {
    lines.push('', `${mission}:`);
    const rows = assets.filter((a) => a.mission === mission);
    const label = (a: (typeof rows)[number]): string =>
      a.kind === 'mission' ? 'mission.yaml' : `${a.kind === 'template' ? 'templates' : 'command-templates'}/${a.name}`;
    const width = Math.max(...rows.map((a) => label(a).length));
    for (const a of rows) {
      const hidden = a.shadowed.length > 0 ? `  (over ${a.shadowed.map((s) => s.tier).join(', ')})` : '';
      lines.push(`  ${label(a).padEnd(width)}  ${a.tier.padEnd(15)}  ${show(a.path)}${a.legacy ? ' (pre-2.x location)' : ''}${hidden}`);
    }
  }
  return lines.join('\n');
}
