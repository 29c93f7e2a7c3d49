import type { FeatureRef } from '@kitty/workflow';
import { McpServerError } from './errors.js';

/** The URI of the feature list. */
export const FEATURES_URI = 'kitty://features';
/** The planning documents of a feature that are resources, by file name. */
export const FEATURE_DOCUMENTS = ['spec.md', 'plan.md', 'tasks.md'] as const;

/** A resource as `resources/list` shows it. */
export interface ResourceEntry {
  readonly uri: string;
  readonly name: string;
  readonly title: string;
  readonly mimeType: string;
  readonly description?: string;
}

/** The content of one resource. */
export interface ResourceContent {
  readonly uri: string;
  readonly mimeType: string;
  readonly text: string;
}

/** URI templates (`resources/templates/list`). */
export const RESOURCE_TEMPLATES = [
  {
    uriTemplate: 'kitty://features/{feature}/{document}',
    name: 'feature-document',
    title: 'Feature document',
    mimeType: 'text/markdown',
    description: `A planning document of a feature: document is one of ${FEATURE_DOCUMENTS.join(', ')}.`,
  },
  {
    uriTemplate: 'kitty://features/{feature}/work-packages/{wp}',
    name: 'work-package',
    title: 'Work package prompt',
    mimeType: 'text/markdown',
    description: 'The prompt file of a work package (tasks/WPxx-*.md), e.g. kitty://features/001-user-auth/work-packages/WP01.',
  },
] as const;

const workflow = () => import('@kitty/workflow');
const docUri = (f: FeatureRef, doc: string): string => `${FEATURES_URI}/${f.slug}/${doc}`;
const wpUri = (f: FeatureRef, id: string): string => `${FEATURES_URI}/${f.slug}/work-packages/${id}`;

function unknownResource(uri: string, why: string): McpServerError {
  return new McpServerError('UNKNOWN_RESOURCE', `No resource ${JSON.stringify(uri.slice(0, 200))}: ${why}.`, {
    suggestions: [`Read ${FEATURES_URI} for the features and their resource URIs.`],
    details: { uri: uri.slice(0, 200) },
  });
}

/** Every resource of the project: the feature list, each feature's documents that exist, each work package. */
export async function listResources(root: string): Promise<ResourceEntry[]> {
  const { listFeatureDocuments } = await workflow();
  const out: ResourceEntry[] = [
    {
      uri: FEATURES_URI,
      name: 'features',
      title: 'Features',
      mimeType: 'application/json',
      description: 'The features of the project with their documents and work packages.',
    },
  ];
  for (const { feature: f, documents, workPackages } of listFeatureDocuments(root)) {
    for (const doc of documents)
      out.push({ uri: docUri(f, doc), name: `${f.slug}/${doc}`, title: `${f.slug} ${doc}`, mimeType: 'text/markdown' });
    for (const wp of workPackages)
      out.push({
        uri: wpUri(f, wp.id),
        name: `${f.slug}/${wp.id}`,
        title: `${f.slug} ${wp.id}${wp.title ? `: ${wp.title}` : ''}`,
        mimeType: 'text/markdown',
      });
  }
  return out;
}

/** The feature list document (`kitty://features`). */
async function featureList(root: string): Promise<object> {
  const { listFeatureDocuments } = await workflow();
  return {
    features: listFeatureDocuments(root).map(({ feature: f, documents, workPackages }) => ({
      feature_slug: f.slug,
      feature_number: f.number,
      feature_dir: f.relDir,
      documents: Object.fromEntries(documents.map((d) => [d, docUri(f, d)])),
      work_packages: workPackages.map((wp) => ({ id: wp.id, title: wp.title, file: wp.shownAs, uri: wpUri(f, wp.id) })),
    })),
  };
}

/** Reads one resource by URI; anything that is not one of the project's resources is UNKNOWN_RESOURCE. */
export async function readResource(root: string, uri: string): Promise<ResourceContent> {
  if (uri === FEATURES_URI || uri === `${FEATURES_URI}/`)
    return { uri, mimeType: 'application/json', text: `${JSON.stringify(await featureList(root), null, 2)}\n` };
  if (!uri.startsWith(`${FEATURES_URI}/`)) throw unknownResource(uri, `this server's URIs start with ${FEATURES_URI}`);
  const parts = uri
    .slice(FEATURES_URI.length + 1)
    .split('/')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const [feature = '', second, third] = parts;
  let name: string | undefined;
  if (parts.length === 2 && (FEATURE_DOCUMENTS as readonly string[]).includes(second as string)) name = second;
  else if (parts.length === 3 && second === 'work-packages' && /^WP\d{2}$/.test(third as string)) name = third;
  if (name === undefined)
    throw unknownResource(
      uri,
      `expected ${FEATURES_URI}/<feature>/<${FEATURE_DOCUMENTS.join('|')}> or ${FEATURES_URI}/<feature>/work-packages/<WPxx>`,
    );
  const { readFeatureDocument, isWorkflowError } = await workflow();
  try {
    // The library accepts only names of the project's own features and work packages.
    return { uri, mimeType: 'text/markdown', text: readFeatureDocument(root, feature, name as 'spec.md').text };
  } catch (err) {
    if (isWorkflowError(err) && (err.code === 'UNKNOWN_FEATURE' || err.code === 'UNKNOWN_WORK_PACKAGE'))
      throw unknownResource(uri, err.message);
    throw err;
  }
}
