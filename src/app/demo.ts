import { playDemo } from '../workspace/demo.ts';
import { exitAfterOutput } from '../workspace/start.ts';

/** `npm run demo`: a whole release played in a local workspace; exits 0 only when every step went as scripted. */
playDemo(process.stdout, undefined, { color: Boolean(process.stdout.isTTY) }).then(
  (passed) => exitAfterOutput(passed ? 0 : 1),
  (error) => {
    process.stderr.write(`The demo could not run: ${(error as Error).message}\n`);
    exitAfterOutput(1);
  },
);
