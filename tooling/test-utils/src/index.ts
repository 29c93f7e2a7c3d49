export { tempDir, writeTree, cleanupTempDirs } from './tempdir.js';
export type { Tree } from './tempdir.js';
export { gitRepo } from './git.js';
export type { TempRepo } from './git.js';
export { createHttpTestServer } from './http.js';
export type { HttpTestServer, RecordedRequest, ScriptedResponse, Handler } from './http.js';
export { fixedClock } from './clock.js';
export type { FixedClock } from './clock.js';
export { sharedDir, pythonReferenceDir } from './shared-reference.js';
