// `npm run doctor`: checks the machine is ready for the workshop and says how to fix what is not.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../paths.ts';
import { portIsFree } from '../../testing/net.ts';
import { bad, colour, howToGetSolutions, note, ok } from '../../output.ts';
import { chromiumMissingMessage, findChromium } from '../../slides/browser.ts';
import { hasExtra, INSTALL } from '../../testing/real-clients.ts';

export async function doctorCommand(): Promise<number> {
  let problems = 0;
  const check = (passed: boolean, good: string, fix: string) => {
    if (passed) ok(good);
    else {
      problems++;
      bad(`${fix}`);
    }
  };

  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  check(major > 20 || (major === 20 && minor >= 19), `Node.js ${process.versions.node}`, `Node.js ${process.versions.node} is too old: install Node 24, the active LTS, or 22 (nodejs.org, or nvm install 24).`);
  if (major === 20) note(`Node 20 is past its end of life (April 2026): the workshop still runs on it, but install Node 24, the active LTS, or 22 (nvm install 24).`);

  const installed = ['vitest', 'tsx', 'typescript', 'markdown-it'].every((name) => fs.existsSync(path.join(ROOT, 'node_modules', name, 'package.json')));
  check(installed, 'dependencies are installed', 'dependencies are missing: run npm install in the workshop folder.');

  for (const port of [9092, 9093, 9094]) {
    const free = await portIsFree(port);
    check(free, `port ${port} is free for the demos`, `port ${port} is in use (a real Kafka, or a demo still running?). Stop it, or demos will pick another port.`);
  }

  check(fs.existsSync(path.join(ROOT, 'solutions')), 'the reference solutions are here (diff, solution and the reference demo use them)', `no solutions/ folder: npm run diff and solution need it, and npm run demo without --mine. ${howToGetSolutions()}`);

  // Extras: only some tests need them, and a step's own run says how to install them when it does.
  for (const extra of ['kcat', 'kafka-python'] as const) {
    if (hasExtra(extra)) ok(`${extra} is installed (step 09's tests run Kafka's own clients)`);
    else note(`${extra} is not installed: step 09's tests of Kafka's own clients need it; ${INSTALL}`);
  }
  if (findChromium()) ok('a Chromium or Chrome is here (npm run slides:pdf and the browser tests use it)');
  else note(`no Chromium or Chrome: only npm run slides:pdf and the maintainers' browser tests need one. ${chromiumMissingMessage()}`);

  check(fs.existsSync(path.join(ROOT, '.git')), 'this is a git checkout (reset and the sync check use it)', 'no .git folder: clone the repository with git instead of downloading a zip, so reset can tell your changes apart.');

  console.log(problems === 0 ? colour.green('\nAll good. Start with: npm run step 01') : colour.yellow(`\n${problems} thing(s) to fix, then run npm run doctor again.`));
  return problems === 0 ? 0 : 1;
}

