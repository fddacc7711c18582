import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Log } from '../src/index.ts';
import { validateTopicName } from '../src/index.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';

const tempDir = useTempDirs('kfs-step04-');

/** What `action` throws (undefined if nothing); a TODO stub's error is rethrown so it shows as is. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('TODO(')) throw error;
    return error;
  }
  return undefined;
}

const invalid: Array<[string, string]> = [
  ['', 'an empty name'],
  ['.', '"." (this directory)'],
  ['..', '".." (the parent directory)'],
  ['../x', 'a name with "../" in it'],
  ['a/b', 'a name with "/"'],
  ['a\\b', 'a name with "\\"'],
  ['x'.repeat(250), 'a name of 250 characters'],
  ['my topic', 'a name with a space'],
  ['tab\t', 'a name with a tab'],
  ['café', 'a name with a non-ASCII letter'],
  ['a:b', 'a name with ":"'],
  ['\u0000', 'a NUL character'],
];

/** A name as a test title shows it: quoted, and a long one shortened to its first characters and its length. */
const shown = (name: string) => JSON.stringify(name.length > 30 ? `${name.slice(0, 10)}…(${name.length} chars)` : name);

const valid = ['numtest', 'test-topic', 'items_list', 'my.topic.v2', '__consumer_offsets', 'a', '...', 'x'.repeat(249), 'ABC-xyz_0.9'];

describe('task 1: topic names', () => {
  test.each(invalid.map(([name, what]): [string, string, string] => [shown(name), what, name]))('task 1: %s is refused with INVALID_TOPIC_EXCEPTION (%s)', (_shown, what, name) => {
    const error = thrownBy(() => validateTopicName(name));
    expect(error, `validateTopicName should throw for ${what}`).toBeInstanceOf(Error);
    expect((error as { code?: string }).code, `the error for ${what} should carry code INVALID_TOPIC_EXCEPTION, as Kafka's`).toBe('INVALID_TOPIC_EXCEPTION');
    expect((error as Error).message.length, 'the message should tell the student what is wrong with the name').toBeGreaterThan(25);
  });

  test('task 1: legal names are accepted (letters, digits, ".", "_", "-", up to 249 characters)', () => {
    for (const name of valid) {
      expect(() => validateTopicName(name), `${shown(name)} is a legal topic name`).not.toThrow();
    }
  });

  test('task 1: the messages say what to change', () => {
    const message = (name: string) => (thrownBy(() => validateTopicName(name)) as Error | undefined)?.message ?? '(no error)';
    expect(message('a/b'), 'the message for "a/b" should name the character "/"').toMatch(/"\/"/);
    expect(message('x'.repeat(250)), 'the message for a 250-character name should give the limit, 249').toMatch(/249/);
    expect(message(''), 'the message for an empty name should say it is empty').toMatch(/empty/);
  });

  test('task 1: Log.open refuses an invalid topic and creates nothing, inside dataDir or outside it', () => {
    const base = tempDir();
    const dataDir = path.join(base, 'data');
    fs.mkdirSync(dataDir);
    for (const [name, what] of invalid) {
      const error = thrownBy(() => Log.open(dataDir, name, 0)) as { code?: string } | undefined;
      expect(error?.code, `Log.open with ${what} should throw INVALID_TOPIC_EXCEPTION before touching the disk`).toBe('INVALID_TOPIC_EXCEPTION');
    }
    expect(fs.readdirSync(base), `nothing may be created next to dataDir (found ${fs.readdirSync(base).join(', ')})`).toEqual(['data']);
    expect(fs.readdirSync(dataDir), 'no partition directory may be created for an invalid topic').toEqual([]);
  });
});
