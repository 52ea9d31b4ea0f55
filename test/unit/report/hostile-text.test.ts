/**
 * Host text cannot inject into a report (issue 12, item 7). A host controls its config, file
 * names, Match criteria and what `sshd -t` says about them; each renderer gets that text with
 * terminal escapes, a CR that redraws a line, markdown links, images, HTML, autolinks,
 * @mentions and backtick runs that would close a fence. The markdown is rendered by a real
 * CommonMark renderer (markdown-it, with raw HTML and linkify on, like a PR comment).
 */
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { summarize, type HostResult, type RunEvent, type RunReport } from '../../../src/engine/types.js';
import { render } from '../../../src/report/index.js';
import { hostLine, plainProgress } from '../../../src/report/progress.js';
import { codeBlock, codeSpan, stripControls } from '../../../src/report/safe-text.js';
import { terminalProgress } from '../../../src/report/terminal.js';
import { checkedReport } from '../../helpers/report-schema.js';

const md = new MarkdownIt({ html: true, linkify: true });

/** Every control a host could smuggle: CSI, OSC 8 hyperlink, BEL, CR, backspace, 8-bit CSI, a bidi override. */
const ESCAPES = '\u001b[2J\u001b[31m\u001b]8;;http://evil.example/\u0007click\u001b]8;;\u001b\\\rfleet apply: 0 failed\b\u009b6n\u202etxt.exe';
const MARKDOWN = '[x](http://evil.example/a) ![img](http://evil.example/i.png) <img src=x onerror=alert(1)> <a href="http://evil.example">a</a> @octocat https://evil.example/bare www.evil.example #12 **bold** | pipe';
const FENCE = '\n```\n</pre><img src=x>\n````````\n ```\n~~~\n';
const HOSTILE = `Match User ${ESCAPES} ${MARKDOWN}${FENCE}end`;

function host(name: string, status: HostResult['status'], extra: Partial<HostResult> = {}): HostResult {
  return { name, address: '127.0.1.9', status, changes: [], effective: {}, explain: [], warnings: [], error: null, rolled_back: false, reloaded: false, duration_ms: 3, ...extra };
}
/** A file name is one line; a diff line is one line of the file (a CRLF file's lines end in CR). */
const FILE = `/etc/ssh/sshd_config.d/${ESCAPES} ${MARKDOWN}.conf`;
const diff = `--- a${FILE}\n+++ b${FILE}\n@@ -1,3 +1,3 @@\n${HOSTILE.split('\n').map((l) => ` ${l}\r`).join('\n')}\n-ClientAliveInterval 0\r\n+ClientAliveInterval 298\r\n`;
const hosts = [
  host('www.evil.example', 'changed', { changes: [{ file: FILE, diff }], explain: [`ClientAliveInterval 0 from ${HOSTILE}:2 → 298`], warnings: [`ClientAliveInterval 900 in ${HOSTILE} stays`] }),
  host('quiet', 'unchanged', { warnings: [`ClientAliveCountMax 2 in ${HOSTILE} stays`] }),
  host('bad', 'failed', { error: { code: 'CONFIG_BROKEN_BEFORE', message: `sshd -t: /etc/ssh/sshd_config line 3: ${HOSTILE}` }, rolled_back: true }),
];
const report = (command: RunReport['command']): RunReport => ({ version: 1, command, started_at: '2026-12-02T07:00:00.000Z', duration_ms: 10, accept_new: false, summary: summarize(hosts), hosts });

/** No control character but newline and tab, no bidi override. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** The rendered HTML with every code block and code span cut out: what a reader sees as prose. */
const prose = (html: string): string => html.replace(/<pre>[\s\S]*?<\/pre>/g, '').replace(/<code>[\s\S]*?<\/code>/g, '');
const unescapeHtml = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

