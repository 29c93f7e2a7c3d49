import { timingSafeEqual } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FeatureOverview, FeatureRef, GitPort } from '@kitty/workflow';
import { DashboardError } from './errors.js';
import {
  LANE_INFO,
  apiError,
  artifactPayload,
  featurePayload,
  featuresOf,
  kanbanOf,
  overviewOf,
  summaryOf,
  syncPayload,
  workPackagePayload,
  type DataEnv,
  type FeaturePayload,
  type SyncPayload,
} from './data.js';
import { DEFAULT_PORT, PORT_ATTEMPTS, removeMetadata, writeMetadata } from './metadata.js';

/** What {@link serveDashboard} takes: the process facts (the library reads none itself) and the server's identity. */
export interface ServeOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly git: GitPort;
  readonly now: () => Date;
  readonly homeDir: string;
  /** The random token of this dashboard (32 hex): shutdown needs it. */
  readonly token: string;
  /** The port to listen on; undefined or null: the first free one from 9237. */
  readonly port?: number | null | undefined;
  /** This process's id, written to the metadata file. */
  readonly pid: number;
  /** Aborting it shuts the server down (the command wires SIGTERM/SIGINT to it). */
  readonly signal?: AbortSignal;
  /** Called once the server listens and the metadata file is written. */
  readonly onListening?: (info: { readonly url: string; readonly port: number; readonly root: string }) => void;
  /** Debounce of file-change bursts before a feature is re-read and pushed, in ms (default 40). */
  readonly debounceMs?: number;
}

