const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

export interface JsonShapeLimits {
  /** Most arrays and objects nested in one another. */
  maxDepth: number;
  /** Most arrays, objects and commas: between the number of values JSON.parse builds, less one, and twice it. */
  maxItems: number;
}

/**
 * Why UTF-8 JSON text is too deep or too wide to parse, read from the raw bytes before JSON.parse
 * builds anything; null when it is neither. JSON.parse takes 7-10 s on 17 MB of `[[[…]]]` and
 * about 5 s on 17 MB of `[[],[],…]`, blocking every other request meanwhile; this refuses either
 * as soon as it reads the first bracket or comma past a limit (well under a millisecond).
 *
 * Only structure outside strings counts. Strings are skipped with Buffer.indexOf (memchr), so a
 * publish body, which is mostly one long base64 string, costs about a millisecond; the slowest
 * input is one with no structure at all (17 MB of digits or spaces: ~150 ms).
 * Malformed text (an unterminated string, unbalanced brackets) is left for JSON.parse to refuse.
 * UTF-8 is safe to read byte by byte: every byte of a multi-byte character is 0x80 or above.
 */
export function jsonShapeProblem(text: Buffer, limits: JsonShapeLimits): string | null {
  let depth = 0;
  let items = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === QUOTE) {
      let end = i;
      for (;;) {
        end = text.indexOf(QUOTE, end + 1);
        if (end === -1) return null;
        // A quote ends the string unless an odd run of backslashes escapes it. Each backslash is
        // counted for one quote only, so this stays linear whatever the text.
        let slashes = 0;
        while (text[end - 1 - slashes] === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
      }
      i = end;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limits.maxDepth) return `JSON nesting is deeper than ${limits.maxDepth} levels`;
      if (++items > limits.maxItems) return tooWide(limits);
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    } else if (c === COMMA) {
      if (++items > limits.maxItems) return tooWide(limits);
    }
  }
  return null;
}

const tooWide = (limits: JsonShapeLimits) => `JSON has more than ${limits.maxItems} arrays, objects and commas`;
