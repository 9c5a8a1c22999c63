#!/usr/bin/env node
// Checks that every link in the committed Markdown works on a plain view of the repository, where generated pages
// (docs/components/, docs/api/) do not exist. For each file `git ls-files` lists as *.md or *.mdx (node_modules
// aside) it reads inline links and images `[x](y)`, reference definitions `[x]: y`, `<a href>` and `<img src>` in
// HTML, and bare links into this repository, skipping fenced code blocks, inline code spans and HTML comments. Each
// relative link, and each https://github.com/crmkit/crmkit/blob/main/… or /tree/main/… link (mapped to its local
// path), must name a committed file or folder: one that exists only because something generated it does not count.
// A `#fragment` must match a heading (GitHub's slugs) or an id/name anchor in the target Markdown file. Other URLs
// (http, mailto, …) are not fetched. Prints `file:line: target — reason` for each broken link and exits 1 if any.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** URL prefixes that mean "this repository, at main": links under them are checked like relative ones. */
export const REPOSITORY_URLS = [
  'https://github.com/crmkit/crmkit/blob/main/',
  'https://github.com/crmkit/crmkit/tree/main/',
];

const MARKDOWN = /\.(md|mdx|markdown)$/i;

// ---- reading Markdown ----------------------------------------------------------------------------------------------

/** The same length of text with every character but line breaks blanked, so offsets and line numbers still hold. */
const blank = (text) => text.replace(/[^\n]/g, ' ');

/** Blanks `text` from `start` to `end`. */
const blankRange = (text, start, end) => text.slice(0, start) + blank(text.slice(start, end)) + text.slice(end);

/** Front matter, fenced code blocks, HTML comments and MDX comments blanked: what is left is prose and headings. */
function blankBlocks(text) {
  let result = text.replace(/^---\r?\n[\s\S]*?\r?\n---[ \t]*(?=\r?\n|$)/, blank);
  result = result.replace(/<!--[\s\S]*?-->/g, blank).replace(/\{\/\*[\s\S]*?\*\/\}/g, blank);
  const lines = result.split('\n');
  let fence = null;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (fence) {
      const close = /^\s*(`+|~+)\s*$/.exec(line);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) fence = null;
      lines[index] = blank(line);
      continue;
    }
    const open = /^\s*(`{3,}|~{3,})(.*)$/.exec(line);
    if (open && !(open[1][0] === '`' && open[2].includes('`'))) {
      fence = open[1];
      lines[index] = blank(line);
    }
  }
  return lines.join('\n');
}

/** Inline code spans blanked (a backtick run up to the next run of the same length, within one paragraph). */
function blankCodeSpans(text) {
  const runs = /`+/g;
  let result = text;
  let match;
  while ((match = runs.exec(text))) {
    if (match.index > 0 && text[match.index - 1] === '\\') continue;
    const closing = new RegExp(`(?<!\`)\`{${match[0].length}}(?!\`)`, 'g');
    closing.lastIndex = match.index + match[0].length;
    const close = closing.exec(text);
    if (!close || /\n[ \t]*\n/.test(text.slice(match.index, close.index))) continue;
    result = blankRange(result, match.index, close.index + close[0].length);
    runs.lastIndex = close.index + close[0].length;
  }
  return result;
}

