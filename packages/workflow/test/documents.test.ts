import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { listFeatureDocuments, readFeatureDocument } from '../src/index.js';

afterAll(cleanupTempDirs);

const WP = '---\nwork_package_id: "WP01"\ntitle: "Cart"\nlane: "planned"\n---\n# WP01\n';

function project(): string {
  const root = tempDir({}, 'kitty-docs-');
  const dir = path.join(root, 'kitty-specs/001-shop');
  mkdirSync(path.join(dir, 'tasks'), { recursive: true });
  mkdirSync(path.join(root, '.kittify'));
  writeFileSync(path.join(dir, 'spec.md'), '# Spec\n');
  writeFileSync(path.join(dir, 'tasks/WP01-cart.md'), WP);
  return root;
}

describe('feature documents (read-only, for the MCP resources)', () => {
  it('lists the documents that exist and the work packages, and reads them', () => {
    const root = project();
    expect(listFeatureDocuments(root).map((f) => ({ slug: f.feature.slug, documents: f.documents, wps: f.workPackages }))).toEqual([
      {
        slug: '001-shop',
        documents: ['spec.md'],
        wps: [{ id: 'WP01', title: 'Cart', shownAs: 'kitty-specs/001-shop/tasks/WP01-cart.md' }],
      },
    ]);
    expect(readFeatureDocument(root, '001-shop', 'spec.md')).toEqual({ shownAs: 'kitty-specs/001-shop/spec.md', text: '# Spec\n' });
    expect(readFeatureDocument(root, '001-shop', 'WP01').text).toBe(WP);
  });

  it('refuses unknown features and work packages, missing documents and symlinks that lead out', () => {
    const root = project();
    expect(() => readFeatureDocument(root, '../..', 'spec.md')).toThrow(expect.objectContaining({ code: 'UNKNOWN_FEATURE' }));
    expect(() => readFeatureDocument(root, '001-shop', 'WP09')).toThrow(expect.objectContaining({ code: 'UNKNOWN_WORK_PACKAGE' }));
    expect(() => readFeatureDocument(root, '001-shop', 'plan.md')).toThrow(expect.objectContaining({ code: 'FILE_READ_FAILED' }));
    const outside = tempDir({}, 'kitty-docs-out-');
    writeFileSync(path.join(outside, 'secret.md'), 'secret\n');
    symlinkSync(path.join(outside, 'secret.md'), path.join(root, 'kitty-specs/001-shop/plan.md'));
    expect(() => readFeatureDocument(root, '001-shop', 'plan.md')).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
  });
});
