// Renders the agents' Markdown as elements, never through innerHTML. markdown-it (loaded from its WebJar as
// window.markdownit) parses CommonMark plus GitHub's tables and strikethrough, with raw HTML off, so a tag in the
// text stays text. The tokens are then built into elements here from an allow-list of tags, each piece of text
// through a text node. A link keeps its target only when it is an absolute http(s) URL; any other link, and every
// image (the page's CSP loads images from this origin only), is shown as its text.

const TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'strong', 'em', 's',
  'table', 'thead', 'tbody', 'tr', 'th', 'td']);
const WEB_LINK = /^https?:\/\/[^\s]+$/i;

let parser = null;

function markdownIt() {
  if (!parser) {
    if (typeof window.markdownit !== 'function') return null;
    parser = window.markdownit('default', { html: false, linkify: false, typographer: false });
    parser.validateLink = (url) => WEB_LINK.test(url.trim()); // anything else stays literal text
  }
  return parser;
}

/** True when `url` may be the target of a link in an answer: an absolute http(s) URL. */
export function isWebLink(url) {
  return typeof url === 'string' && WEB_LINK.test(url.trim());
}

/**
 * The Markdown `text` as a `div.markdown`. A single line break is kept as a break (chat answers are written line
 * by line); a blank line starts a paragraph. Without the parser (its script failed to load) the text is shown as
 * it is, line breaks kept.
 */
export function renderMarkdown(text) {
  const root = document.createElement('div');
  root.className = 'markdown';
  const md = markdownIt();
  if (!md) {
    root.classList.add('plain');
    root.textContent = text ?? '';
    return root;
  }
  build(md.parse(String(text ?? ''), {}), root);
  return root;
}

function build(tokens, root) {
  const stack = [root];
  const top = () => stack[stack.length - 1];
  for (const token of tokens) {
    switch (token.type) {
      case 'inline':
        build(token.children ?? [], top());
        break;
      case 'text':
      case 'html_inline': // html is off, so these do not occur; if they did they would be text
      case 'html_block':
        top().append(token.content);
        break;
      case 'softbreak':
      case 'hardbreak':
        top().append(document.createElement('br'));
        break;
      case 'code_inline':
        top().append(element('code', token.content));
        break;
      case 'code_block':
      case 'fence': {
        const code = element('code', token.content.replace(/\n$/, ''));
        const pre = document.createElement('pre');
        pre.tabIndex = 0; // a long line scrolls inside the block, by keyboard too
        pre.append(code);
        top().append(pre);
        break;
      }
      case 'hr':
        top().append(document.createElement('hr'));
        break;
      case 'image':
        top().append(imageAsText(token));
        break;
      case 'link_open':
        stack.push(link(token, top()));
        break;
      case 'link_close':
        stack.pop();
        break;
      case 'table_open': {
        const scroll = document.createElement('div');
        scroll.className = 'table-scroll';
        scroll.tabIndex = 0;
        const table = document.createElement('table');
        table.className = 'md-table';
        scroll.append(table);
        top().append(scroll);
        stack.push(table);
        break;
      }
      default:
        if (token.nesting === 1) {
          const node = document.createElement(TAGS.has(token.tag) ? token.tag : 'div');
          if (token.tag === 'ol') {
            const start = token.attrGet('start'); // present only when the list does not start at 1
            if (start !== null && /^\d+$/.test(start)) node.setAttribute('start', start);
          }
          const align = /text-align:(left|center|right)/.exec(token.attrGet('style') ?? '');
          if (align) node.classList.add(`align-${align[1]}`); // a class: the CSP refuses style attributes
          top().append(node);
          stack.push(node);
        } else if (token.nesting === -1) {
          if (stack.length > 1) stack.pop();
        } else if (token.content) {
          top().append(token.content);
        }
    }
  }
}

function element(tag, text) {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

/** A link to an http(s) URL opens in a new tab and tells that page nothing; any other link stays its text. */
function link(token, parent) {
  const href = token.attrGet('href') ?? '';
  if (!isWebLink(href)) {
    const span = document.createElement('span');
    parent.append(span);
    return span;
  }
  const a = document.createElement('a');
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer nofollow';
  const title = token.attrGet('title');
  if (title) a.title = title;
  parent.append(a);
  return a;
}

/** An image is never loaded: its description is shown, as a link when it points to the web. */
function imageAsText(token) {
  const alt = token.content || (token.children ?? []).map((c) => c.content).join('') || 'image';
  const src = token.attrGet('src') ?? '';
  if (!isWebLink(src)) return document.createTextNode(alt);
  const a = document.createElement('a');
  a.href = src;
  a.target = '_blank';
  a.rel = 'noopener noreferrer nofollow';
  a.textContent = `${alt} (image)`;
  return a;
}
