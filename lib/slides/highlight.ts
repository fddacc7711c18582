// Syntax highlighting at build time with shiki (the grammars VS Code uses), so the deck carries
// coloured HTML and no highlighter script. Focused lines stay bright; the others are dimmed.
import { bundledLanguages, createHighlighter, type Highlighter } from 'shiki';

const THEME = 'github-light';
const ALIASES: Record<string, string> = { sh: 'bash', shell: 'bash', console: 'bash', text: 'text', txt: 'text', plain: 'text', '': 'text' };

export interface CodeHighlighter {
  /** Loads the grammars a deck uses; unknown names are shown as plain text. */
  load(langs: Iterable<string>): Promise<void>;
  html(code: string, lang: string, focus?: number[]): string;
}

export async function createCodeHighlighter(): Promise<CodeHighlighter> {
  const shiki: Highlighter = await createHighlighter({ themes: [THEME], langs: ['ts', 'js', 'json', 'bash'] });
  const known = (lang: string): string => {
    const name = ALIASES[lang] ?? lang;
    return name === 'text' || name in bundledLanguages ? name : 'text';
  };
  return {
    async load(langs) {
      const missing = [...new Set([...langs].map(known))].filter((lang) => lang !== 'text' && !shiki.getLoadedLanguages().includes(lang));
      for (const lang of missing) await shiki.loadLanguage(lang as keyof typeof bundledLanguages);
    },
    html(code, lang, focus = []) {
      const name = known(lang);
      const focused = new Set(focus);
      return shiki.codeToHtml(code, {
        lang: shiki.getLoadedLanguages().includes(name) ? name : 'text',
        theme: THEME,
        transformers: [
          {
            pre(node) {
              this.addClassToHast(node, focused.size ? 'code has-focus' : 'code');
              delete node.properties.tabindex;
            },
            line(node, line) {
              if (focused.size) this.addClassToHast(node, focused.has(line) ? 'focus' : 'dim');
            },
          },
        ],
      });
    },
  };
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
