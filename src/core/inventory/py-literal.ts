/**
 * Ansible's INI inventory types every value with Python's `ast.literal_eval` and keeps the text
 * when that fails: `2222` is an int, `True` a bool, `'1'` the string 1, `[1, 2]` a list, and
 * `yes`, `deploy # note` or `a b` stay strings. This reads the same literals, so a value fleet
 * takes from an INI file has the type Ansible gives it.
 */

/** The value `ast.literal_eval(text)` gives, or `text` itself when Python would raise. */
export function literalValue(text: string): unknown {
  const reader = new LiteralReader(text);
  try {
    const value = reader.expression();
    reader.skipSpace();
    return reader.atEnd() ? value : text;
  } catch (error) {
    if (error instanceof NotALiteral) return text;
    throw error;
  }
}

class NotALiteral extends Error {}

const NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?\.?)/;

class LiteralReader {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  expression(): unknown {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) throw new NotALiteral();
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.sequence(')');
    if (c === '{') return this.mapping();
    if (c === '"' || c === "'") return this.strings();
    if (c === '-' || c === '+') {
      this.pos++;
      const operand = this.expression();
      if (typeof operand !== 'number') throw new NotALiteral();
      return c === '-' ? -operand : operand;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
    if (word !== undefined) {
      this.pos += word.length;
      if (word === 'True') return true;
      if (word === 'False') return false;
      if (word === 'None') return null;
      throw new NotALiteral();
    }
    const number = NUMBER.exec(this.text.slice(this.pos))?.[0];
    if (!number || !/\d/.test(number)) throw new NotALiteral();
    this.pos += number.length;
    const digits = number.replaceAll('_', '');
    if (/^0[xXoObB]/.test(digits)) return Number(digits.slice(0, 2).toLowerCase() + digits.slice(2));
    // Python refuses a leading zero on a non-zero decimal int (`0022`).
    if (/^0\d*[1-9]/.test(digits) && !/[.eE]/.test(digits)) throw new NotALiteral();
    return Number(digits);
  }

  private sequence(close: string): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.expression());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) throw new NotALiteral();
    }
  }

  private mapping(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.expression();
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw new NotALiteral();
      this.pos++;
      out[String(key)] = this.expression();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') throw new NotALiteral();
    }
  }

  /** One or more adjacent string literals, joined as Python joins them. */
  private strings(): string {
    let out = '';
    do {
      out += this.string();
      this.skipSpace();
    } while (this.text[this.pos] === '"' || this.text[this.pos] === "'");
    return out;
  }

  private string(): string {
    const quote = this.text.startsWith("'''", this.pos) || this.text.startsWith('"""', this.pos) ? this.text.slice(this.pos, this.pos + 3) : this.text[this.pos]!;
    this.pos += quote.length;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) throw new NotALiteral();
      if (this.text.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return out;
      }
      const c = this.text[this.pos++]!;
      if (c === '\n' && quote.length === 1) throw new NotALiteral();
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };
      if (e !== undefined && e in simple) out += simple[e];
      else if (e === 'x' && /^[0-9a-fA-F]{2}/.test(this.text.slice(this.pos))) {
        out += String.fromCharCode(parseInt(this.text.slice(this.pos, this.pos + 2), 16));
        this.pos += 2;
      } else out += `\\${e ?? ''}`;
    }
  }
}
