// Checks (and with --install, installs) the real components reletan's tests run against:
// memcached (cache tests), git-flow AVH (the oracle for release graphs), php-cli with vlucas/phpdotenv
// (reads .env exactly as Laravel does), unzip (reads source bundles back as Elastic Beanstalk does).
// Installs through apt-get as root or with passwordless sudo; otherwise prints how to install them and exits 1, so no test is silently skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PHPDOTENV = '/usr/share/php/Dotenv/autoload.php';
const components = [
  { name: 'git', apt: 'git', brew: 'git', present: () => has('git', ['--version']) },
  { name: 'memcached', apt: 'memcached', brew: 'memcached', present: () => has('memcached', ['-h']) },
  {
    name: 'git-flow (AVH)',
    apt: 'git-flow',
    brew: 'git-flow-avh',
    present: () => has('git', ['flow', 'version']),
  },
  { name: 'unzip', apt: 'unzip', brew: 'unzip', present: () => has('unzip', ['-v']) },
  { name: 'php-cli', apt: 'php-cli', brew: 'php', present: () => has('php', ['-v']) },
  {
    name: 'vlucas/phpdotenv',
    apt: 'php-vlucas-phpdotenv',
    brew: undefined,
    present: () => existsSync(process.env.PHPDOTENV_AUTOLOAD ?? PHPDOTENV),
  },
];

function has(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

const missing = components.filter((component) => !component.present());
if (missing.length === 0) process.exit(0);

const install = process.argv.includes('--install');
const isRoot = process.getuid?.() === 0;
const canSudo = !isRoot && has('sudo', ['-n', 'true']);
const hasApt = has('apt-get', ['--version']);

if (install && hasApt && (isRoot || canSudo)) {
  const sudo = isRoot ? [] : ['sudo', '-n'];
  const packages = missing.map((component) => component.apt);
  console.error(`installing test components with apt-get: ${packages.join(' ')}`);
  const run = (args) => {
    const [command, ...rest] = [...sudo, ...args];
    const result = spawnSync(command, rest, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', ...packages]);
  const still = components.filter((component) => !component.present());
  if (still.length === 0) process.exit(0);
  missing.splice(0, missing.length, ...still);
}

console.error(
  `The tests need these components, which are not installed: ${missing.map((c) => c.name).join(', ')}.`,
);
console.error(`  Debian/Ubuntu: sudo apt-get install -y ${missing.map((c) => c.apt).join(' ')}`);
const brew = missing.filter((c) => c.brew).map((c) => c.brew);
if (brew.length) console.error(`  macOS: brew install ${brew.join(' ')}`);
if (missing.some((c) => !c.brew))
  console.error(
    `  vlucas/phpdotenv: a Debian package; elsewhere install it with composer and point PHPDOTENV_AUTOLOAD at its vendor/autoload.php`,
  );
if (!install) console.error('  or run "pnpm test:all", which installs them with apt-get when it can.');
process.exit(1);
