#!/usr/bin/env node
// The bundled build starts fastest (docs/performance.md); the plugin path is the fallback whenever the bundle is
// missing, turned off (SPEC_KITTY_NO_BUNDLE=1) or older than the packages it was built from.
import { freshBundleUrl } from '../dist/launch.js';

const bundle = freshBundleUrl(new URL('../dist/bundle/', import.meta.url), process.env);
const { run } = await import(bundle ?? '../dist/index.js');

await run();