/** Heading text as GitHub renders it, before slugging: links and images as their text, no tags, no emphasis marks. */
function headingText(raw) {
  return raw
    .split(/(`+)([\s\S]*?)\1/)
    .map((part, index, parts) => {
      if (index % 3 === 1) return '';
      if (index % 3 === 2) return /^ .* $/.test(part) && part.trim() ? part.slice(1, -1) : part;
      if (index > 0 && /^`+$/.test(parts[index - 1] ?? '')) return part;
      return part
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
        .replace(/<[^>]+>/g, '')
        .replace(/(^|[^\p{L}\p{N}_])(_+)(?=\S)([\s\S]*?\S)\2(?=$|[^\p{L}\p{N}_])/gu, '$1$3')
        .replace(/\\([!-/:-@[-`{-~])/g, '$1')
        .replace(/&(amp|lt|gt|quot|#39);/g, (_, name) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]);
    })
    .join('')
    .trim();
}

/** GitHub's heading anchors: lowercase, punctuation but `-` and `_` dropped, each space a `-`; repeats get -1, -2… */
export function slugger() {
  const seen = new Map();
  return (text) => {
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    let slug = base;
    while (seen.has(slug)) {
      const count = seen.get(base) + 1;
      seen.set(base, count);
      slug = `${base}-${count}`;
    }
    seen.set(slug, 0);
    return slug;
  };
}

/** The anchors a Markdown file offers: its headings' slugs (ATX and setext) and any HTML `id`/`name`. */
function anchorsOf(blocks) {
  const anchors = new Set();
  const slug = slugger();
  const lines = blocks.split('\n');
  let paragraph = [];
  for (const line of lines) {
    const atx = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    const underline = /^ {0,3}(=+|-+)[ \t]*$/.test(line);
    if (atx) {
      anchors.add(slug(headingText(atx[2] ?? '')));
      paragraph = [];
    } else if (underline && paragraph.length && !/^\s*([-*+>|<#]|\d+[.)])(\s|$)/.test(paragraph[0])) {
      anchors.add(slug(headingText(paragraph.join(' ').trim())));
      paragraph = [];
    } else if (line.trim() === '') {
      paragraph = [];
    } else {
      paragraph.push(line);
    }
  }
  for (const tag of blocks.matchAll(/<[a-z][^>]*>/gi)) {
    for (const attribute of tag[0].matchAll(/\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
      anchors.add(attribute[1] ?? attribute[2]);
    }
  }
  return anchors;
}

const INLINE_LINK =
  /(?<!\\)\]\([ \t]*\n?[ \t]*(?:<([^<>\n]*)>|((?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*))(?:\s+(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?\s*\)/g;
const REFERENCE_DEFINITION = /^ {0,3}\[((?:[^\]\\\n]|\\.)+)\]:[ \t]*\n?[ \t]*(?:<([^<>\n]*)>|(\S+))/gm;
const HTML_LINK = /<(a|img)\b[^>]*>/gi;

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The links in one Markdown text, each with its 1-based line, and the anchors it offers.
 * @param {string} text
 * @param {{ repositoryUrls?: string[] }} [options]
 */
export function parseMarkdown(text, { repositoryUrls = REPOSITORY_URLS } = {}) {
  const blocks = blankBlocks(text);
  let prose = blankCodeSpans(blocks);
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lineStarts.push(index + 1);
  const lineOf = (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };

  const links = [];
  const taken = [];
  const add = (target, offset) => links.push({ target, line: lineOf(offset) });

  for (const match of prose.matchAll(INLINE_LINK)) {
    const target = (match[1] ?? match[2]).replace(/\\(.)/g, '$1');
    add(target, match.index + Math.max(0, match[0].indexOf(target)));
    taken.push([match.index, match.index + match[0].length]);
  }
  for (const match of prose.matchAll(REFERENCE_DEFINITION)) {
    if (match[1].startsWith('^')) continue;
    const target = (match[2] ?? match[3]).replace(/\\(.)/g, '$1');
    add(target, match.index + match[0].lastIndexOf(target));
    taken.push([match.index, match.index + match[0].length]);
  }
  for (const match of prose.matchAll(HTML_LINK)) {
    const name = match[1].toLowerCase() === 'a' ? 'href' : 'src';
    const attribute = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'=<>\`{][^\\s"'=<>\`]*))`, 'i');
    const value = attribute.exec(match[0]);
    if (value) add(value[1] ?? value[2] ?? value[3], match.index + value.index);
    taken.push([match.index, match.index + match[0].length]);
  }
  // Bare links into this repository (GitHub turns them into links too); those already read above are blanked first.
  for (const [start, end] of taken) prose = blankRange(prose, start, end);
  if (repositoryUrls.length) {
    const bare = new RegExp(`(?:${repositoryUrls.map(escapeRegExp).join('|')})[^\\s<>"'\`\\[\\]]*`, 'g');
    for (const match of prose.matchAll(bare)) {
      let target = match[0].replace(/[.,:;!?*_~]+$/, '');
      while (target.endsWith(')') && target.split('(').length < target.split(')').length) target = target.slice(0, -1);
      add(target, match.index);
    }
  }
  links.sort((a, b) => a.line - b.line);
  return { links, anchors: anchorsOf(blocks) };
}

// ---- resolving links -----------------------------------------------------------------------------------------------

/**
 * Where a link points, as a repository path (`''` is the root) and fragment, or null for what is not checked here
 * (other sites, mailto:, a query on the same page).
 */
function resolve(target, file, repositoryUrls) {
  const trimmed = target.trim();
  if (trimmed === '' || trimmed.startsWith('?')) return null;
  let location;
  const own = repositoryUrls.find((prefix) => trimmed.startsWith(prefix));
  if (own) location = `/${trimmed.slice(own.length)}`;
  else if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) || trimmed.startsWith('//')) return null;
  else location = trimmed;

  const hash = location.indexOf('#');
  const fragment = hash === -1 ? null : location.slice(hash + 1);
  let path = (hash === -1 ? location : location.slice(0, hash)).replace(/\?.*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    return { error: 'malformed percent-encoding' };
  }
  let decodedFragment = fragment;
  if (fragment !== null) {
    try {
      decodedFragment = decodeURIComponent(fragment);
    } catch {
      return { error: 'malformed percent-encoding in the fragment' };
    }
  }
  if (path === '') return { path: file, fragment: decodedFragment };
  const joined = path.startsWith('/') ? path.slice(1) : posix.join(posix.dirname(file), path);
  const normalized = posix.normalize(joined === '' ? '.' : joined).replace(/\/+$/, '');
  if (normalized === '..' || normalized.startsWith('../')) return { error: 'points outside the repository' };
  return { path: normalized === '.' ? '' : normalized, fragment: decodedFragment };
}

const git = (root, args, input) => {
  const result = spawnSync('git', args, { cwd: root, input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result;
};

/** For each path, the .gitignore rule that ignores it (`source:line: pattern`), if one does. */
function ignoreRules(root, paths) {
  const rules = new Map();
  if (!paths.length) return rules;
  const { stdout } = git(root, ['check-ignore', '-z', '-v', '--no-index', '--stdin'], paths.join('\0') + '\0');
  const fields = stdout.split('\0');
  for (let index = 0; index + 3 < fields.length; index += 4) {
    const [source, line, pattern, path] = fields.slice(index, index + 4);
    if (!pattern.startsWith('!')) rules.set(path, `${source}:${line}: ${pattern}`);
  }
  return rules;
}

/**
 * Every broken link in the committed Markdown of the git work tree at `root`.
 * @param {string} root
 * @param {{ repositoryUrls?: string[] }} [options]
 * @returns {{ broken: { file: string, line: number, target: string, reason: string }[], files: number, links: number }}
 */
export function checkLinks(root, { repositoryUrls = REPOSITORY_URLS } = {}) {
  const committed = execFileSync('git', ['ls-files', '-z'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
    .split('\0')
    .filter(Boolean);
  const files = new Set(committed);
  const folders = new Set(['']);
  for (const file of committed) {
    for (let slash = file.indexOf('/'); slash !== -1; slash = file.indexOf('/', slash + 1)) {
      folders.add(file.slice(0, slash));
    }
  }
  const markdown = committed.filter((file) => MARKDOWN.test(file) && !/(^|\/)node_modules\//.test(file));

  const parsed = new Map();
  const parse = (file) => {
    if (!parsed.has(file)) {
      const absolute = join(root, file);
      parsed.set(file, existsSync(absolute) ? parseMarkdown(readFileSync(absolute, 'utf8'), { repositoryUrls }) : null);
    }
    return parsed.get(file);
  };
  /** The Markdown a fragment is looked up in: the file itself, or the README GitHub shows for a folder. */
  const pageOf = (path) => {
    if (files.has(path)) return MARKDOWN.test(path) ? path : null;
    const prefix = path === '' ? '' : `${path}/`;
    return ['README.md', 'readme.md', 'Readme.md', 'README.mdx'].map((name) => prefix + name).find((f) => files.has(f));
  };

  const broken = [];
  const missing = [];
  let links = 0;
  for (const file of markdown) {
    const page = parse(file);
    if (!page) continue;
    for (const { target, line } of page.links) {
      const resolved = resolve(target, file, repositoryUrls);
      if (!resolved) continue;
      links++;
      const report = (reason) => broken.push({ file, line, target, reason });
      if (resolved.error) {
        report(resolved.error);
        continue;
      }
      const { path, fragment } = resolved;
      if (!files.has(path) && !folders.has(path)) {
        missing.push({ file, line, target, path });
        continue;
      }
      if (!fragment || fragment === 'top') continue;
      const anchorPage = pageOf(path);
      if (!anchorPage) continue;
      const anchors = parse(anchorPage)?.anchors;
      if (!anchors || anchors.has(fragment)) continue;
      const near = [...anchors].find((anchor) => anchor === fragment.toLowerCase());
      report(`no heading or anchor #${fragment} in ${anchorPage}${near ? ` (did you mean #${near}?)` : ''}`);
    }
  }

  const rules = ignoreRules(
    root,
    missing.map(({ path }) => path),
  );
  for (const { file, line, target, path } of missing) {
    const rule = rules.get(path);
    let reason;
    if (rule) reason = `${path} is git-ignored (${rule}): generated or local, not in the repository`;
    else if (existsSync(join(root, path))) reason = `${path} exists here but is not committed`;
    else reason = `${path || '.'} is not in the repository`;
    broken.push({ file, line, target, reason });
  }
  broken.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return { broken, files: markdown.length, links };
}

function main() {
  const started = performance.now();
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { broken, files, links } = checkLinks(root);
  for (const { file, line, target, reason } of broken) console.log(`${file}:${line}: ${target} — ${reason}`);
  const took = `${Math.round(performance.now() - started)} ms`;
  if (broken.length) {
    const inFiles = new Set(broken.map(({ file }) => file)).size;
    console.error(
      `${broken.length} broken link(s) in ${inFiles} file(s); ${links} links in ${files} Markdown files checked in ${took}.`,
    );
    process.exitCode = 1;
  } else {
    console.log(`${links} links in ${files} Markdown files resolve (${took}).`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
