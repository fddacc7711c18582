// ```mermaid blocks become inline SVG at build time, so a deck needs no script and no network to
// show a diagram. beautiful-mermaid lays them out in plain Node (mermaid itself needs a browser
// and Node 22). It quietly skips lines it does not understand, so every line is checked here
// first: a diagram that would come out wrong fails the build instead.
import { renderMermaidSVG } from 'beautiful-mermaid';

/** Thrown with a message that is complete without the deck's name; the builder adds where. */
export class DiagramError extends Error {}

/** Colours matched to the deck's CSS (lib/slides/client/deck.css). */
const THEME = {
  bg: '#ffffff',
  fg: '#1f2328',
  line: '#57606a',
  accent: '#1f4e9c',
  muted: '#57606a',
  surface: '#eef3fb',
  border: '#7b93bd',
};

let counter = 0;

/** Renders one diagram to an SVG string whose ids are unique in the page. */
export function renderDiagram(source: string): string {
  checkMermaid(source);
  let svg: string;
  try {
    svg = renderMermaidSVG(source, { ...THEME, transparent: true, padding: 12, nodeSpacing: 36, layerSpacing: 48 });
  } catch (error) {
    throw new DiagramError((error as Error).message);
  }
  return enlarge(offline(uniqueIds(svg, `d${++counter}-`)));
}

/** Drawn at 1.7× its natural size (its text would be 13 px on a 1280 px slide); CSS shrinks it to fit. */
const ENLARGE = 1.7;
function enlarge(svg: string): string {
  return svg.replace(/^<svg([^>]*?) width="([\d.]+)" height="([\d.]+)"/, (_, rest: string, width: string, height: string) =>
    `<svg${rest} width="${Math.round(Number(width) * ENLARGE)}" height="${Math.round(Number(height) * ENLARGE)}"`);
}

/** Drops the web-font imports beautiful-mermaid adds, and uses the deck's own fonts. */
function offline(svg: string): string {
  return svg
    .replace(/^\s*@import url\([^)]*\);?\s*$/gm, '')
    .replace(/text \{ font-family: [^}]*\}/, 'text { font-family: var(--font-sans, sans-serif); }')
    .replace(/\.mono \{ font-family: [^}]*\}/, '.mono { font-family: var(--font-mono, monospace); }');
}

/** Gives every id a prefix, so that arrowheads of two diagrams in one page never clash. */
function uniqueIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\bid="([^"]+)"/g)].map((match) => match[1]!));
  let out = svg.replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}${id}"`);
  for (const id of ids) {
    const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`url\\(#${escaped}\\)`, 'g'), `url(#${prefix}${id})`).replace(new RegExp(`href="#${escaped}"`, 'g'), `href="#${prefix}${id}"`);
  }
  return out;
}

// The subset of mermaid that renders faithfully. Anything else is an error naming the line.
const SUPPORTED = 'flowchart/graph (TD, TB, LR, RL, BT), sequenceDiagram, stateDiagram-v2, classDiagram, erDiagram';

const SEQUENCE_LINE = [
  /^(participant|actor)\s+\S+(\s+as\s+.+)?$/,
  /^note\s+(left of|right of|over)\s+[^:]+:\s*.+$/i,
  /^(loop|alt|opt|par|critical|break|rect)\b.*$/,
  /^(else|and)\b.*$/,
  /^end$/,
  /^(activate|deactivate)\s+\S+$/,
  /^(autonumber|title\b.*)$/,
  /^\S+?\s*(-->>|->>|--\)|-\)|--x|-x|-->|->)\s*[+-]?\S+?\s*:\s*.+$/,
];

export function checkMermaid(source: string): void {
  const lines = source
    .split('\n')
    .map((line, index) => ({ text: line.trim(), number: index + 1 }))
    .filter((line) => line.text !== '' && !line.text.startsWith('%%'));
  const header = lines[0];
  if (!header) throw new DiagramError('the mermaid block is empty');
  const bad = (line: { text: string; number: number }, why: string) =>
    new DiagramError(`line ${line.number} of the diagram, "${line.text}": ${why}`);

  if (/^sequenceDiagram\s*$/.test(header.text)) {
    for (const line of lines.slice(1)) {
      if (!SEQUENCE_LINE.some((pattern) => pattern.test(line.text))) {
        throw bad(line, 'not understood; a message is written "A->>B: text", and participant, Note over, loop/alt/opt … end are supported');
      }
    }
    return;
  }
  if (/^(flowchart|graph)\s+(TD|TB|LR|RL|BT)\s*$/i.test(header.text)) {
    let depth = 0;
    for (const line of lines.slice(1)) {
      const text = line.text.replace(/;$/, '');
      if (/^(classDef|class|style|linkStyle|direction|click)\b/.test(text)) continue;
      if (/^subgraph\b/.test(text)) {
        depth++;
        continue;
      }
      if (text === 'end') {
        if (depth === 0) throw bad(line, '"end" closes no subgraph');
        depth--;
        continue;
      }
      if (!/^[\w-]+/.test(text)) throw bad(line, 'a line must start with a node id, as in A[Label] --> B');
      // Quoted labels may hold anything; an asymmetric node `id>label]` has no opening bracket.
      const unquoted = text.replace(/"[^"]*"/g, '""').replace(/(^|[\s&|])(\w[\w-]*)>[^\]]*\]/g, '$1$2');
      for (const [open, close] of ['[]', '()', '{}']) {
        if (count(unquoted, open!) !== count(unquoted, close!)) throw bad(line, `unbalanced ${open}${close}; put labels with brackets in quotes: A["f(x)"]`);
      }
      if (/(--+>?|==+>?|-\.+->?|\|)\s*$/.test(unquoted)) throw bad(line, 'an arrow needs a node after it');
    }
    if (depth !== 0) throw new DiagramError('a subgraph is never closed with "end"');
    return;
  }
  if (/^(stateDiagram(-v2)?|classDiagram|erDiagram)\s*$/.test(header.text)) return;
  throw new DiagramError(`"${header.text}" is not a diagram type the slides can draw; use one of: ${SUPPORTED}`);
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}
