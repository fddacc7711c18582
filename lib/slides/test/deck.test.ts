// The slide builder's rules, on small decks written into a temp folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../paths.ts';
import { stripMarkers } from '../../source/markers.ts';
import { sharedHighlighter } from '../build.ts';
import { renderDeck, splitSlides } from '../render.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-slides-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
async function deck(markdown: string) {
  const file = path.join(tmp, `deck-${++counter}.md`);
  fs.writeFileSync(file, markdown);
  return renderDeck(file, await sharedHighlighter());
}

const SOLUTION = path.join(ROOT, 'solutions', '01-echo-broker', 'src', 'broker', 'broker.ts');
const INCLUDE = path.relative(tmp, SOLUTION).split(path.sep).join('/');

describe('splitting', () => {
  it('a top-level --- starts a new slide', () => {
    const slides = splitSlides('# One\n\ntext\n\n---\n\n## Two\n\n---\n\n## Three\n');
    expect(slides.map((slide) => slide.source.trim().split('\n')[0])).toEqual(['# One', '## Two', '## Three']);
    expect(slides.map((slide) => slide.line)).toEqual([1, 6, 10]);
  });

  it('a --- inside a list, a quote or a code block does not', () => {
    const markdown = ['## One', '', '- item', '', '  ---', '', '> quoted', '> ---', '', '```', '---', '```', '', '---', '', '## Two'].join('\n');
    expect(splitSlides(markdown)).toHaveLength(2);
  });

  it('text right above --- is a paragraph on its slide, not a heading', async () => {
    const built = await deck('## One\n\nsome text\n---\n## Two\n');
    expect(built.slides).toHaveLength(2);
    expect(built.slides[0]!.html).toContain('<p>some text</p>');
  });
});

describe('speaker notes', () => {
  it('HTML comments become notes and never appear on the slide', async () => {
    const built = await deck('## A slide\n\nvisible text\n\n<!--\nSay **this** out loud.\n-->\n\nmore <!-- an inline aside --> text\n');
    const [slide] = built.slides;
    expect(slide!.html).toContain('visible text');
    expect(slide!.html).not.toContain('out loud');
    expect(slide!.html).not.toContain('inline aside');
    expect(slide!.html).not.toContain('<!--');
    expect(slide!.notes).toContain('<strong>this</strong>');
    expect(slide!.notes).toContain('an inline aside');
  });
});

