import * as v from 'valibot';
import { LANES, SYNC_LANES_4 } from '../lanes.js';

/** The id pattern of the events library: ULID (Crockford, any case), bare or hyphenated UUID. */
export const EVENT_ID_PATTERN =
  /^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$|^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A non-empty string. */
export const NonEmptyString = v.pipe(v.string(), v.minLength(1, 'must not be empty'));

/** An event, causation or correlation id (normalised after validation by `normalizeEventId`). */
export const EventIdString = v.pipe(
  v.string(),
  v.regex(EVENT_ID_PATTERN, 'must be a 26-char ULID (no I, L, O, U), a 36-char UUID or a 32-char hex UUID'),
  v.minLength(26),
  v.maxLength(36),
);

/** A UUID (any version), hyphenated. */
export const UuidString = v.pipe(v.string(), v.uuid('must be a hyphenated UUID'));

/** An ISO 8601 timestamp with a UTC offset or `Z` (fractional seconds allowed). */
export const IsoDateTime = v.pipe(v.string(), v.isoTimestamp('must be an ISO 8601 timestamp with a UTC offset'));

/** A canonical lane or the alias `doing` (exact spelling, as in the events library). */
export const LaneInput = v.picklist([...LANES, 'doing'], `must be one of ${LANES.join(', ')} (or the alias doing)`);

/** A canonical lane, exactly. */
export const LaneExact = v.picklist(LANES, `must be one of ${LANES.join(', ')}`);

/** A lane of the 4-lane SaaS board. */
export const SyncLane4Schema = v.picklist(SYNC_LANES_4, `must be one of ${SYNC_LANES_4.join(', ')}`);

/** A work-package id: `WP` and two digits (the spec-kitty 2.0 rule). */
export const WpId = v.pipe(v.string(), v.regex(/^WP\d{2}$/, 'must look like WP01 (WP and two digits)'));

/** A numbered feature slug such as `001-user-auth`. */
export const FeatureSlug = v.pipe(v.string(), v.regex(/^\d{3}-[a-z0-9-]+$/, 'must look like 001-my-feature'));

/** A lower-case hex SHA-256. */
export const Sha256Hex = v.pipe(v.string(), v.regex(/^[a-f0-9]{64}$/, 'must be 64 lower-case hex characters'));

/** How a work package is executed. */
export const ExecutionMode = v.picklist(['worktree', 'direct_repo'], 'must be worktree or direct_repo');

/** A JSON object with any keys. */
export const JsonObject = v.record(v.string(), v.unknown());

/** A nullable value that may also be absent. */
export const opt = <T extends v.GenericSchema>(schema: T) => v.optional(v.nullable(schema));

/** True when a string is present and not only whitespace. */
export const filled = (s: unknown): boolean => typeof s === 'string' && s.trim() !== '';
