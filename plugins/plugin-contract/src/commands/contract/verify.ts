import { Args, Flags } from '@oclif/core';
import { KittyCommand, commandContext, readCredentials, withExitClass } from '@kitty/cli-kit';

/** Sends the contract's fixture batches and deliberately invalid requests to a server and checks every answer. */
export default class ContractVerify extends KittyCommand {
  static override summary = 'Check a sync server against the batch-ingest contract, case by case';
  static override description = `Logs in to SERVER-URL, then sends the fixture batches of docs/contracts/batch-ingest.md (with fresh event ids, so the server's dedupe does not interfere with a second run) and a few deliberately invalid requests: no token, bad token, unknown event type, bad lane, lane-model mismatch, duplicate re-send, empty batch, malformed JSON, missing "events" list, more than 1000 events, no gzip, an unsupported encoding and a gzip bomb. Each answer is compared with what the contract requires, the way the kitty CLI reads it.

It writes test events into the server: point it at a staging server, with a real account (a server that accepts any password fails the wrong-password case). MUST-level problems fail a case, SHOULD-level ones only warn. Exit codes: 0 every case passed (warnings allowed), 5 some case failed, 4 the server cannot be reached, 2 bad input.`;
  static override examples = [
    '<%= config.bin %> contract verify http://127.0.0.1:8787 -u ada -p secret',
    'printf %s "$PASSWORD" | <%= config.bin %> contract verify https://staging.example.com -u ci-bot --password-stdin --json',
  ];
  static override args = {
    'server-url': Args.string({ description: 'the server to check (https, or http on a loopback host)', required: true }),
  };
  static override flags = {
    username: Flags.string({ char: 'u', description: 'an account on that server (prompted when omitted on a terminal)' }),
    password: Flags.string({
      char: 'p',
      description: 'its password (visible in the process list: prefer --password-stdin)',
      exclusive: ['password-stdin'],
    }),
    'password-stdin': Flags.boolean({ description: 'read the password from standard input' }),
    'lane-model': Flags.string({
      description: 'the lane model the server is configured for',
      options: ['4-lane', '7-lane'],
      default: '4-lane',
    }),
    timeout: Flags.integer({ description: 'seconds to wait for each answer', default: 30, min: 1, max: 600 }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ContractVerify);
    const { username, password } = await readCredentials(flags, process.stdin.isTTY === true && !this.jsonEnabled());
    const { verifyContract, snakeCaseKeys } = await import('@kitty/contract');
    const { renderCase, renderSummary } = await import('../../render.js');
    const human = !this.jsonEnabled();
    const report = await verifyContract({
      serverUrl: args['server-url'],
      username,
      password,
      now: commandContext().now,
      laneModel: flags['lane-model'] as '4-lane' | '7-lane',
      timeoutMs: flags.timeout * 1000,
      ...(human ? { onCase: (c) => this.log(renderCase(c)) } : {}),
    });
    if (human) this.log(renderSummary(report));
    return withExitClass(snakeCaseKeys(report), report.ok ? null : 'partial');
  }
}