describe('code includes', () => {
  function region(name: string): string {
    const lines = stripMarkers(fs.readFileSync(SOLUTION, 'utf8')).split('\n');
    const start = lines.findIndex((line) => line.trim() === `// #region ${name}`);
    const end = lines.findIndex((line) => line.trim() === `// #endregion ${name}`);
    const body = lines.slice(start + 1, end);
    const indent = Math.min(...body.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length));
    return body.map((line) => line.slice(indent)).join('\n');
  }
  const textOf = (html: string) =>
    html
      .replace(/<[^>]+>/g, '')
      .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
      .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
      .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

  it('the included code is exactly the source region, without region or step markers', async () => {
    const built = await deck(`## Code\n\n<<< ${INCLUDE}#stop ts\n`);
    const code = textOf(/<pre[\s\S]*<\/pre>/.exec(built.slides[0]!.html)![0]);
    expect(code).toBe(region('stop'));
    expect(code).not.toMatch(/#region|#endregion|\/\/> step|\/\/</);
  });

  it('line focus dims every line but the focused ones', async () => {
    const built = await deck(`## Code\n\n<<< ${INCLUDE}#start ts {2,4-5}\n`);
    const classes = [...built.slides[0]!.html.matchAll(/<span class="line( \w+)?"/g)].map((match) => (match[1] ?? '').trim());
    expect(classes.slice(0, 6)).toEqual(['dim', 'focus', 'dim', 'focus', 'focus', 'dim']);
  });

  it('a missing file fails the build naming the deck, slide and line', async () => {
    await expect(deck(`## One\n\n---\n\n## Two\n\n<<< ../nowhere/missing.ts#start ts\n`)).rejects.toThrow(/deck-\d+\.md:7 \(slide 2 "Two"\): cannot include \.\.\/nowhere\/missing\.ts: there is no file/);
  });

  it('in a copy without solutions/, an include of a solution names the student\'s own file instead', async () => {
    fs.mkdirSync(path.join(tmp, 'copy'), { recursive: true });
    const built = await deck(`## Code\n\n<<< copy/solutions/01-echo-broker/src/broker/broker.ts#start ts\n`);
    const text = built.slides[0]!.html.replace(/<[^>]+>/g, '');
    expect(text).toContain('this copy has no solutions/ folder');
    expect(text).toContain('steps/01-echo-broker/src/broker/broker.ts');
    await expect(deck(`## Code\n\n<<< ${INCLUDE.replace('broker.ts', 'missing.ts')}#start ts\n`), 'with solutions/ there, a missing file is still an error').rejects.toThrow(/there is no file/);
  });

  it('a name that no region has is the declaration of that name, with the comment above it', async () => {
    const built = await deck(`## Code\n\n<<< ${INCLUDE}#handleConnection ts\n`);
    const text = built.slides[0]!.html.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const source = fs.readFileSync(SOLUTION, 'utf8').split('\n');
    const first = source.findIndex((line) => /private handleConnection\(/.test(line));
    expect(text, 'the method itself').toContain('handleConnection(socket: Socket): void {');
    expect(text, 'and nothing after its closing brace').not.toContain('async stop()');
    expect(text.trim().split('\n').length, 'from its doc comment to its closing brace').toBeGreaterThan(3);
    expect(first).toBeGreaterThan(0);
  });

  it('a missing region fails the build and lists the regions there are', async () => {
    await expect(deck(`## Code\n\n<<< ${INCLUDE}#nope ts\n`)).rejects.toThrow(/there is no region "nope" in solutions\/01-echo-broker\/src\/broker\/broker\.ts \(regions there: start, stop\)/);
  });

  it('a focus beyond the snippet fails the build', async () => {
    await expect(deck(`## Code\n\n<<< ${INCLUDE}#stop ts {40}\n`)).rejects.toThrow(/line focus \{40\} asks for lines 40-40, but the snippet has lines 1-\d+/);
  });
});

describe('diagrams', () => {
  it('a mermaid block becomes inline SVG that fetches nothing', async () => {
    const built = await deck('## Flow\n\n```mermaid\nflowchart LR\n  P[Producer] -->|send| B[(Broker)]\n  B --> C[Consumer]\n```\n\n---\n\n## Seq\n\n```mermaid\nsequenceDiagram\n  participant P as Producer\n  P->>B: produce\n  B-->>P: offset 0\n  Note over B: appends\n```\n');
    for (const slide of built.slides) {
      expect(slide.html).toContain('<svg');
      expect(slide.html).not.toMatch(/@import|https?:\/\/(?!www\.w3\.org)/);
    }
  });

  it('a diagram that cannot be drawn fails the build naming the deck and slide', async () => {
    await expect(deck('## Flow\n\n```mermaid\nflowchart LR\n  A --> \n```\n')).rejects.toThrow(/deck-\d+\.md:3 \(slide 1 "Flow"\): the mermaid diagram cannot be drawn: line 2 .*an arrow needs a node after it/);
    await expect(deck('## Pie\n\n```mermaid\npie title Pets\n  "Dogs": 3\n```\n')).rejects.toThrow(/slide 1 "Pie"\): the mermaid diagram cannot be drawn: "pie title Pets" is not a diagram type/);
    await expect(deck('## Seq\n\n```mermaid\nsequenceDiagram\n  A => B hello\n```\n')).rejects.toThrow(/line 2 of the diagram, "A => B hello": not understood/);
  });

  it('an image from the network fails the build', async () => {
    await expect(deck('## Pic\n\n![logo](https://example.com/logo.png)\n')).rejects.toThrow(/would be fetched from the network/);
  });
});
