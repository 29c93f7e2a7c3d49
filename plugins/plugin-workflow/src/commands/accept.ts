import { Flags } from '@oclif/core';
import { withExitClass } from '@kitty/cli-kit';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty accept`: check that a feature is complete and record its acceptance. */
export default class Accept extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Check that a feature is complete and record its acceptance (meta.json, FeatureCompleted)';
  static override description = [
    'Checks: every work package done (or canceled) according to the status log, spec.md/plan.md/tasks.md present, no unchecked subtask (those of canceled work packages do not count), no [NEEDS CLARIFICATION marker, a clean repository, frontmatter lanes and Activity Logs consistent (skipped with --lenient), and each --test command passing — run in a temporary merge worktree (the target branch with every work package branch merged in) unless --test-in checkout; where they ran is printed and in JSON tests_ran_in {kind, path, base, merged, removed}.',
    'When everything passes, meta.json gets accepted_at, accepted_by, acceptance_mode, accepted_from_commit and acceptance_history, committed as "Accept <feature>", and FeatureCompleted is queued. Otherwise nothing is written and the command exits 1 with the summary. --mode checklist only reports.',
    'JSON keys: result (success|not_ready), feature, ok, mode, accepted_at, accepted_by, parent_commit, accept_commit, commit_created, instructions, cleanup_instructions, summary, tests_ran_in, events_queued.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> accept --json', '<%= config.bin %> accept --feature 001-user-auth --test "npm test"'];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    mode: Flags.string({
      description: 'auto (pr with a remote, else local), pr, local, or checklist (report only)',
      default: 'auto',
      options: ['auto', 'pr', 'local', 'checklist'],
    }),
    actor: Flags.string({
      aliases: ['agent'],
      description: 'who accepts (--agent works too; default: $SPEC_KITTY_AGENT, then git user.name)',
    }),
    test: Flags.string({
      description: 'a test command that must pass (repeatable); runs where the merged result is (see --test-in)',
      multiple: true,
    }),
    'test-in': Flags.string({
      description:
        'where --test runs: merge (a temporary worktree off the target with every work package branch merged in, removed afterwards) or checkout (the main checkout as it is, after spec-kitty merge)',
      default: 'merge',
      options: ['merge', 'checkout'],
    }),
    lenient: Flags.boolean({ description: 'skip the frontmatter and Activity Log checks' }),
    'no-commit': Flags.boolean({ description: 'check only; write and commit nothing' }),
    'allow-fail': Flags.boolean({ description: 'failing --test commands do not block acceptance' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Accept);
    const { acceptFeature } = await import('@kitty/workflow');
    const { workflowEnv, runTestCommand } = await import('../context.js');
    const result = await acceptFeature({
      ...(await workflowEnv()),
      feature: flags.feature,
      mode: flags.mode,
      actor: flags.actor,
      tests: flags.test,
      testIn: flags['test-in'],
      runTest: runTestCommand,
      lenient: flags.lenient,
      noCommit: flags['no-commit'],
      allowFail: flags['allow-fail'],
    });
    const { renderAccept } = await import('../render-exec.js');
    return withExitClass(this.finish(result, renderAccept), result.ok ? null : 'failure');
  }
}