/** How a dashboard server ended. */
export interface ServeResult {
  readonly reason: 'shutdown' | 'signal';
  readonly port: number;
}

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/** The directory of the page assets shipped with this package. */
export function assetsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'assets');
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function listenOn(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/**
 * Runs the dashboard of the project around `cwd` (from a worktree too: the main checkout is served) until
 * `/api/shutdown?token=…` or `signal` ends it. Listens on 127.0.0.1 only, writes `.kittify/.dashboard` (URL,
 * port, token, pid) once listening and removes it on the way out. Every read is a call of the same
 * `@kitty/workflow` functions the CLI uses; changes to the status logs, prompt files and planning files are
 * watched (fs.watch, no polling) and pushed to open pages as Server-Sent Events.
 */
export async function serveDashboard(options: ServeOptions): Promise<ServeResult> {
  const { openProject } = await import('@kitty/workflow');
  const project = await openProject({ cwd: options.cwd, git: options.git, env: options.env });
  const root = project.root;
  const d: DataEnv = { root, env: options.env, git: options.git, now: options.now, homeDir: options.homeDir };
  const hub = new Hub(d, options.debounceMs ?? 40);
  let port = 0;
  let resolveDone: (r: ServeResult) => void = () => {};
  const done = new Promise<ServeResult>((r) => (resolveDone = r));
  let closing = false;
  const startedAt = options.now().toISOString();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: apiError(err) });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;

  const shutdown = (reason: ServeResult['reason']): void => {
    if (closing) return;
    closing = true;
    hub.close();
    removeMetadata(root, options.pid);
    server.close(() => resolveDone({ reason, port }));
    server.closeAllConnections();
  };

  const origins = (): string[] => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  /** Same-origin check: the Host must be this server (no DNS rebinding) and a browser Origin must be ours. */
  const allowed = (req: IncomingMessage, url: URL): { ok: boolean; token: boolean } => {
    const given =
      url.searchParams.get('token') ?? (req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : null);
    const token = given !== null && tokensEqual(given, options.token);
    const host = req.headers.host ?? '';
    if (!origins().includes(`http://${host}`)) return { ok: false, token };
    const origin = req.headers.origin;
    if (origin !== undefined && !origins().includes(origin)) return { ok: false, token };
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return { ok: false, token };
    return { ok: true, token };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const access = allowed(req, url);
    if (!access.ok)
      return send(res, 403, {
        error: {
          code: 'FORBIDDEN',
          message: 'This dashboard answers its own page only (same origin, Host 127.0.0.1 or localhost).',
          suggestions: [],
        },
      });
    const route = url.pathname;
    if (route === '/api/shutdown') {
      if (!access.token)
        return send(res, 403, {
          error: {
            code: 'FORBIDDEN',
            message: 'Shutting the dashboard down needs its token.',
            suggestions: ['spec-kitty dashboard --kill'],
          },
        });
      send(res, 200, { status: 'stopping' });
      setImmediate(() => shutdown('shutdown'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, {
        error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed: the dashboard is read-only.`, suggestions: [] },
      });
    const asset = ASSETS[route];
    if (asset !== undefined) return sendAsset(res, asset);
    if (route === '/api/health') {
      const given = url.searchParams.get('token');
      return send(res, 200, {
        status: 'ok',
        project_path: root,
        port,
        pid: options.pid,
        started_at: startedAt,
        ...(given === null ? {} : { token_ok: access.token }),
      });
    }
    if (route === '/api/events') return hub.subscribe(req, res);
    if (route === '/api/lanes') return send(res, 200, LANE_INFO);
    if (route === '/api/features') return send(res, 200, await hub.featureList());
    if (route === '/api/sync') return send(res, 200, await hub.sync());
    if (route === '/api/diagnostics') return send(res, 200, await hub.diagnostics());
    const parts = route
      .split('/')
      .slice(1)
      .map((p) => decodeURIComponent(p));
    if (parts[0] === 'api' && (parts[1] === 'kanban' || parts[1] === 'feature') && parts.length === 3) {
      const f = await hub.feature(parts[2] as string);
      if (f === null) return send(res, 404, { error: unknownFeature(parts[2] as string) });
      if (parts[1] === 'feature') return send(res, 200, f);
      return f.kanban === null ? send(res, 422, { error: f.kanban_error }) : send(res, 200, f.kanban);
    }
    if (parts[0] === 'api' && parts[1] === 'wp' && parts.length === 4) {
      try {
        return send(res, 200, await workPackagePayload(d, parts[2] as string, parts[3] as string));
      } catch (err) {
        const e = apiError(err);
        return send(res, e.code.startsWith('UNKNOWN_') ? 404 : 422, { error: e });
      }
    }
    if (parts[0] === 'api' && parts[1] === 'artifact' && parts.length === 4) {
      try {
        const a = await artifactPayload(d, parts[2] as string, parts[3] as string);
        return a === null
          ? send(res, 404, { error: { code: 'UNKNOWN_ARTIFACT', message: `No ${parts[3]} in ${parts[2]}.`, suggestions: [] } })
          : send(res, 200, a);
      } catch (err) {
        const e = apiError(err);
        return send(res, e.code.startsWith('UNKNOWN_') ? 404 : 422, { error: e });
      }
    }
    return send(res, 404, {
      error: {
        code: 'NOT_FOUND',
        message: `No route ${route}.`,
        suggestions: ['/api/health, /api/features, /api/kanban/<feature>, /api/feature/<feature>, /api/wp/<feature>/<WPxx>, /api/events'],
      },
    });
  }

  // Bind: the given port (one attempt), else the first free one from 9237.
  if (options.port !== undefined && options.port !== null) {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new DashboardError('INVALID_PORT', `Invalid port specified: ${String(options.port)}. Use a value between 1 and 65535.`, {
        suggestions: ['spec-kitty dashboard --port 9237'],
      });
    }
    if (!(await listenOn(server, options.port))) {
      throw new DashboardError('PORT_IN_USE', `Port ${options.port} on 127.0.0.1 is in use.`, {
        suggestions: ['spec-kitty dashboard (picks the first free port from 9237)', `spec-kitty dashboard --port ${options.port + 1}`],
      });
    }
  } else {
    let bound = false;
    for (let p = DEFAULT_PORT; p < DEFAULT_PORT + PORT_ATTEMPTS && !bound; p++) bound = await listenOn(server, p);
    if (!bound) {
      throw new DashboardError(
        'NO_FREE_PORT',
        `No free port on 127.0.0.1 between ${DEFAULT_PORT} and ${DEFAULT_PORT + PORT_ATTEMPTS - 1}.`,
        {
          suggestions: [
            'spec-kitty dashboard --port <free port>',
            'Stop other dashboards: spec-kitty dashboard --kill (in their projects)',
          ],
        },
      );
    }
  }
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  writeMetadata(root, { url, port, token: options.token, pid: options.pid });
  await hub.start();
  // Read every feature now, so the first page load finds them ready (errors surface on that request instead).
  hub.featureList().catch(() => {});
  options.signal?.addEventListener('abort', () => shutdown('signal'), { once: true });
  if (options.signal?.aborted === true) shutdown('signal');
  options.onListening?.({ url, port, root });
  return done;
}

function unknownFeature(slug: string) {
  return {
    code: 'UNKNOWN_FEATURE',
    message: `Feature directory not found: kitty-specs/${slug.slice(0, 80)}.`,
    suggestions: ['/api/features lists the features.'],
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendAsset(res: ServerResponse, asset: { file: string; type: string }): void {
  let body: Buffer;
  try {
    body = readFileSync(path.join(assetsDir(), asset.file));
  } catch (err) {
    send(res, 500, {
      error: apiError(
        new DashboardError(
          'DASHBOARD_ASSET_MISSING',
          `The page asset ${asset.file} is missing from ${assetsDir()}: ${(err as Error).message}`,
          { suggestions: ['Reinstall spec-kitty.'] },
        ),
      ),
    });
    return;
  }
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Content-Length': body.length });
  res.end(body);
}

interface CachedFeature {
  ref: FeatureRef;
  overview?: Promise<FeatureOverview>;
  payload?: Promise<FeaturePayload>;
}

/**
 * The server's state: one cache entry per feature (filled on first request, dropped when its files change),
 * the file watchers, and the open event streams.
 */
class Hub {
  private readonly features = new Map<string, CachedFeature>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly clients = new Set<ServerResponse>();
  private readonly problems: string[] = [];
  private syncCache: Promise<SyncPayload> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private pushes = 0;
  private closed = false;

  constructor(
    private readonly d: DataEnv,
    private readonly debounceMs: number,
  ) {}

  async start(): Promise<void> {
    await this.rescan();
    const watchSpecs = (): void => this.watchDir('specs', path.join(this.d.root, 'kitty-specs'), () => this.schedule('*features'));
    const watchWorktrees = (): void => this.watchDir('worktrees', path.join(this.d.root, '.worktrees'), () => this.schedule('*all'));
    watchSpecs();
    watchWorktrees();
    // kitty-specs/ or .worktrees/ created after the start (a project without features yet).
    this.watchDir('root', this.d.root, (name) => {
      if (name === 'kitty-specs') {
        watchSpecs();
        this.schedule('*features');
      } else if (name === '.worktrees') {
        watchWorktrees();
        this.schedule('*all');
      }
    });
    this.watchDir('kittify', path.join(this.d.root, '.kittify'), (name) => {
      if (name !== null && !name.startsWith('.dashboard')) this.schedule('*features');
    });
    // Keeps proxies and the browser from closing an idle stream; this is not polling (nothing is read).
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), 25_000);
    this.heartbeat.unref();
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const t of this.timers.values()) clearTimeout(t);
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  /** Re-lists the features: new ones get watchers, removed ones lose them. Returns whether the list changed. */
  private async rescan(): Promise<boolean> {
    const refs = await featuresOf(this.d);
    const seen = new Set(refs.map((r) => r.slug));
    let changed = false;
    for (const r of refs) {
      if (this.features.has(r.slug)) continue;
      changed = true;
      this.features.set(r.slug, { ref: r });
      this.watchDir(`f:${r.slug}`, r.dir, () => this.schedule(r.slug));
      this.watchDir(`t:${r.slug}`, path.join(r.dir, 'tasks'), () => this.schedule(r.slug));
    }
    for (const slug of [...this.features.keys()]) {
      if (seen.has(slug)) continue;
      changed = true;
      this.features.delete(slug);
      for (const k of [`f:${slug}`, `t:${slug}`]) {
        this.watchers.get(k)?.close();
        this.watchers.delete(k);
      }
    }
    return changed;
  }

  private watchDir(key: string, dir: string, onChange: (name: string | null) => void): void {
    if (this.watchers.has(key) || this.closed) return;
    try {
      const w = watch(dir, { persistent: true }, (_event, name) => onChange(name === null ? null : String(name)));
      w.on('error', () => {
        w.close();
        this.watchers.delete(key);
      });
      this.watchers.set(key, w);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.problems.push(`Cannot watch ${dir}: ${(err as Error).message}`);
    }
  }

  /** Collects a burst of file events for `key` (a feature slug, `*features` or `*all`) into one re-read and push. */
  private schedule(key: string): void {
    if (this.closed) return;
    const old = this.timers.get(key);
    if (old !== undefined) clearTimeout(old);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.changed(key).catch((err: unknown) => this.problems.push(`Re-reading ${key} failed: ${apiError(err).message}`));
      }, this.debounceMs),
    );
  }

  private async changed(key: string): Promise<void> {
    if (key === '*features') {
      const listChanged = await this.rescan();
      // A tasks/ directory created after the feature: watch it now.
      for (const [slug, f] of this.features) this.watchDir(`t:${slug}`, path.join(f.ref.dir, 'tasks'), () => this.schedule(slug));
      if (listChanged) this.emit('features', await this.featureList());
      return;
    }
    const slugs = key === '*all' ? [...this.features.keys()] : [key];
    if (key !== '*all' && !this.features.has(key)) return;
    for (const slug of slugs) {
      const f = this.features.get(slug);
      if (f === undefined) continue;
      delete f.overview;
      delete f.payload;
      this.watchDir(`t:${slug}`, path.join(f.ref.dir, 'tasks'), () => this.schedule(slug));
      if (this.clients.size === 0) continue;
      const payload = await this.feature(slug);
      if (payload !== null) this.emit('feature', { feature: slug, summary: summaryOf(payload.overview), payload });
    }
    if (this.clients.size > 0) {
      this.syncCache = null;
      this.emit('sync', await this.sync());
    }
  }

  private overview(f: CachedFeature): Promise<FeatureOverview> {
    f.overview ??= overviewOf(this.d, f.ref);
    return f.overview;
  }

  async featureList(): Promise<{ project_path: string; features: ReturnType<typeof summaryOf>[]; lanes: typeof LANE_INFO }> {
    const list = [...this.features.values()].sort(
      (a, b) => a.ref.number.localeCompare(b.ref.number) || a.ref.slug.localeCompare(b.ref.slug),
    );
    const out: ReturnType<typeof summaryOf>[] = [];
    for (const f of list) {
      const cached = f.overview !== undefined;
      out.push(summaryOf(await this.overview(f)));
      // Reading a feature is synchronous work: let other requests (health, the event stream) in between.
      if (!cached) await new Promise((resolve) => setImmediate(resolve));
    }
    return { project_path: this.d.root, features: out, lanes: LANE_INFO };
  }

  async feature(slug: string): Promise<FeaturePayload | null> {
    let f = this.features.get(slug);
    if (f === undefined) {
      await this.rescan();
      f = this.features.get(slug);
      if (f === undefined) return null;
    }
    if (f.payload === undefined) {
      const overview = this.overview(f);
      f.payload = overview.then(async (o) => {
        const p = await featurePayload(this.d, f.ref);
        return { ...p, overview: o };
      });
    }
    return f.payload;
  }

  sync(): Promise<SyncPayload> {
    this.syncCache ??= syncPayload(this.d).then((s) => {
      if (s.queue_path !== null)
        this.watchDir('queue', path.dirname(s.queue_path), (name) =>
          name !== null && name.endsWith('.lock') ? undefined : this.scheduleSync(),
        );
      return s;
    });
    return this.syncCache;
  }

  private syncTimer: NodeJS.Timeout | null = null;
  private scheduleSync(): void {
    if (this.syncTimer !== null || this.closed) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.syncCache = null;
      if (this.clients.size > 0)
        this.sync().then(
          (s) => this.emit('sync', s),
          () => {},
        );
    }, 500);
  }

  async diagnostics(): Promise<Record<string, unknown>> {
    const list = await this.featureList();
    return {
      project_path: this.d.root,
      features: list.features.length,
      work_packages: list.features.reduce((n, f) => n + f.total_wps, 0),
      watchers: this.watchers.size,
      clients: this.clients.size,
      pushes: this.pushes,
      problems: [...this.problems, ...list.features.flatMap((f) => f.problems.map((p) => `${f.feature}: ${p}`))],
    };
  }

  subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ project_path: this.d.root })}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  private emit(event: string, data: unknown): void {
    this.pushes++;
    this.broadcast(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private broadcast(text: string): void {
    for (const c of this.clients) c.write(text);
  }
}

/** Re-exported for tests: the `agent tasks status` document of a feature. */
export { kanbanOf };
