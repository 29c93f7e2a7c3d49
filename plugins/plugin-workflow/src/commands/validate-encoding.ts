import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty validate-encoding`: planning files must be UTF-8 without a BOM. */
export default class ValidateEncoding extends WorkflowCommand {
  static override summary = 'Check that planning files are UTF-8 (no BOM); --fix rewrites Windows-1252 files as UTF-8';
  static override description =
    'Checks every text file (md, txt, yaml, json, jsonl, csv) of one feature (--feature) or of all features in kitty-specs/. --fix rewrites a file that is not UTF-8 (read as Windows-1252) and drops a byte-order mark; --dry-run lists what --fix would change. JSON keys: feature, files_checked, problems [{path, issue (invalid_utf8|bom), line, col, fixed}], fixed, dry_run, ok.';
  static override examples = [
    '<%= config.bin %> validate-encoding --json',
    '<%= config.bin %> validate-encoding --feature 001-user-auth --fix',
  ];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number; default: every feature' }),
    fix: Flags.boolean({ description: 'rewrite files that are not clean UTF-8' }),
    'dry-run': Flags.boolean({ description: 'with --fix: list what would be rewritten; change nothing' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ValidateEncoding);
    const { validateEncoding } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../context.js');
    const result = await validateEncoding({
      ...(await workflowEnv({ events: false })),
      feature: flags.feature,
      fix: flags.fix,
      dryRun: flags['dry-run'],
    });
    return this.finish(result, (r) =>
      [
        `${r.files_checked} file(s) checked: ${r.problems.length === 0 ? 'all UTF-8' : `${r.problems.length} problem(s)${r.fixed > 0 ? `, ${r.fixed} fixed` : ''}`}`,
        ...r.problems.map(
          (p) =>
            `  ${p.fixed ? '✓' : '✗'} ${p.path}: ${p.issue === 'bom' ? 'byte-order mark' : `not UTF-8 at line ${p.line}, column ${p.col}`}${p.fixed ? ' (fixed)' : ''}`,
        ),
      ].join('\n'),
    );
  }
}
