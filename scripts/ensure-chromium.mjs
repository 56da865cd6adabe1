// Makes sure Debian's Chromium is at /usr/bin/chromium for the browser suites: installs it with
// apt-get when this machine can (root on Debian), else says exactly what to install.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return path;
  const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canApt) {
    throw new Error(
      `Chromium is missing at ${path}. Install Debian's package: sudo apt-get update && sudo apt-get install -y chromium (or set CHROMIUM_PATH).`,
    );
  }
  console.log(`Chromium is missing at ${path}: installing Debian's chromium with apt-get...`);
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null', {
    stdio: 'inherit',
    shell: '/bin/bash',
  });
  if (!existsSync(path)) throw new Error(`apt-get finished but ${path} is still missing`);
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureChromium();
