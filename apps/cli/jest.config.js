import base from '../../jest.config.base.js';

// These tests spawn the built CLI (often several times per test); under a loaded CI machine one spawn can take
// seconds, so the per-test budget is larger than the libraries'.
export default { ...base, testTimeout: 120_000 };
