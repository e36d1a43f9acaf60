/**
 * The real phpdotenv, as Laravel runs it: one php process parses many .env texts with
 * `Dotenv\Dotenv::parse` and answers in JSON. Batching keeps the suite fast (one php start-up per batch).
 * A missing php or phpdotenv fails the test with the command that installs them; it never skips.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEFAULT_AUTOLOAD = '/usr/share/php/Dotenv/autoload.php';
const INSTALL = 'apt-get install php-cli php-vlucas-phpdotenv';

export type PhpParseOutcome = { ok: true; values: [string, string | null][] } | { ok: false; error: string };

const SCRIPT = `
require getenv('PHPDOTENV_AUTOLOAD');
$inputs = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$out = [];
foreach ($inputs as $content) {
  try {
    $pairs = [];
    foreach (Dotenv\\Dotenv::parse($content) as $name => $value) $pairs[] = [(string) $name, $value];
    $out[] = ['ok' => true, 'values' => $pairs];
  } catch (Throwable $error) {
    $out[] = ['ok' => false, 'error' => get_class($error) . ': ' . $error->getMessage()];
  }
}
echo json_encode($out, JSON_THROW_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE);
`;

let checkedAutoload: string | undefined;

/**
 * The autoload.php of phpdotenv; throws saying how to install php and phpdotenv when either is missing.
 * Checked once per test file: property tests call the oracle dozens of times.
 */
export function requirePhpDotenv(): string {
  const autoload = process.env.PHPDOTENV_AUTOLOAD ?? DEFAULT_AUTOLOAD;
  if (checkedAutoload === autoload) return autoload;
  const php = spawnSync('php', ['-v'], { encoding: 'utf8' });
  if (php.error || php.status !== 0) {
    throw new Error(`php is not installed; the phpdotenv round-trip tests need it: ${INSTALL}`);
  }
  if (!existsSync(autoload)) {
    throw new Error(
      `vlucas/phpdotenv is not installed (no ${autoload}): ${INSTALL}, or point PHPDOTENV_AUTOLOAD at a composer vendor/autoload.php`,
    );
  }
  checkedAutoload = autoload;
  return autoload;
}

/** Parses every text with the real `Dotenv\Dotenv::parse`, in one php process. */
export function phpDotenvParse(contents: readonly string[]): Promise<PhpParseOutcome[]> {
  const autoload = requirePhpDotenv();
  return new Promise((resolve, reject) => {
    const child = spawn('php', ['-d', 'display_errors=stderr', '-r', SCRIPT], {
      env: { PATH: process.env.PATH, PHPDOTENV_AUTOLOAD: autoload },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const out = Buffer.concat(stdout).toString('utf8');
      if (code !== 0) {
        reject(new Error(`php exited ${code}: ${Buffer.concat(stderr).toString('utf8')}${out}`));
        return;
      }
      resolve(JSON.parse(out) as PhpParseOutcome[]);
    });
    child.stdin.end(JSON.stringify(contents));
  });
}
