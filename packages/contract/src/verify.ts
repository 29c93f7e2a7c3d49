import { gzipSync } from 'node:zlib';
import { describeValue } from '@kitty/errors';
import { createEventFactory, createIdGenerator, parseSyncLaneModel, type SyncLaneModel } from '@kitty/events';
import { normalizeServerUrl, rememberSecret } from '@kitty/sync-client';
import { compareAnswer, expectationOf, type Check, type CheckLevel, type Expectation } from './compare.js';
import { ContractError } from './errors.js';
import {
  BATCH_PATH,
  FIXTURE_PROJECT,
  REFRESH_PATH,
  TOKEN_PATH,
  buildContractFixtures,
  freshFixtureOptions,
  type ContractFixture,
} from './fixtures.js';
import { describeExchange, sendJson, sendRaw, type Exchange } from './http.js';
import { RefreshResponseSchema, TokenResponseSchema, responseProblems } from './responses.js';

/** How one case came out: `warn` means only SHOULD-level checks failed. */
export type CaseOutcome = 'pass' | 'fail' | 'warn';

/** One case of a verification run. */
export interface CaseReport {
  readonly name: string;
  readonly title: string;
  /** `should` cases can only warn. */
  readonly level: CheckLevel;
  readonly outcome: CaseOutcome;
  /** What the contract requires, in one line. */
  readonly expected: string;
  /** What the server answered, in one line (tokens redacted). */
  readonly actual: string;
  readonly checks: readonly Check[];
}

/** The result of {@link verifyContract}. */
export interface VerifyReport {
  readonly serverUrl: string;
  readonly laneModel: SyncLaneModel;
  readonly username: string;
  /** True when no case failed (warnings allowed). */
  readonly ok: boolean;
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly warned: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly cases: readonly CaseReport[];
}

/** Options of {@link verifyContract}. */
export interface VerifyOptions {
  /** The server under test (https, or http on a loopback host). */
  readonly serverUrl: string;
  readonly username: string;
  readonly password: string;
  readonly now: () => Date;
  /** The lane model the server is configured for (default `4-lane`). */
  readonly laneModel?: SyncLaneModel;
  /** Per-request timeout (default 30 s). */
  readonly timeoutMs?: number;
  /** Called after each case (progress). */
  readonly onCase?: (report: CaseReport) => void;
  /** Decoded size of the gzip-bomb body, whole MiB (default {@link GZIP_BOMB_DECODED_BYTES}; lower it only in tests). */
  readonly gzipBombBytes?: number;
}

/** Decoded size of the gzip-bomb case (bytes): far above any sane per-request limit. */
export const GZIP_BOMB_DECODED_BYTES = 256 * 1024 * 1024;

function gzipBomb(decodedBytes: number): Buffer {
  // Concatenated gzip members are one valid gzip stream; 1 MiB of spaces compresses to about 1 KiB.
  const member = gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.max(1, Math.round(decodedBytes / (1024 * 1024))) }, () => member));
}

const outcomeOf = (level: CheckLevel, checks: readonly Check[]): CaseOutcome => {
  if (checks.some((c) => !c.pass && c.level === 'must' && level === 'must')) return 'fail';
  return checks.some((c) => !c.pass) ? 'warn' : 'pass';
};

const noAnswer = (x: Exchange): Check[] =>
  x.kind === 'failure' ? [{ what: 'an HTTP answer', level: 'must', pass: false, expected: 'an answer', actual: describeExchange(x) }] : [];

const observed = (x: Exchange, expectation: Expectation): Check[] => (x.kind === 'failure' ? noAnswer(x) : compareAnswer(expectation, x));

/**
 * Checks a server against the batch-ingest contract (docs/contracts/batch-ingest.md), case by case: login and
 * refresh, requests without or with a bad token, every fixture batch (with fresh event ids, so a real server's
 * dedupe does not turn a second run into duplicates) and deliberately invalid requests (unknown type, bad lane,
 * lane-model mismatch, malformed body, missing list, too many events, gzip bomb, unsupported encoding).
 * Answers are compared the way the kitty CLI reads them. Writes test events into the server: use a staging
 * server. Throws `SERVER_UNREACHABLE` when the server cannot be reached at all.
 */
