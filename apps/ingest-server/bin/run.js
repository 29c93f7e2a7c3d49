#!/usr/bin/env node
// kitty-ingest-server: the reference batch-ingest server (see docs/contracts/batch-ingest.md).
import { main } from '../dist/cli.js';

const result = await main(process.argv.slice(2));
if (typeof result === 'number') {
  process.exitCode = result;
} else {
  const stop = () => {
    result.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
