import base from '../../jest.config.base.js';

// Most of these tests wait on git child processes: two workers keep both cores busy when this package is the last
// one running (jest's default on a 2-core machine is one worker). The timeout allows for a loaded machine.
export default { ...base, maxWorkers: 2, testTimeout: 120_000 };
