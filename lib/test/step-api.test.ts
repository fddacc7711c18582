// The loader every step-running command shares: a student's index.ts that lacks an export is named,
// with what it is needed for, before anything runs.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../cli/output.ts';
import { importStepApi } from '../step-api.ts';
import { useTempDirs } from '../testing/temp-dir.ts';

const temp = useTempDirs('kfs-step-api-');

describe('importStepApi', () => {
  it('returns the module when it exports everything needed', async () => {
    const index = path.join(temp(), 'index.ts');
    fs.writeFileSync(index, 'export class Connection {}\nexport const LATEST_TIMESTAMP = -1;\n');
    const api = await importStepApi<{ LATEST_TIMESTAMP: number }>(index, ['Connection', 'LATEST_TIMESTAMP'], 'unused');
    expect(api.LATEST_TIMESTAMP).toBe(-1);
  });

  it('names every missing export and what it is needed for, as an error for the student', async () => {
    const index = path.join(temp(), 'index.ts');
    fs.writeFileSync(index, 'export class Connection {}\n');
    const loading = importStepApi(index, ['Connection', 'KafkaProducer', 'KafkaConsumer'], 'the benchmark needs its clients');
    await expect(loading).rejects.toThrow(UserError);
    await expect(loading).rejects.toThrow(/index\.ts exports no KafkaProducer, KafkaConsumer: the benchmark needs its clients\.$/);
  });

  it('says so when the index is not there', async () => {
    await expect(importStepApi(path.join(temp(), 'index.ts'), ['Connection'], 'a chaos run needs step 08 or later')).rejects.toThrow(/index\.ts does not exist: a chaos run needs step 08 or later\./);
  });
});
