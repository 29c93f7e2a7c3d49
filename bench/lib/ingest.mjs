// The reference ingest server (apps/ingest-server) as a child process on loopback, started the way its README
// documents (`node apps/ingest-server/bin/run.js --port 0 --user ada:secret`), so its CPU is not the bench's.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Why the reference server cannot be used in this checkout, or null when it can. */
export function ingestUnavailable(root) {
  const bin = path.join(root, 'apps/ingest-server/bin/run.js');
  if (!existsSync(bin)) return 'apps/ingest-server is not in this checkout';
  if (!existsSync(path.join(root, 'apps/ingest-server/dist/cli.js'))) return 'apps/ingest-server is not built (run the build)';
  return null;
}

/** Starts the server (in-memory SQLite, request log off) and resolves once it prints its URL. */
export function startIngest(root, { user = 'ada', password = 'secret', team = 'bench', timeoutMs = 30_000 } = {}) {
  const bin = path.join(root, 'apps/ingest-server/bin/run.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--port', '0', '--user', `${user}:${password}`, '--team', team, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new Error(`the reference ingest server did not start within ${timeoutMs} ms: ${out.trim()}`));
    }, timeoutMs);
    const onData = (d) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        const url = m[1].replace(/\/+$/, '');
        resolve({
          url,
          pid: child.pid,
          user,
          password,
          stop: () =>
            new Promise((res) => {
              if (child.exitCode !== null || child.signalCode !== null) return res();
              const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
              child.once('exit', () => {
                clearTimeout(kill);
                res();
              });
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!done) {
        done = true;
        reject(new Error(`the reference ingest server exited with ${code} before listening: ${out.trim()}`));
      }
    });
    process.once('exit', () => child.kill('SIGKILL'));
  });
}
