import { sql } from 'kysely';
import { queueFilesInHome } from './clock-sources.js';
import { errorMessage } from './errors.js';
import { fileBytes } from './inspect.js';
import { pythonQueueInfo, pythonQueuePath } from './python-import.js';
import { META } from './schema.js';
import { openSqlite, type SqliteHandle } from './sqlite-adapter.js';
import type { ScopeInfo } from './types.js';

/**
 * Every queue file in a home directory (the logged-out `queue.db` first, then one per server/account),
 * with its scope and counts. Read-only: a damaged file is reported with `error`, not repaired.
 *
 * @example (await listScopes(os.homedir())).map((s) => `${s.scope?.username ?? 'logged out'}: ${s.pending}`)
 */
export async function listScopes(homeDir: string, options: { readonly busyTimeoutMs?: number } = {}): Promise<ScopeInfo[]> {
  const out: ScopeInfo[] = [];
  for (const file of queueFilesInHome(homeDir)) {
    const bytes = fileBytes(file) + fileBytes(`${file}-wal`);
    let handle: SqliteHandle | undefined;
    try {
      handle = openSqlite(file, { busyTimeoutMs: options.busyTimeoutMs ?? 5000, readonly: true, fileMustExist: true });
      const meta = new Map(
        (
          await handle.db
            .selectFrom('outbox_meta')
            .select(['key', 'value'])
            .where('key', 'in', [META.scopeServer, META.scopeUser])
            .execute()
        ).map((r) => [r.key, r.value]),
      );
      const counts = new Map(
        (await sql<{ status: string; n: number }>`select status, n from outbox_counts`.execute(handle.db)).rows.map((r) => [r.status, r.n]),
      );
      const serverUrl = meta.get(META.scopeServer);
      const username = meta.get(META.scopeUser);
      out.push({
        path: file,
        scope: serverUrl !== undefined && username !== undefined ? { serverUrl, username } : null,
        pending: counts.get('pending') ?? 0,
        dead: counts.get('dead') ?? 0,
        bytes,
        error: null,
        ...(file === pythonQueuePath(homeDir) ? await pythonWaiting(homeDir, options) : {}),
      });
    } catch (e) {
      // Only Python spec-kitty's table so far: its rows wait to be adopted (not an error).
      const py = file === pythonQueuePath(homeDir) ? await pythonQueueInfo(homeDir, options) : null;
      if (py?.present) out.push({ path: file, scope: null, pending: 0, dead: 0, bytes, error: null, pythonWaiting: py.waiting });
      else out.push({ path: file, scope: null, pending: null, dead: null, bytes, error: errorMessage(e) });
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
  return out;
}

async function pythonWaiting(homeDir: string, options: { readonly busyTimeoutMs?: number }): Promise<{ pythonWaiting?: number }> {
  const py = await pythonQueueInfo(homeDir, options);
  return py.present ? { pythonWaiting: py.waiting } : {};
}
