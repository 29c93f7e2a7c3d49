import type { SyncLaneModel, TextVerdict } from '@kitty/events';

/** Human and JSON views of the lane model. */
export async function describeLaneModelForDisplay(model: SyncLaneModel): Promise<{ text: string; json: unknown }> {
  const ev = await import('@kitty/events');
  const { lanes, transitions } = ev.describeLaneModel();
  const sync = Object.fromEntries(lanes.map((l) => [l, ev.syncLaneFor(l, model)]));
  const rows = lanes.map((lane) => {
    const moves = Object.entries(transitions[lane] ?? {})
      .map(([to, guard]) => (guard === 'none' ? to : `${to} (${guard.replaceAll('_', ' ')})`))
      .join(', ');
    const terminal = ev.TERMINAL_LANES.includes(lane) ? ' [terminal: leave only with --force --reason]' : '';
    return `  ${lane.padEnd(12)} → ${sync[lane]?.padEnd(11)} ${moves || '-'}${terminal}`;
  });
  const text = [
    `Lanes (sync model ${model}; alias: doing = in_progress)`,
    `  ${'lane'.padEnd(12)}   ${'synced as'.padEnd(11)} moves without --force (guard)`,
    ...rows,
    '',
    'Any move is allowed with --force, an actor and a non-empty --reason.',
  ].join('\n');
  return {
    text,
    json: {
      lanes,
      aliases: ev.LANE_ALIASES,
      terminal_lanes: ev.TERMINAL_LANES,
      transitions,
      sync_lane_model: model,
      sync_lanes: sync,
    },
  };
}

/** A readable report of a validation verdict. */
export function renderVerdict(verdict: TextVerdict): string {
  const lines = [`${verdict.total} event(s) checked (${verdict.format}): ${verdict.valid} valid, ${verdict.invalid} invalid`];
  for (const r of verdict.records.filter((x) => !x.valid)) {
    lines.push(`  #${r.index} ${r.event_type ?? '?'} ${r.event_id ?? ''}`.trimEnd());
    for (const i of r.issues) lines.push(`      ${i.path || '(document)'}: expected ${i.expected}; got ${i.received}`);
  }
  return lines.join('\n');
}
