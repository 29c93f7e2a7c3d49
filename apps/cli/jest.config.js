import base from '../../jest.config.base.js';

// These tests spawn the built CLI (often several times per test); under a loaded CI machine one spawn can take
// seconds, so the per-test budget is larger than the libraries'.
// Two workers: CLI tests mostly wait on the processes they spawn, and this package runs last (jest's default on
// a 2-core machine is one worker).
export default { ...base, maxWorkers: 2, testTimeout: 120_000 };