describe('text report', () => {
  const text = render(report('plan'), 'text');
  it('carries no control byte, and what an escape held stays visible', () => {
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain('[31m');
    expect(text).toContain(']8;;http://evil.example/');
  });
  it('a host line break cannot start a line of its own: continuation lines are indented', () => {
    // The CR would have drawn "fleet apply: 0 failed" over the line; without it, it is mid-line.
    expect(text.split('\n').filter((l) => l.startsWith('fleet '))).toHaveLength(1);
    expect(text.split('\n').filter((l) => /^(```|<\/pre>|~~~|end)/.test(l))).toEqual([]);
  });
});

describe('markdown report, rendered by markdown-it', () => {
  for (const command of ['plan', 'check'] as const) {
    const html = md.render(render(report(command), 'markdown'));
    it(`${command}: no link, image, HTML or mention made from host text`, () => {
      const visible = prose(html);
      expect(visible).not.toMatch(/<a[\s>]|<img|<script|onerror/i);
      expect(visible).not.toMatch(/evil\.example|@octocat|\*\*bold|<strong>/);
      expect(html).not.toMatch(/<a[\s>]|<img|<strong>/i);
      expect(html).not.toMatch(CONTROL);
    });
    it(`${command}: the diff stays in one block, whole`, () => {
      const blocks = [...html.matchAll(/<pre><code class="language-diff">([\s\S]*?)<\/code><\/pre>/g)].map((m) => unescapeHtml(m[1]!));
      expect(blocks).toEqual([stripControls(diff)]);
    });
    it(`${command}: the failure table has its five cells, the reason whole in one`, () => {
      const row = /<tr>\s*<td><code>bad<\/code><\/td>([\s\S]*?)<\/tr>/.exec(html);
      expect(row).not.toBeNull();
      const cells = [...row![1]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
      expect(cells).toHaveLength(4);
      expect(unescapeHtml(cells[3]!)).toBe(`<code>${stripControls(`sshd -t: /etc/ssh/sshd_config line 3: ${HOSTILE}`).replace(/\n/g, ' ')}</code>`);
    });
  }
});

describe('markdown building blocks, against any text', () => {
  const fragments = fc.constantFrom('`', '``', '````', ' ', '\n', '\t', '\r', '|', '\\', '[x](http://e.x)', '![i](u)', '<img src=x>', '@me', 'www.a.bc', 'http://a.bc', '*', '_', '#', '~~~', '\u001b[1m', '\u0085', 'a', 'é');
  const hostText = fc.array(fragments, { maxLength: 30 }).map((parts) => parts.join(''));
  const spanText = (s: string): string => stripControls(s).replace(/\n+$/, '').replace(/[\n\t]/g, ' ');

  it('a code span shows exactly the text, and nothing else', () => {
    fc.assert(
      fc.property(hostText, (s) => {
        const expected = spanText(s);
        const html = md.renderInline(`see ${codeSpan(s)} here`);
        expect(unescapeHtml(html)).toBe(expected === '' ? 'see  here' : `see <code>${expected}</code> here`);
      }),
      { numRuns: 500 },
    );
  });

  it('a code span in a table cell stays in its cell', () => {
    fc.assert(
      fc.property(hostText, (s) => {
        const expected = spanText(s);
        const html = md.render(`| a | b |\n|---|---|\n| ${codeSpan(s, true)} | end |\n`);
        const cells = [...html.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => unescapeHtml(m[1]!));
        expect(cells).toEqual([expected === '' ? '' : `<code>${expected}</code>`, 'end']);
      }),
      { numRuns: 500 },
    );
  });

  it('a code block holds exactly the text: no line of it closes the fence', () => {
    fc.assert(
      fc.property(hostText, (s) => {
        const body = stripControls(s).replace(/\n$/, '');
        const html = md.render(`${codeBlock(s, 'diff').join('\n')}\n\nafter`);
        expect(html).toBe(`<pre><code class="language-diff">${md.utils.escapeHtml(body)}\n</code></pre>\n<p>after</p>\n`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('junit report', () => {
  const xml = render(report('check'), 'junit');
  it('no control byte, no raw markup from host text, attributes keep their line breaks', () => {
    expect(xml).not.toMatch(CONTROL);
    expect(xml).not.toContain('<img');
    expect(xml).not.toContain('</pre>');
    expect(xml).toMatch(/message="sshd -t: [^"]*&#10;```&#10;&lt;\/pre&gt;/);
  });
  it('drops code points XML forbids', () => {
    const odd = render({ ...report('plan'), hosts: [host('x', 'failed', { error: { code: 'X', message: 'a\ud800b\uffffc' } })] }, 'junit');
    expect(odd).toContain('message="abc"');
  });
});

describe('json report', () => {
  it('keeps the exact data, every control escaped by JSON itself', () => {
    const json = render(report('apply'), 'json');
    expect(json.replace(/\n/g, '')).not.toMatch(CONTROL);
    expect(checkedReport(JSON.parse(json))).toEqual(report('apply'));
    expect(json).toContain('\\u001b[2J');
  });
});

describe('progress lines', () => {
  it('plain: one line per host, no control byte', () => {
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (d: Buffer) => (written += d.toString()));
    const progress = plainProgress(stream);
    progress.listener({ type: 'start', command: 'apply', hosts: hosts.map((h) => h.name) });
    for (const h of hosts) progress.listener({ type: 'host-done', result: h });
    expect(written).not.toMatch(CONTROL);
    expect(written.trimEnd().split('\n')).toHaveLength(hosts.length);
    expect(hostLine(hosts[2]!)).toMatch(/^bad failed CONFIG_BROKEN_BEFORE \[rolled back\]: sshd -t: .* ⏎ ``` ⏎ /);
  });

  it('listr2: draws its own escapes only, none of the host\'s', async () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 200, rows: 50 }) as unknown as NodeJS.WriteStream;
    let written = '';
    (stream as unknown as PassThrough).on('data', (d: Buffer) => (written += d.toString()));
    const progress = terminalProgress(stream);
    const events: RunEvent[] = [
      { type: 'start', command: 'apply', hosts: hosts.map((h) => h.name) },
      { type: 'step', host: `odd${ESCAPES}`, step: 'connect' },
      ...hosts.map((h): RunEvent => ({ type: 'host-done', result: h })),
    ];
    for (const e of events) progress.listener(e);
    await new Promise((r) => setTimeout(r, 250));
    progress.listener({ type: 'end', report: report('apply') });
    await progress.done();
    expect(written).toContain('CONFIG_BROKEN_BEFORE');
    // listr2 moves the cursor and colours with CSI; a host's OSC, BEL, 8-bit CSI, CR, backspace or bidi mark never gets through.
    expect(written).not.toMatch(/\u001b\]|\u0007|\u009b|\u0008|\u202e|\u001b\[2J|\u001b\[6n/);
    expect(written).toContain(']8;;http://evil.example/');
  });
});
