// How the CLI talks: short lines, colour only where it carries meaning.
import pc from 'picocolors';

export const colour = pc;

export function heading(text: string): void {
  console.log(`\n${pc.bold(text)}`);
}

export function ok(text: string): void {
  console.log(`${pc.green('✓')} ${text}`);
}

export function bad(text: string): void {
  console.log(`${pc.red('✗')} ${text}`);
}

export function note(text: string): void {
  console.log(pc.dim(text));
}

/** Indents every line of a block of text. */
export function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');
}

/** Keeps the first `max` lines of a long message. */
export function clip(text: string, max = 14): string {
  const lines = text.split('\n');
  return lines.length <= max ? text : [...lines.slice(0, max), pc.dim(`… ${lines.length - max} more lines`)].join('\n');
}

/** An error meant for the person at the keyboard: printed without a stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
