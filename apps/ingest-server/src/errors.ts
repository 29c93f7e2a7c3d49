import { KittyError } from '@kitty/errors';

/** Stable codes of the errors the ingest server throws while starting or stopping. */
export type IngestServerErrorCode =
  /** An option of `startIngestServer` (or a command-line flag) is invalid. */
  | 'INVALID_OPTION'
  /** The SQLite database could not be opened or migrated. */
  | 'STORAGE_FAILED'
  /** The HTTP server could not listen on the requested host and port. */
  | 'LISTEN_FAILED';

/** The error the ingest server throws (never while answering requests: those become HTTP answers). */
export class IngestServerError extends KittyError<IngestServerErrorCode> {}

/** True when `e` is an {@link IngestServerError}. */
export function isIngestServerError(e: unknown): e is IngestServerError {
  return e instanceof IngestServerError || (e instanceof Error && e.name === 'IngestServerError');
}
