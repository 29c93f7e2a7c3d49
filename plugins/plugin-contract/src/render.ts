import type { CaseReport, VerifyReport } from '@kitty/contract';

const LABEL: Record<CaseReport['outcome'], string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN' };

/** One case as text: a status line, and for failures and warnings what was expected, what came back and why. */
export function renderCase(c: CaseReport): string {
  const lines = [`${LABEL[c.outcome]}  ${c.name.padEnd(38)} ${c.title}`];
  if (c.outcome !== 'pass') {
    lines.push(`      expected: ${c.expected}`, `      actual:   ${c.actual}`);
    for (const k of c.checks.filter((x) => !x.pass))
      lines.push(`      ✗ ${k.level === 'must' ? 'MUST' : 'SHOULD'} ${k.what}: expected ${k.expected}; got ${k.actual}`);
  }
  return lines.join('\n');
}

/** The closing summary line. */
export function renderSummary(r: VerifyReport): string {
  const verdict = r.ok ? 'the server meets the batch-ingest contract' : 'the server does not meet the batch-ingest contract';
  return `${r.total} cases against ${r.serverUrl} (${r.laneModel}): ${r.passed} passed, ${r.failed} failed, ${r.warned} warning(s): ${verdict}.`;
}
