import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFrames } from '../../../src/facts/frames.js';

/** Base64 wrapped at 76 columns, as coreutils and busybox `base64` print it. */
function wrapped(bytes: Buffer): string {
  const b64 = bytes.toString('base64');
  return b64 === '' ? '' : `${b64.match(/.{1,76}/g)!.join('\n')}\n`;
}

describe('parseFrames', () => {
  it('splits headers and payloads and ignores noise before the first header', () => {
    const out = `motd noise\n@@uid 0\n@@file /etc/ssh/my dir/x\n${wrapped(Buffer.from('A\r\nB'))}@@end\n`;
    const frames = parseFrames(out);
    expect(frames.map((f) => f.tag)).toEqual(['uid', 'file', 'end']);
    expect(frames[0]!.args).toEqual(['0']);
    expect(frames[1]!.rest).toBe('/etc/ssh/my dir/x');
    expect(frames[1]!.payload.toString('latin1')).toBe('A\r\nB');
    expect(frames[2]!.payload.length).toBe(0);
  });

  it('property: any bytes survive a frame exactly (CRLF, no final newline, NULs, invalid UTF-8)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (files) => {
        const out = files.map((f, i) => `@@file ${i}\n${wrapped(Buffer.from(f))}`).join('') + '@@end\n';
        const frames = parseFrames(out);
        expect(frames).toHaveLength(files.length + 1);
        files.forEach((f, i) => expect(frames[i]!.payload.equals(Buffer.from(f))).toBe(true));
      }),
    );
  });

  it('tolerates CRLF line ends on the frame lines themselves', () => {
    const frames = parseFrames(`@@file /x\r\n${Buffer.from('port 22\n').toString('base64')}\r\n@@T 0\r\nport 22\r\n@@end\r\n`);
    expect(frames[0]!.rest).toBe('/x');
    expect(frames[0]!.payload.toString()).toBe('port 22\n');
    expect(frames[1]!.payload.toString()).toBe('port 22');
  });
});
