import { gzipSync } from 'node:zlib';
import { createEventFactory, type EventEnvelope, type SyncLaneModel } from '@kitty/events';

/** A clock tests can move forward. */
export function movableClock(startIso = '2026-03-02T09:00:00.000Z') {
  let ms = Date.parse(startIso);
  return {
    now: () => new Date(ms),
    advance: (seconds: number) => {
      ms += seconds * 1000;
    },
  };
}

/** The answer of one request. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

/** Sends a request with fetch and reads the whole answer. */
export async function request(
  url: string,
  init: { method?: string; body?: Uint8Array | string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    ...(init.body === undefined ? {} : { body: init.body }),
    headers: init.headers ?? {},
    redirect: 'manual',
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** POSTs JSON, gzip unless told otherwise, with a bearer token when given. */
export function postJson(
  url: string,
  body: unknown,
  options: { token?: string; gzip?: boolean; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  const gzip = options.gzip ?? true;
  return request(url, {
    method: 'POST',
    body: gzip ? gzipSync(raw) : raw,
    headers: {
      'content-type': 'application/json',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
  });
}

/** Logs in and returns the token answer. */
export async function login(
  base: string,
  username = 'ada',
  password = 'secret',
): Promise<{ access: string; refresh: string; [k: string]: unknown }> {
  const r = await postJson(`${base}/api/v1/token/`, { username, password }, { gzip: false });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
  return r.json;
}

/** An event factory for valid kitty events. */
export function events(laneModel: SyncLaneModel = '4-lane') {
  let clock = 1;
  const f = createEventFactory({
    nodeId: 'a1b2c3d4e5f6',
    now: () => new Date(),
    laneModel,
    context: {
      projectUuid: '550e8400-e29b-41d4-a716-446655440000',
      projectSlug: 'demo',
      teamSlug: 'acme',
      gitBranch: 'main',
      headCommitSha: null,
      repoSlug: null,
    },
  });
  return {
    note: (content = 'a note'): EventEnvelope => f.stamp(f.historyAdded({ wpId: 'WP01', content }), clock++),
    move: (from: string | null, to: string): EventEnvelope =>
      f.stamp(f.wpStatusChanged({ featureSlug: '001-demo', wpId: 'WP01', from, to, actor: 'claude', executionMode: 'worktree' }), clock++),
  };
}

/** The statuses of a 200 answer, in order. */
export const statuses = (r: Reply): string[] => (r.json?.results ?? []).map((x: { status: string }) => x.status);
