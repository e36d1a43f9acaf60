const LONE_SURROGATE = /\p{Surrogate}/u;

/** Why no environment variable, in any format, can hold `value`; undefined when one can. Never quotes it. */
export function invalidValueProblem(value: string): string | undefined {
  if (value.includes('\0'))
    return 'the value contains a NUL character, which no environment variable can hold';
  if (LONE_SURROGATE.test(value)) return 'the value is not valid Unicode (a lone surrogate)';
  return undefined;
}
