import { it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { workflowSandbox } from './workflow-sandbox.js';
import { outputIndex, recordedJson, restoreStage, shapeDiff, type Stage } from './python-stages.js';

it('explore', async () => {
  const sb = workflowSandbox('kitty-pyx-');
  let report = '';
  for (const row of outputIndex()) {
    if (!row.stdoutIs.includes('json') || row.stdoutIs === 'not-json') continue;
    const m = /^stage-([a-d])$/.exec(row.stage);
    if (!m) continue;
    const stage = m[1] as Stage;
    const project = restoreStage(stage, path.join(sb.root, row.file), sb.home);
    const args = row.command.replace(/^spec-kitty /, '').replace('{{WORK}}/scratch/review-feedback-WP01.md', path.join(sb.root, 'fb.md')).match(/'[^']*'|\S+/g)!.map((a) => a.replace(/^'|'$/g, ''));
    writeFileSync(path.join(sb.root, 'fb.md'), 'fix it\n');
    const r = await sb.kitty(args, { cwd: path.join(project, row.cwd) });
    let kittyJson: unknown = null;
    try { kittyJson = JSON.parse(r.stdout); } catch { kittyJson = r.stdout.slice(0, 300); }
    const rec = recordedJson(row.file);
    const diffs = rec.length > 0 ? shapeDiff(rec[0], kittyJson) : ['(not json)'];
    report += `\n=== ${row.file} [stage ${stage}] py rc ${row.rc} kitty rc ${r.code}\n${diffs.join('\n')}\n`;
    if (typeof kittyJson === 'string' || diffs.length > 0) report += `stdout: ${r.stdout.slice(0, 600)}\nstderr: ${r.stderr.slice(0, 400)}\n`;
  }
  writeFileSync('/tmp/explore-report.txt', report);
}, 600_000);
