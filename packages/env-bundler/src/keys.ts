/**
 * What a key may be: a portable environment variable name. dotenv accepts more (`a.b`, `a-b`, `1A`), but
 * a shell cannot export those, phpdotenv rejects `-`, and Elastic Beanstalk documents `[A-Z_][A-Z0-9_]*`
 * as the portable form; lower case is allowed because Laravel apps use it.
 */
export const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `key` is not a valid key (a phrase that follows "is"), or undefined when it is. */
export function keyProblem(key: string): string | undefined {
  if (key === '__proto__') return 'reserved (dotenv cannot hold a key named __proto__)';
  if (!ENV_KEY_PATTERN.test(key)) {
    return 'not a valid key (letters, digits and "_", not starting with a digit)';
  }
  return undefined;
}
