// The part of a step's public API a chaos run uses (lib/step-api.ts describes it), loaded from the
// step's src/index.ts. Step 08 and step 09 export the same names with the same shapes (09 speaks
// Kafka's binary protocol underneath), so one run works on either, and on a student's copy of either.
import path from 'node:path';
import { importStepApi, type StepApi } from '../step-api.ts';

export type ChaosApi = Omit<StepApi, 'decodeAssignment'>;

const NEEDED = ['KafkaProducer', 'KafkaConsumer', 'KafkaAdmin', 'Connection', 'Log', 'Controller', 'LATEST_TIMESTAMP', 'stringSerializer', 'stringDeserializer'] as const;

/** Imports `srcDir/index.ts`; the error says what is missing, for a student's copy that is not there yet. */
export function loadStepApi(srcDir: string): Promise<ChaosApi> {
  return importStepApi<ChaosApi>(path.join(srcDir, 'index.ts'), NEEDED, 'a chaos run needs a controller, replication and retrying clients (step 08 or later)');
}
