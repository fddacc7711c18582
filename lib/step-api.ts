// A step's public API, imported from its src/index.ts by a command that runs the step's code (the
// benchmark, the chaos run, the dashboard). A student's copy that does not export something yet
// gets a sentence naming what is missing, not a TypeError in the middle of a run.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from './cli/output.ts';

/**
 * Imports `indexFile` and checks that it exports every name in `needs`. `why` finishes the
 * sentence of the error, e.g. "a chaos run needs a controller and retrying clients (step 08 or later)".
 */
export async function importStepApi<Api>(indexFile: string, needs: readonly string[], why: string): Promise<Api> {
  const shown = path.relative(process.cwd(), indexFile) || indexFile;
  if (!fs.existsSync(indexFile)) throw new UserError(`${shown} does not exist: ${why}.`);
  const api = (await import(pathToFileURL(indexFile).href)) as Record<string, unknown>;
  const missing = needs.filter((name) => api[name] === undefined);
  if (missing.length > 0) throw new UserError(`${shown} exports no ${missing.join(', ')}: ${why}.`);
  return api as Api;
}
