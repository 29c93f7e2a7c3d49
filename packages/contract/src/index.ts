export { ContractError, isContractError } from './errors.js';
export type { ContractErrorCode } from './errors.js';
export {
  REJECTION_CODES,
  BAD_REQUEST_CODES,
  BatchResultSchema,
  BatchResponseSchema,
  BadRequestDetailSchema,
  BadRequestSchema,
  ErrorResponseSchema,
  TokenResponseSchema,
  RefreshResponseSchema,
  responseProblems,
  buildResponseJsonSchemas,
} from './responses.js';
export {
  BATCH_PATH,
  TOKEN_PATH,
  REFRESH_PATH,
  FIXTURE_PROJECT,
  INVALID_EVENT_ID,
  frozenFixtureOptions,
  freshFixtureOptions,
  buildContractFixtures,
} from './fixtures.js';
export type { ContractFixture, FixtureRequest, FixtureResponse, FixtureBuildOptions } from './fixtures.js';
export { compareAnswer, expectationOf } from './compare.js';
export type { Check, CheckLevel, Expectation, ExpectedResult, ObservedAnswer } from './compare.js';
export { MAX_ANSWER_BYTES, sendJson, sendRaw, describeExchange } from './http.js';
export type { Exchange } from './http.js';
export { GZIP_BOMB_DECODED_BYTES, verifyContract } from './verify.js';
export type { CaseOutcome, CaseReport, VerifyOptions, VerifyReport } from './verify.js';
/** Re-exported for the `contract verify` command's `--json` (snake_case keys, like every command). */
export { snakeCaseKeys } from '@kitty/sync-client';
