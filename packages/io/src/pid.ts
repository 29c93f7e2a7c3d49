/**
 * Whether a process with this id is running on this machine. `kill(pid, 0)` sends nothing: it only checks
 * that the process exists (EPERM means it exists but belongs to another user). Anything that is not a
 * positive integer is "not running".
 *
 * @example
 * isProcessAlive(process.pid) // => true
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
