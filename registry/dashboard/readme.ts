import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { Html } from './html.js';

// A private instance: nothing else in the process can change how READMEs are parsed.
const marked = new Marked({ gfm: true, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags.filter((t) => t !== 'iframe'),
    'img',
    'h1',
    'h2',
    'del',
    'ins',
    'details',
    'summary',
    'input',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'name'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    code: ['class'],
    th: ['align'],
    td: ['align'],
    // GitHub task lists render as disabled checkboxes.
    input: ['type', 'checked', 'disabled'],
  },
  allowedClasses: { code: [/^language-[\w-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }),
    input: (_tag, attribs) => ({
      tagName: attribs.type === 'checkbox' ? 'input' : 'span',
      attribs: attribs.type === 'checkbox' ? { ...attribs, disabled: '' } : {},
    }),
  },
};
// `rel` is added by the transform, so it must survive the attribute filter that runs after it.
SANITIZE.allowedAttributes = {
  ...(SANITIZE.allowedAttributes as Record<string, string[]>),
  a: ['href', 'title', 'name', 'rel'],
};

/**
 * A README as safe HTML: Markdown through marked, then everything through sanitize-html — scripts,
 * event handlers, `javascript:` links, iframes, styles and forms never reach the page. (The CSP,
 * `script-src 'self'`, is the second wall.)
 */
export function renderReadme(markdown: string): Html {
  const raw = marked.parse(markdown) as string;
  return new Html(sanitizeHtml(raw, SANITIZE));
}
