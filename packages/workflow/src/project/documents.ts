import path from 'node:path';
import { WorkflowError, formatProblem } from '../errors.js';
import { assertInside, isFile, readTextFile } from '../files/files.js';
import { readWorkPackages } from '../tasks/work-packages.js';
import { listFeatures, type FeatureRef } from './features.js';

/** The planning documents of a feature that readers (the MCP server's resources, the dashboard) show. */
export const FEATURE_DOCUMENTS = ['spec.md', 'plan.md', 'tasks.md'] as const;
export type FeatureDocumentName = (typeof FEATURE_DOCUMENTS)[number];

/** A feature with the documents it has and its work-package prompts. */
export interface FeatureDocuments {
  readonly feature: FeatureRef;
  readonly documents: readonly FeatureDocumentName[];
  readonly workPackages: ReadonlyArray<{ readonly id: string; readonly title: string | null; readonly shownAs: string }>;
}

/** A document's text and its path relative to the project root. */
export interface DocumentText {
  readonly shownAs: string;
  readonly text: string;
}

/** Every feature of the project with its existing documents and work packages (read-only). */
export function listFeatureDocuments(root: string): FeatureDocuments[] {
  return listFeatures(root).map((feature) => ({
    feature,
    documents: FEATURE_DOCUMENTS.filter((d) => isFile(path.join(feature.dir, d))),
    workPackages: readWorkPackages(root, feature).workPackages.map((wp) => ({ id: wp.id, title: wp.title, shownAs: wp.shownAs })),
  }));
}

function unknown(code: 'UNKNOWN_FEATURE' | 'UNKNOWN_WORK_PACKAGE', message: string, suggestion: string): WorkflowError {
  return new WorkflowError(code, message, { suggestions: [suggestion] });
}

/**
 * Reads one document of a feature: `spec.md`, `plan.md`, `tasks.md`, or a work package's prompt file (`WPxx`).
 * Only names of features found by {@link listFeatures} and of their work packages are accepted, so no input can
 * reach a file outside the feature (a symlink leading out is refused with INVALID_PATH).
 */
export function readFeatureDocument(root: string, featureSlug: string, name: FeatureDocumentName | `WP${string}`): DocumentText {
  const features = listFeatures(root);
  const feature = features.find((f) => f.slug === featureSlug);
  if (feature === undefined) {
    throw unknown(
      'UNKNOWN_FEATURE',
      `No feature ${JSON.stringify(featureSlug.slice(0, 80))} in ${root}.`,
      `Features: ${features.map((f) => f.slug).join(', ') || '(none yet)'}.`,
    );
  }
  if ((FEATURE_DOCUMENTS as readonly string[]).includes(name)) {
    const file = path.join(feature.dir, name);
    assertInside(root, file);
    const shownAs = `${feature.relDir}/${name}`;
    const read = readTextFile(file, shownAs);
    if (read.file === null) {
      throw new WorkflowError('FILE_READ_FAILED', `Cannot read ${shownAs}: ${read.problems.map(formatProblem).join('; ')}.`, {
        suggestions: [`Check that ${shownAs} exists and is a readable text file.`],
      });
    }
    return { shownAs, text: read.file.text };
  }
  const wps = readWorkPackages(root, feature).workPackages;
  const wp = wps.find((w) => w.id === name);
  if (wp === undefined) {
    throw unknown(
      'UNKNOWN_WORK_PACKAGE',
      `Feature ${feature.slug} has no work package ${JSON.stringify(name.slice(0, 40))}.`,
      `Work packages: ${wps.map((w) => w.id).join(', ') || '(none yet)'}.`,
    );
  }
  assertInside(root, wp.path);
  return { shownAs: wp.shownAs, text: wp.file.text };
}