export async function verifyContract(options: VerifyOptions): Promise<VerifyReport> {
  if (options === null || typeof options !== 'object')
    throw new ContractError('INVALID_ARGUMENT', `verifyContract needs options; got ${describeValue(options)}.`);
  if (typeof options.now !== 'function') throw new ContractError('INVALID_ARGUMENT', 'verifyContract needs a clock: now: () => Date.');
  if (typeof options.username !== 'string' || options.username === '' || typeof options.password !== 'string' || options.password === '') {
    throw new ContractError('INVALID_ARGUMENT', 'verifyContract needs a username and a password for the server under test.', {
      suggestions: ['Pass -u USER and --password-stdin (the reference server accepts any user with --allow-any-user).'],
    });
  }
  const server = normalizeServerUrl(options.serverUrl);
  rememberSecret(options.password); // masked in every line of the report, whatever the server echoes
  const laneModel = parseSyncLaneModel(options.laneModel ?? '4-lane');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const bombBytes = options.gzipBombBytes ?? GZIP_BOMB_DECODED_BYTES;
  const startedAt = options.now().toISOString();
  const cases: CaseReport[] = [];
  const add = (name: string, title: string, level: CheckLevel, expected: string, actual: string, checks: readonly Check[]) => {
    const report: CaseReport = { name, title, level, outcome: outcomeOf(level, checks), expected, actual, checks };
    cases.push(report);
    options.onCase?.(report);
  };
  const json = (path: string, body: unknown, token?: string, gzip = true) =>
    sendJson(`${server}${path}`, body, { gzip, timeoutMs, ...(token === undefined ? {} : { token }) });
  const raw = (body: Uint8Array | string, headers: Record<string, string>) => sendRaw(`${server}${BATCH_PATH}`, body, headers, timeoutMs);

  // Authentication.
  const login = await json(TOKEN_PATH, { username: options.username, password: options.password }, undefined, false);
  if (login.kind === 'failure') {
    throw new ContractError('SERVER_UNREACHABLE', `Cannot reach ${server}: ${login.message} (${login.code}).`, {
      suggestions: [
        'Check the URL and that the server is running (the reference server: `node apps/ingest-server/bin/run.js --user ada:secret`).',
      ],
    });
  }
  const loginProblems = login.status === 200 ? responseProblems(TokenResponseSchema, login.json) : [];
  const loginBody = (login.json ?? {}) as Record<string, unknown>;
  const hasLifetime = ['access_lifetime', 'expires_in'].some((k) => typeof loginBody[k] === 'number');
  add(
    'auth-login',
    'Log in with username and password',
    'must',
    `POST ${TOKEN_PATH} → 200 {access, refresh, access_lifetime?, refresh_lifetime?, team_slug?}`,
    describeExchange(login),
    [
      { what: 'HTTP status', level: 'must', pass: login.status === 200, expected: '200', actual: String(login.status) },
      ...(login.status === 200
        ? [
            {
              what: 'access and refresh tokens',
              level: 'must' as const,
              pass: loginProblems.length === 0,
              expected: 'non-empty strings',
              actual: loginProblems.join('; ') || 'ok',
            },
            {
              what: 'token lifetimes',
              level: 'should' as const,
              pass: hasLifetime,
              expected: 'access_lifetime (or expires_in) in seconds',
              actual: hasLifetime ? 'present' : 'absent (the CLI assumes 900 s / 7 days)',
            },
          ]
        : []),
    ],
  );
  let token: string | null = login.status === 200 && loginProblems.length === 0 ? String(loginBody['access']) : null;
  let refresh: string | null = token === null ? null : String(loginBody['refresh']);
  rememberSecret(token);
  rememberSecret(refresh);
  const teamSlug = typeof loginBody['team_slug'] === 'string' && loginBody['team_slug'] !== '' ? loginBody['team_slug'] : 'acme';

  const wrong = await json(
    TOKEN_PATH,
    { username: options.username, password: `${options.password}-wrong-${options.now().getTime()}` },
    undefined,
    false,
  );
  const leaked = wrong.kind === 'reply' && typeof (wrong.json as Record<string, unknown> | undefined)?.['access'] === 'string';
  add(
    'auth-wrong-password',
    'Wrong password is refused',
    'must',
    `POST ${TOKEN_PATH} with a wrong password → 401 (or 400), no tokens`,
    describeExchange(wrong),
    [
      ...noAnswer(wrong),
      ...(wrong.kind === 'reply'
        ? [
            {
              what: 'HTTP status',
              level: 'must' as const,
              pass: wrong.status === 401 || wrong.status === 400,
              expected: '401 or 400',
              actual: String(wrong.status),
            },
            {
              what: 'no token in the answer',
              level: 'must' as const,
              pass: !leaked,
              expected: 'no "access"',
              actual: leaked ? 'an access token' : 'none',
            },
          ]
        : []),
    ],
  );

  const noToken = await json(BATCH_PATH, { events: [] });
  add(
    'batch-no-token',
    'Batch without a token is refused',
    'must',
    `POST ${BATCH_PATH} without Authorization → 401`,
    describeExchange(noToken),
    observed(noToken, { status: [401] }),
  );
  const badToken = await json(BATCH_PATH, { events: [] }, `kitty-contract-verify-not-a-token-${options.now().getTime()}`);
  add(
    'batch-bad-token',
    'Batch with an unknown token is refused',
    'must',
    `POST ${BATCH_PATH} with an invalid bearer token → 401`,
    describeExchange(badToken),
    observed(badToken, { status: [401] }),
  );

  if (refresh !== null) {
    const r = await json(REFRESH_PATH, { refresh }, undefined, false);
    const problems = r.kind === 'reply' && r.status === 200 ? responseProblems(RefreshResponseSchema, r.json) : [];
    const body = (r.kind === 'reply' ? (r.json ?? {}) : {}) as Record<string, unknown>;
    add(
      'auth-refresh',
      'Refresh the access token',
      'must',
      `POST ${REFRESH_PATH} {refresh} → 200 {access, refresh? (when rotating)}`,
      describeExchange(r),
      [
        ...noAnswer(r),
        ...(r.kind === 'reply'
          ? [{ what: 'HTTP status', level: 'must' as const, pass: r.status === 200, expected: '200', actual: String(r.status) }]
          : []),
        ...(r.kind === 'reply' && r.status === 200
          ? [
              {
                what: 'new access token',
                level: 'must' as const,
                pass: problems.length === 0,
                expected: 'a non-empty "access"',
                actual: problems.join('; ') || 'ok',
              },
            ]
          : []),
      ],
    );
    if (problems.length === 0 && r.kind === 'reply' && r.status === 200) {
      token = String(body['access']);
      if (typeof body['refresh'] === 'string') refresh = body['refresh'];
      rememberSecret(token);
      rememberSecret(refresh);
    }
  }
  const garbage = await json(
    REFRESH_PATH,
    { refresh: `kitty-contract-verify-not-a-refresh-token-${options.now().getTime()}` },
    undefined,
    false,
  );
  add(
    'auth-refresh-invalid',
    'Invalid refresh token is refused',
    'must',
    `POST ${REFRESH_PATH} with an unknown refresh token → 401 (or 400)`,
    describeExchange(garbage),
    observed(garbage, { status: [401, 400] }),
  );

  const fixtures = buildContractFixtures(freshFixtureOptions(options.now, laneModel, teamSlug));
  const byName = new Map(fixtures.map((f) => [f.name, f]));
  const runFixture = async (fixture: ContractFixture, level: CheckLevel = 'must'): Promise<Exchange | null> => {
    const expected = `HTTP ${fixture.expected_response.status_code}; ${summarizeExpected(fixture)}`;
    if (token === null) {
      add(fixture.name, fixture.title, level, expected, 'not run: no access token (login failed)', [
        { what: 'access token', level: 'must', pass: false, expected: 'a token from login', actual: 'none' },
      ]);
      return null;
    }
    const x = await json(fixture.request.path, fixture.request.body, token);
    add(fixture.name, fixture.title, level, expected, describeExchange(x), observed(x, expectationOf(fixture.expected_response)));
    return x;
  };

  // The fixture batches, in order (03 re-sends 01's event).
  await runFixture(byName.get('09-empty-batch') as ContractFixture);
  for (const name of ['01-single-event', '02-mixed-batch', '03-duplicate', '04-per-event-rejection'])
    await runFixture(byName.get(name) as ContractFixture);
  const f05 = byName.get('05-bad-request-details') as ContractFixture;
  const x05 = await runFixture(f05);
  if (x05 !== null && token !== null) {
    const valid = f05.request.body.events[0] as Record<string, unknown>;
    const again = await json(BATCH_PATH, { events: [valid] }, token);
    add(
      '05-bad-request-details-nothing-stored',
      '400: nothing of the refused batch was stored',
      'must',
      'the valid event of 05 sent alone → 200 "success" (not "duplicate")',
      describeExchange(again),
      observed(again, { status: [200], results: [{ event_id: String(valid['event_id']), status: 'success' }] }),
    );
  }
  for (const name of ['06-unknown-event-type', '07-invalid-lane']) await runFixture(byName.get(name) as ContractFixture);
  await runFixture(byName.get('08-lane-model-mismatch') as ContractFixture, 'should');

  if (token !== null) {
    const t = token;
    const events = createEventFactory({
      nodeId: FIXTURE_PROJECT.nodeId,
      now: options.now,
      newId: createIdGenerator(() => options.now().getTime()),
      laneModel,
      context: {
        projectUuid: FIXTURE_PROJECT.projectUuid,
        projectSlug: FIXTURE_PROJECT.projectSlug,
        teamSlug,
        gitBranch: FIXTURE_PROJECT.gitBranch,
        headCommitSha: FIXTURE_PROJECT.headCommitSha,
        repoSlug: FIXTURE_PROJECT.repoSlug,
      },
    });
    let clock = 1000;
    const note = (text: string) =>
      events.stamp(events.historyAdded({ wpId: 'WP01', content: text, author: 'contract-verify' }), clock++) as unknown as Record<
        string,
        unknown
      >;

    // Ids are compared exactly as sent; the idempotency key is the normalised id.
    const lower = note('Sent with a lower-case ULID.');
    const upperId = String(lower['event_id']);
    const lowerId = upperId.toLowerCase();
    const echo = await json(BATCH_PATH, { events: [{ ...lower, event_id: lowerId }] }, t);
    add(
      'id-echo',
      'event_id is echoed exactly as sent',
      'must',
      'a lower-case ULID → 200 "success" with the same lower-case event_id',
      describeExchange(echo),
      observed(echo, { status: [200], results: [{ event_id: lowerId, status: 'success' }] }),
    );
    const upper = await json(BATCH_PATH, { events: [lower] }, t);
    add(
      'id-normalised-dedupe',
      'Idempotency uses the normalised id',
      'should',
      'the same ULID upper-case → "duplicate"',
      describeExchange(upper),
      observed(upper, { status: [200], results: [{ event_id: upperId, status: 'duplicate' }] }),
    );

    const gz = (text: string) => gzipSync(Buffer.from(text, 'utf8'));
    const headers = {
      authorization: `Bearer ${t}`,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      accept: 'application/json',
    };
    const malformed = await raw(gz('{"events": [{"event_id": '), headers);
    add(
      'malformed-json',
      'Malformed JSON body',
      'must',
      '400 {"error", "details"}',
      describeExchange(malformed),
      observed(malformed, { status: [400], errorCode: 'malformed_json' }),
    );
    const missing = await raw(gz('{"items": []}'), headers);
    add(
      'missing-events-list',
      'Body without an "events" list',
      'must',
      '400 {"error", "details"}',
      describeExchange(missing),
      observed(missing, { status: [400], errorCode: 'missing_events' }),
    );

    const many = Array.from({ length: 1001 }, (_, i) => note(`Event ${i + 1} of 1001.`));
    const tooMany = await json(BATCH_PATH, { events: many }, t);
    add(
      'too-many-events',
      'More than 1000 events in one request',
      'should',
      '400 (or 413): the CLI never sends more than 1000',
      describeExchange(tooMany),
      observed(tooMany, { status: [400, 413] }),
    );

    const plain = note('Sent without gzip.');
    const identity = await raw(JSON.stringify({ events: [plain] }), { ...headers, 'content-encoding': 'identity' });
    add(
      'uncompressed-body',
      'Body without gzip',
      'should',
      '200 "success" (gzip is what the CLI sends, identity should work too)',
      describeExchange(identity),
      observed(identity, { status: [200], results: [{ event_id: String(plain['event_id']), status: 'success' }] }),
    );
    const brotli = await raw(JSON.stringify({ events: [] }), { ...headers, 'content-encoding': 'br' });
    add(
      'unsupported-encoding',
      'Unsupported Content-Encoding',
      'should',
      '415 (or 400)',
      describeExchange(brotli),
      observed(brotli, { status: [415, 400] }),
    );

    const bomb = await raw(gzipBomb(bombBytes), headers);
    const alive = await json(BATCH_PATH, { events: [] }, t);
    add(
      'gzip-bomb',
      'Gzip bomb is refused and the server stays up',
      'must',
      `a gzip body decoding to ${Math.round(bombBytes / 1024 / 1024)} MiB → 413 (or 400); then an empty batch → 200`,
      `${describeExchange(bomb)}; then ${describeExchange(alive)}`,
      [
        ...observed(bomb, { status: [413, 400] }),
        ...observed(alive, { status: [200], results: [] }).map((c) => ({ ...c, what: `afterwards: ${c.what}` })),
      ],
    );
  }

  const failed = cases.filter((c) => c.outcome === 'fail').length;
  const warned = cases.filter((c) => c.outcome === 'warn').length;
  return {
    serverUrl: server,
    laneModel,
    username: options.username,
    ok: failed === 0,
    total: cases.length,
    passed: cases.length - failed - warned,
    failed,
    warned,
    startedAt,
    finishedAt: options.now().toISOString(),
    cases,
  };
}

function summarizeExpected(f: ContractFixture): string {
  const body = f.expected_response.body as Record<string, unknown>;
  if (Array.isArray(body['results'])) {
    const results = body['results'] as Array<Record<string, unknown>>;
    if (results.length === 0) return 'results: []';
    return `results: ${results.map((r) => (r['code'] ? `${String(r['status'])} (${typeof r['code'] === 'string' ? r['code'] : JSON.stringify(r['code'])})` : String(r['status']))).join(', ')}`;
  }
  const details = Array.isArray(body['details']) ? (body['details'] as Array<Record<string, unknown>>) : [];
  return `error + details naming ${details.map((d) => String(d['event_id'])).join(', ') || '(text)'}`;
}
