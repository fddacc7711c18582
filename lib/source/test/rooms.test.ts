// The rule of the rooms, on a small src/ made to break it: each problem names the file, the
// import and the rule, and a cycle names every file in it.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { roomProblems, staleCitations } from '../rooms.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';

const tempDir = useTempDirs('kfs-rooms-');

function src(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

test('a client importing the broker, a controller importing the broker, a file in no room and a cycle are each named', () => {
  const dir = src({
    'index.ts': "export * from './client/producer.ts';\n",
    'client/producer.ts': "import type { BrokerAddress } from '../broker/broker.ts';\n",
    'broker/broker.ts': "import { Controller } from '../controller/controller.ts';\n",
    'controller/controller.ts': "import { OFFSETS } from '../broker/offsets.ts';\n",
    'broker/offsets.ts': "export const OFFSETS = 1;\n",
    'loose.ts': "export const X = 1;\n",
    'common/a.ts': "import { b } from './b.ts';\nexport const a = 1;\n",
    'common/b.ts': "import { a } from './a.ts';\nexport const b = 2;\n",
  });
  const problems = roomProblems(dir).map(({ file, problem }) => `${file} ${problem}`);
  expect(problems.find((line) => line.startsWith('client/producer.ts')), 'a client never imports broker code').toMatch(/imports broker\/broker\.ts: client\/ may import .* not broker\//);
  expect(problems.find((line) => line.startsWith('controller/controller.ts'))).toMatch(/imports broker\/offsets\.ts: controller\/ may import .* not broker\//);
  expect(problems.find((line) => line.startsWith('loose.ts'))).toMatch(/root of src\/.*move it into a room/);
  expect(problems.find((line) => line.includes('cycle'))).toMatch(/common\/a\.ts imports, and is imported by, common\/b\.ts/);
  expect(problems.some((line) => line.startsWith('broker/broker.ts')), 'a broker may run a controller in its process').toBe(false);
  expect(problems).toHaveLength(4);
});


test('a comment that names a file this src/ does not have is a stale citation', () => {
  const dir = src({
    'protocol/index.ts': "// types.ts lays values out; request-header.ts comes first.\nexport {};\n",
    'protocol/types.ts': 'export {};\n',
  });
  expect(staleCitations(dir, dir)).toEqual([{ file: 'protocol/index.ts:1', problem: "cites request-header.ts, which this step's src/ does not have: name the file as it is now" }]);
});
