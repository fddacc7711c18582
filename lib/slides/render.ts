// One Markdown file is one deck. This turns it into slides of HTML plus their speaker notes.
//
// - A top-level `---` starts a new slide; one inside a list, a quote or a code block does not.
//   (Setext headings are off, so `text` followed by `---` is a paragraph and a new slide.)
// - HTML comments are speaker notes: taken off the slide and rendered separately.
// - `<<< path#region lang {focus}` includes code from the solutions (include.ts).
// - ```mermaid blocks become inline SVG (diagram.ts); other fences are highlighted (highlight.ts).
// - Images are inlined (SVG as markup, others as data: URLs): the deck never fetches anything.
import fs from 'node:fs';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import type { StateBlock, Token } from 'markdown-it';
import { DiagramError, renderDiagram } from './diagram.ts';
import { SlideBuildError, type Where } from './errors.ts';
import { escapeHtml, type CodeHighlighter } from './highlight.ts';
import { IncludeError, isIncludeLine, parseFocus, parseInclude, resolveInclude } from './include.ts';

export interface Slide {
  /** 1-based. */
  number: number;
  /** The slide's first heading, as text ('' when it has none). */
  title: string;
  html: string;
  /** The speaker notes as HTML ('' when there are none). */
  notes: string;
  /** Extra classes for the slide's frame, e.g. 'title-slide' for one with an h1. */
  classes: string[];
}

export interface Deck {
  /** The file name without `.md`, e.g. `00-intro`. */
  name: string;
  file: string;
  title: string;
  slides: Slide[];
}

export interface SlideSource {
  /** The slide's Markdown. */
  source: string;
  /** 1-based line of the deck where the slide's Markdown starts. */
  line: number;
}

interface RenderEnv {
  deck: string;
  slide: number;
  title: string;
  /** Lines of the deck before this slide's first line. */
  lineOffset: number;
  highlighter: CodeHighlighter;
}

const md = createMarkdown();

function createMarkdown(): MarkdownIt {
  const markdown = new MarkdownIt({ html: true, linkify: false, typographer: true });
  markdown.disable('lheading');
  markdown.block.ruler.before('paragraph', 'kfs_include', includeRule, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });

  markdown.renderer.rules.kfs_include = (tokens, index, _options, env: RenderEnv) => {
    const token = tokens[index]!;
    try {
      const snippet = resolveInclude(parseInclude(token.content), path.dirname(env.deck));
      return `<div class="include" data-source="${escapeHtml(token.content.replace(/^<<<\s*/, ''))}">${env.highlighter.html(snippet.code, snippet.lang, snippet.focus)}</div>\n`;
    } catch (error) {
      throw located(error, env, token);
    }
  };

  markdown.renderer.rules.fence = (tokens, index, _options, env: RenderEnv) => {
    const token = tokens[index]!;
    const [lang = '', ...rest] = token.info.trim().split(/\s+/);
    const code = token.content.replace(/\n$/, '');
    try {
      if (lang === 'mermaid') return `<div class="diagram">${renderDiagram(code)}</div>\n`;
      const focusText = /\{([^}]*)\}/.exec(rest.join(' '))?.[1];
      const focus = focusText === undefined ? [] : parseFocus(focusText, code.split('\n').length);
      return env.highlighter.html(code, lang, focus) + '\n';
    } catch (error) {
      if (error instanceof DiagramError) throw located(new DiagramError(`the mermaid diagram cannot be drawn: ${error.message}`), env, token);
      throw located(error, env, token);
    }
  };

  markdown.renderer.rules.image = (tokens, index, _options, env: RenderEnv) => {
    const token = tokens[index]!;
    const src = token.attrGet('src') ?? '';
    const alt = escapeHtml(token.content);
    if (/^[a-z][a-z0-9+.-]*:/i.test(src) && !src.startsWith('data:')) {
      throw located(new Error(`image ${src} would be fetched from the network; put the file in slides/assets/ and write ![${token.content}](assets/…)`), env, token);
    }
    if (src.startsWith('data:')) return `<img src="${escapeHtml(src)}" alt="${alt}">`;
    const file = path.resolve(path.dirname(env.deck), decodeURI(src));
    if (!fs.existsSync(file)) throw located(new Error(`image ${src} not found (looked for ${file})`), env, token);
    if (file.endsWith('.svg')) {
      const svg = fs.readFileSync(file, 'utf8').replace(/<\?xml[^>]*\?>/, '').replace(/<!DOCTYPE[^>]*>/i, '').trim();
      return `<span class="figure" role="img" aria-label="${alt}">${svg}</span>`;
    }
    const types: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };
    const type = types[path.extname(file).toLowerCase()];
    if (!type) throw located(new Error(`image ${src}: use .svg, .png, .jpg, .gif or .webp`), env, token);
    // In a figure, like an SVG: alone on its line it gets the room left on the slide and shrinks to fit it.
    return `<span class="figure"><img src="data:${type};base64,${fs.readFileSync(file).toString('base64')}" alt="${alt}"></span>`;
  };
  return markdown;
}

