import { WorkflowError } from '../errors.js';
import type { TemplateAsset, TemplateSource } from '../ports.js';

const MISSION_KEY = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/** Validates a mission key against the missions the template source knows; returns it. Throws UNKNOWN_MISSION. */
export async function checkMission(templates: TemplateSource, mission: string): Promise<string> {
  const key = mission.trim();
  const known = await templates.missions();
  if (!MISSION_KEY.test(key) || !known.includes(key)) {
    throw new WorkflowError('UNKNOWN_MISSION', `Unknown mission ${JSON.stringify(key.slice(0, 60))}.`, {
      suggestions: [`Choose one of: ${known.join(', ') || '(no missions found)'}. Example: --mission software-dev`],
      details: { mission: key.slice(0, 60), known: [...known] },
    });
  }
  return key;
}

/** A document template of a mission; TEMPLATE_NOT_FOUND when no tier of the template source has it. */
export async function requireTemplate(templates: TemplateSource, mission: string, name: string): Promise<TemplateAsset> {
  const found = await templates.template(mission, name);
  if (found === null) {
    throw new WorkflowError(
      'TEMPLATE_NOT_FOUND',
      `No ${name} template found for mission ${mission} (looked in the project's .kittify/, the global runtime and the package defaults).`,
      {
        suggestions: [
          `Add one at .kittify/missions/${mission}/templates/${name}, or run spec-kitty migrate to install the global runtime.`,
        ],
        details: { mission, name },
      },
    );
  }
  return found;
}
