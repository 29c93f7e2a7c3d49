// The cursor of status-log reconciliation (DESIGN §5), shared by the reader (@kitty/workflow reads the logs) and
// the store (@kitty/queue remembers how far each log was read): one definition, so both sides agree on its rule.

/** How far one status log (`kitty-specs/<feature>/status.events.jsonl`) has been read into the queue. */
export interface StatusLogCursor {
  /** Absolute path of the log. */
  readonly path: string;
  /** Bytes consumed: the end of the last complete line read. */
  readonly offset: number;
  /** SHA-256 (hex) of the bytes just before `offset` (at most {@link CURSOR_TAIL_BYTES}); a mismatch means the log was rewritten. */
  readonly tailHash: string;
  /** File size and modification time when it was read (an unchanged log is not opened again). */
  readonly size: number;
  readonly mtimeMs: number;
}

/** How many bytes before a cursor's offset its hash covers. */
export const CURSOR_TAIL_BYTES = 4096;
