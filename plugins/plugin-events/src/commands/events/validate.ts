import { Args, Flags } from '@oclif/core';
import { KittyCommand, readTextInput, withExitClass } from '@kitty/cli-kit';

/** Validates event envelopes (a JSON object, a JSON array, a batch body, or JSON Lines) against kitty's schemas. */
export default class EventsValidate extends KittyCommand {
  static override summary = 'Validate event envelopes and payloads against the contract schemas';
  static override description = `Reads FILE (or - for standard input): one event object, an array of events, a batch request body
{"events": [...]}, or JSON Lines. Each event is checked against the envelope and the payload schema of its
type and every problem is listed with its field, the rule and the value received.

Contracts: "kitty" (what kitty emits; default), "library" (spec-kitty-events 2.3.1 Event), "legacy-cli"
(the spec-kitty 2.0 CLI wire envelope). Exits 0 when all events are valid, 2 otherwise.`;
  static override examples = [
    '<%= config.bin %> events validate batch.json',
    'cat events.jsonl | <%= config.bin %> events validate - --contract library --json',
  ];
  static override args = { file: Args.string({ description: 'file to read, or - for standard input', required: true }) };
  static override flags = {
    contract: Flags.string({
      description: 'which envelope contract to check',
      options: ['kitty', 'library', 'legacy-cli'],
      default: 'kitty',
    }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(EventsValidate);
    const { checkEventText } = await import('@kitty/events');
    const verdict = checkEventText(await readTextInput(args.file), flags.contract as 'kitty' | 'library' | 'legacy-cli');
    if (!this.jsonEnabled()) {
      const { renderVerdict } = await import('../../render.js');
      this.log(renderVerdict(verdict));
    }
    return withExitClass(verdict, verdict.invalid > 0 || verdict.total === 0 ? 'usage' : null);
  }
}
