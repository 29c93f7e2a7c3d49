import type { StoredEvent, StoredRejection } from './storage.js';

/** What the page at `/` shows. */
export interface PageData {
  readonly laneModel: string;
  readonly total: number;
  readonly byType: ReadonlyArray<{ readonly eventType: string; readonly count: number }>;
  readonly events: readonly StoredEvent[];
  readonly rejections: readonly StoredRejection[];
  readonly generatedAt: string;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

function lanes(e: StoredEvent): string {
  if (e.eventType !== 'WPStatusChanged') return '';
  const p = (e.event['payload'] ?? {}) as Record<string, unknown>;
  const canon =
    p['canonical_to_lane'] !== undefined && p['canonical_to_lane'] !== p['to_lane']
      ? ` (${String(p['canonical_from_lane'] ?? '∅')} → ${String(p['canonical_to_lane'])})`
      : '';
  return `${String(p['from_lane'] ?? '∅')} → ${String(p['to_lane'])}${canon}`;
}

/** Renders the page listing what the server received (newest first). Everything user-supplied is escaped. */
export function renderPage(data: PageData): string {
  const rows = data.events
    .map(
      (e) =>
        `<tr><td>${e.seq}</td><td>${escapeHtml(e.receivedAt)}</td><td>${escapeHtml(e.username)}</td><td>${escapeHtml(e.eventType)}</td>` +
        `<td>${escapeHtml(e.aggregateId)}</td><td>${escapeHtml(lanes(e))}</td><td>${e.lamportClock}</td><td><code>${escapeHtml(e.eventId)}</code></td></tr>`,
    )
    .join('\n');
  const types = data.byType.map((t) => `<li>${escapeHtml(t.eventType)}: ${t.count}</li>`).join('');
  const rejected = data.rejections
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.receivedAt)}</td><td>${escapeHtml(r.username)}</td><td>${escapeHtml(r.eventType ?? '')}</td><td><code>${escapeHtml(r.code)}</code></td>` +
        `<td>${escapeHtml(r.error)}</td><td><code>${escapeHtml(r.eventId)}</code></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<title>kitty ingest server</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
code { font-size: 0.85rem; }
.muted { color: #777; }
</style>
</head>
<body>
<h1>kitty ingest server</h1>
<p>${data.total} event(s) received · lane model <strong>${escapeHtml(data.laneModel)}</strong> · <span class="muted">updated ${escapeHtml(data.generatedAt)}, refreshes every 5 s · JSON: <code>GET /api/v1/events/</code></span></p>
${types ? `<ul>${types}</ul>` : '<p class="muted">Nothing received yet: run <code>spec-kitty sync now</code>.</p>'}
<h2>Latest events</h2>
<table>
<thead><tr><th>#</th><th>received</th><th>user</th><th>type</th><th>aggregate</th><th>lanes</th><th>lamport</th><th>event_id</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Latest rejections</h2>
${
  rejected
    ? `<table>
<thead><tr><th>received</th><th>user</th><th>type</th><th>code</th><th>error</th><th>event_id</th></tr></thead>
<tbody>
${rejected}
</tbody>
</table>`
    : '<p class="muted">None.</p>'
}
</body>
</html>
`;
}