function includeRule(state: StateBlock, startLine: number, _endLine: number, silent: boolean): boolean {
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const start = state.bMarks[startLine]! + state.tShift[startLine]!;
  const line = state.src.slice(start, state.eMarks[startLine]);
  if (!isIncludeLine(line)) return false;
  if (silent) return true;
  const token = state.push('kfs_include', 'div', 0);
  token.block = true;
  token.content = line.trim();
  token.map = [startLine, startLine + 1];
  state.line = startLine + 1;
  return true;
}

function located(error: unknown, env: RenderEnv, token: Token | null): Error {
  if (error instanceof SlideBuildError) return error;
  const where: Where = { deck: env.deck, slide: env.slide, title: env.title };
  if (token?.map) where.line = env.lineOffset + token.map[0] + 1;
  const message = error instanceof IncludeError || error instanceof DiagramError || error instanceof Error ? error.message : String(error);
  return new SlideBuildError(where, message);
}

/** Splits a deck at its top-level `---` lines. Slides with nothing on them are dropped. */
export function splitSlides(markdown: string): SlideSource[] {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const breaks = md
    .parse(markdown, {})
    .filter((token) => token.type === 'hr' && token.level === 0 && /^-{3,}$/.test(token.markup) && token.map)
    .map((token) => token.map![0]);
  const slides: SlideSource[] = [];
  let start = 0;
  for (const end of [...breaks, lines.length]) {
    const source = lines.slice(start, end).join('\n');
    if (source.trim() !== '') slides.push({ source, line: start + 1 });
    start = end + 1;
  }
  return slides;
}

const COMMENT = /^<!--([\s\S]*?)-->$/;

/** Takes the HTML comments out of a slide's tokens and returns their text (the notes). */
function takeNotes(tokens: Token[]): string[] {
  const notes: string[] = [];
  for (let index = tokens.length - 1; index >= 0; index--) {
    const token = tokens[index]!;
    if (token.type === 'html_block' && COMMENT.test(token.content.trim())) {
      notes.unshift(COMMENT.exec(token.content.trim())![1]!.trim());
      tokens.splice(index, 1);
    } else if (token.type === 'inline' && token.children) {
      const inline = token.children;
      for (let child = inline.length - 1; child >= 0; child--) {
        const match = COMMENT.exec(inline[child]!.content.trim());
        if (inline[child]!.type === 'html_inline' && match) {
          notes.unshift(match[1]!.trim());
          inline.splice(child, 1);
        }
      }
    }
  }
  return notes;
}

function headingText(tokens: Token[]): { title: string; level: number } {
  const open = tokens.findIndex((token) => token.type === 'heading_open');
  if (open < 0) return { title: '', level: 0 };
  return { title: tokens[open + 1]?.content ?? '', level: Number(tokens[open]!.tag.slice(1)) };
}

/** Reads and renders one deck. Throws SlideBuildError naming the deck, slide and line. */
export async function renderDeck(file: string, highlighter: CodeHighlighter): Promise<Deck> {
  const markdown = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  await highlighter.load(languagesOf(markdown, path.dirname(file)));
  const sources = splitSlides(markdown);
  const slides: Slide[] = sources.map((slideSource, index) => {
    const env: RenderEnv = { deck: file, slide: index + 1, title: '', lineOffset: slideSource.line - 1, highlighter };
    let tokens: Token[];
    try {
      tokens = md.parse(slideSource.source, env);
    } catch (error) {
      throw located(error, env, null);
    }
    const notes = takeNotes(tokens);
    const heading = headingText(tokens);
    env.title = heading.title;
    const html = md.renderer.render(tokens, md.options, env);
    const notesHtml = notes.length ? md.render(notes.join('\n\n'), env) : '';
    return { number: index + 1, title: heading.title, html, notes: notesHtml, classes: heading.level === 1 ? ['title-slide'] : [] };
  });
  if (slides.length === 0) throw new SlideBuildError({ deck: file }, 'the deck has no slides');
  const name = path.basename(file, '.md');
  return { name, file, title: slides.find((slide) => slide.title)?.title ?? name, slides };
}

/** The languages a deck's code blocks and includes use, so their grammars load before rendering. */
function languagesOf(markdown: string, deckDir: string): string[] {
  const langs: string[] = [];
  for (const token of md.parse(markdown, {})) {
    if (token.type === 'fence') langs.push(token.info.trim().split(/\s+/)[0] ?? '');
    if (token.type === 'kfs_include') {
      try {
        langs.push(resolveInclude(parseInclude(token.content), deckDir).lang);
      } catch {
        // Reported with its slide and line when the slide renders.
      }
    }
  }
  return langs.filter((lang) => lang !== 'mermaid');
}
