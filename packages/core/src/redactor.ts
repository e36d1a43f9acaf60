import { escapeRegExp } from './text.js';

/** What a redacted secret is replaced with. */
export const REDACTED = '***';

/**
 * Remembers secret values and removes them from any text before it is printed.
 *
 * A secret can reach output in more shapes than its raw form: inside a JSON string (quotes and newlines
 * escaped), inside a URL (percent-encoded), or one line at a time when a multi-line value (a PEM key) is
 * split. Each of those shapes is registered too, as GitHub Actions does for its masked values.
 */
export class Redactor {
  readonly #needles = new Set<string>();
  #pattern: RegExp | undefined;

  /** Registers a secret value. Empty and whitespace-only values are ignored: they cannot leak anything. */
  add(value: string): void {
    if (value.trim() === '') return;
    const before = this.#needles.size;
    for (const form of secretForms(value)) this.#needles.add(form);
    if (this.#needles.size !== before) this.#pattern = undefined;
  }

  /** True when at least one secret is registered. */
  get active(): boolean {
    return this.#needles.size > 0;
  }

  /** Replaces every registered secret in `text` with {@link REDACTED}. */
  redact(text: string): string {
    if (this.#needles.size === 0 || text === '') return text;
    this.#pattern ??= buildPattern(this.#needles);
    return text.replace(this.#pattern, REDACTED);
  }

  /**
   * Returns a copy of a JSON-like value with every string redacted (keys included), and every number or
   * boolean that equals a secret replaced by the string `***`: the copy still serialises to valid JSON,
   * which redacting the serialised text would not guarantee (a secret `false` or `5`).
   */
  redactValue<T>(value: T): T {
    if (this.#needles.size === 0) return value;
    return walk(
      value,
      (text) => this.redact(text),
      (scalar) => this.#needles.has(String(scalar)),
    ) as T;
  }
}

function secretForms(value: string): string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r?\n/)) {
      // Short lines of a multi-line secret ("}" in a JSON key file) would blank out unrelated output.
      if (line.trim().length >= 4) forms.push(line);
    }
  }
  return forms;
}

function buildPattern(needles: Set<string>): RegExp {
  // Longest first, so a secret that contains another is replaced whole.
  const sorted = [...needles].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
}

function walk(
  value: unknown,
  redact: (text: string) => string,
  isSecret: (scalar: number | boolean) => boolean,
): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value === 'number' || typeof value === 'boolean') return isSecret(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((item) => walk(item, redact, isSecret));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redact(key), walk(item, redact, isSecret)]),
    );
  }
  return value;
}
