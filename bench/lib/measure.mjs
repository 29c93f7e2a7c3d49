// Timing primitives of the benchmark: one process spawn timed with process.hrtime, medians, bounded loops.
import { spawn } from 'node:child_process';

/** Median of a list of numbers (the mean of the two middle values for an even count). */
export function median(xs) {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Smallest and largest value. */
export function range(xs) {
  return xs.length === 0 ? [Number.NaN, Number.NaN] : [Math.min(...xs), Math.max(...xs)];
}

/**
 * Spawns `command args` and resolves with its wall time (ms, from spawn to exit), exit code, stdout and stderr.
 * The child is killed (SIGKILL) after `timeoutMs`; that run then resolves with `timedOut: true`.
 */
export function timedSpawn(command, args, { cwd, env, input, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    const stdout = [];
    const stderr = [];
    const t0 = process.hrtime.bigint();
    let timedOut = false;
    let child;
    try {
      child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ ms: 0, code: null, signal: null, stdout: '', stderr: String(err), timedOut: false });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => stdout.push(d));
    child.stderr.on('data', (d) => stderr.push(d));
    child.on('error', (err) => stderr.push(Buffer.from(String(err))));
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      resolve({ ms, code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), timedOut });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Milliseconds since `t0` (a `process.hrtime.bigint()` value). */
export function since(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** A failed run as one short line: exit code or signal, and the last lines of stderr. */
export function describeFailure(r) {
  const why = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
  return `${why}${tail ? `: ${tail.slice(0, 400)}` : ''}`;
}
