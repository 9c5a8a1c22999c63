// Finds the Chromium the browser tests drive, and installs Debian's when running as root on Debian without one.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * Flags for headless Chromium on a machine with no network beyond the package registries: without the
 * background-networking flags it floods the closed network with connection attempts at every start.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Test pages run side by side in one browser; a page in the background would otherwise get no animation frames.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** The Chromium executable: `CHROME_PATH` when set, else the first known location that exists, else undefined. */
export function findChromium() {
  if (process.env.CHROME_PATH) return existsSync(process.env.CHROME_PATH) ? process.env.CHROME_PATH : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/** Like {@link findChromium}, but throws a one-line instruction when there is none. */
export function chromiumPath() {
  const path = findChromium();
  if (!path) throw new Error(missingMessage());
  return path;
}

function missingMessage() {
  return process.env.CHROME_PATH
    ? `CHROME_PATH=${process.env.CHROME_PATH} does not exist: point it at a Chromium or Chrome executable.`
    : 'Chromium not found: install it (Debian: apt-get install chromium) or set CHROME_PATH to a Chrome executable.';
}

/**
 * Returns the Chromium path, installing Debian's `chromium` first when it is missing and we are root on Debian.
 * Anywhere else a missing browser stops the run at once with one line saying what to install.
 */
export function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && !process.env.CHROME_PATH && existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get')) {
    console.log('Chromium not found: installing Debian’s chromium package…');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return chromiumPath();
  }
  throw new Error(missingMessage());
}
