import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEMO_STEPS, playDemo } from '../../src/workspace/demo.ts';
import { onPostgres } from '../helpers/database.ts';
import { localEnv, ProgramRun, REPO } from '../helpers/workspace.ts';

/**
 * `npm run demo`: a whole release played in a fresh in-memory workspace whose instances are kept in a local git
 * repository (the demo never uses DATABASE_URL, so it runs on the PGlite project only). It exits 0 only when every
 * step showed what it should.
 */

/** The lines between the heading of a thread and the next heading: the thread's log, in order. */
function thread(transcript: string, heading: RegExp): string[] {
  const lines = transcript.split('\n');
  const start = lines.findIndex((l) => heading.test(l));
  if (start === -1) throw new Error(`no thread headed ${heading}`);
  // The thread's lines follow, perhaps with a line of the console among them, until the next message or step.
  const end = lines.findIndex((l, i) => i > start && /^(── |■ |✓ )/.test(l));
  return lines.slice(start + 1, end).filter((l) => l.startsWith('  │ ')).map((l) => l.replace(/^ {2}│ /, ''));
}

/** The words of a sentence however the terminal's width wrapped them: a long line continues on the next, indented. */
const words = (sentence: string) => new RegExp(sentence.split(' ').map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+'));

/** A stream that keeps what is written to it. */
function recorder() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe.runIf(!onPostgres)('npm run demo', () => {
  it('plays the whole release, every step marked ✓, and exits 0', async () => {
    const demo = new ProgramRun([`${REPO}dist/demo.js`], { cwd: REPO, env: localEnv() });
    const { code, stdout, stderr } = await demo.exited;
    demo.kill();
    expect(code, stderr).toBe(0);
    expect(stdout).not.toContain('✗');
    expect(stdout).not.toMatch(/\x1b\[/); // not a terminal: no colours

    const steps = stdout.split('\n').filter((l) => l.startsWith('■ '));
    expect(steps).toHaveLength(23);
    steps.forEach((line, i) => expect(line).toBe(`■ ${i + 1}/${DEMO_STEPS.length} · ${DEMO_STEPS[i]!.title}`));
    const passed = stdout.split('\n').filter((l) => l.startsWith('✓ '));
    expect(passed).toEqual(DEMO_STEPS.map((s) => `✓ ${s.title}`));
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('The whole release played as expected: 23 steps.');

    // The deployment of DR-1: its log lines threaded under its card in #staging, in the order they ran.
    // Staging is kept in git: the deployment is a commit on its branch, pushed before the database commits.
    expect(thread(stdout, /^ {2}↳ thread in #staging · DR-1 to Staging: deploying/).map((l) => l.replace(/\b[0-9a-f]{12}\b/, '<commit>'))).toEqual([
      '• Deploying DR-1 from dev-alice to staging (Staging): "Adds a Region field to accounts"',
      '• Checking dependencies…',
      '• Dependencies: all present',
      '• Validating against the target…',
      '• Validation: every item applies cleanly',
      '• Saved the prior state of 2 components',
      '• Applied 2 changes to staging',
      '• Compare: the target holds every item of the package',
      "• Committed <commit> on staging's branch and pushed it",
      '• Deployment succeeded: DR-1 is live in Staging',
    ]);

    // The cards are decision-ready: who may approve and what is still needed.
    expect(stdout).toMatch(/── #staging ──\n {2}DR-1 · dev-alice → staging \(Staging\)\n(?:.*\n)*? {2}May approve\n {2}@carol \(not @alice, who sent it\)\n {2}Still needed\n {2}1 more approval\n/);

    // DR-3 lacks a field it depends on: the deployment fails and staging is left as it was.
    const failed = thread(stdout, /^ {2}↳ thread in #staging · DR-3 to Staging: deploying/).join('\n');
    expect(failed).toContain('❌ Missing dependency: Layout/Opportunity depends on Field/Opportunity.Stage');
    expect(failed).toContain('❌ Deployment failed: 1 missing dependency. staging is unchanged.');
    expect(stdout.replace(/\s+/g, ' ')).toMatch(/❌ Deployment failed \(took [^)]+\): 1 missing dependency\. It stays in the queue: fix the cause, then deploy again\./);

    expect(thread(stdout, /^ {2}↳ thread in #production · DR-4 to Production: deploying/)).toContain('• Check "no debug flags" passed');
    expect(stdout).toMatch(words('⏪ DR-4 is reverted in Production: 3 components restored. 🔒 Production is locked (“reverted: Regions break the checkout”) until someone unlocks'));
    // The lock is announced once in the channel: from the card's thread, broadcast.
    expect(stdout.match(/↳ also sent to #production/g)).toHaveLength(1);
    expect(stdout).toMatch(words('⛔ These changes were deployed and then reverted: a reverted project cannot be redeployed as-is'));
  }, 120_000);

  it('fails a step that leaves a modal open, so that the next step is not typed into it', async () => {
    const recording = recorder();
    const halfDone = { ...DEMO_STEPS[0]!, type: ['/sandbox sync dev-alice'], see: [/Sync with Instance/] };
    // How a step fails is the same with or without git: played on the database alone, which starts faster.
    expect(await playDemo(recording.stream, [halfDone, DEMO_STEPS[1]!], { git: false })).toBe(false);
    const transcript = recording.text();
    expect(transcript).toContain('✗ Step 1 did not end as the script expects: it left a modal open\n');
    expect(transcript).not.toContain('■ 2/2');
  }, 120_000);

  it('fails a step whose sight never shows: ✗, false, and no step after it is played', async () => {
    const recording = recorder();
    const impossible = { ...DEMO_STEPS[0]!, see: [/this never appears/] };
    const passed = await playDemo(recording.stream, [impossible, DEMO_STEPS[1]!], { git: false });
    expect(passed).toBe(false);
    const transcript = recording.text();
    expect(transcript).toContain('■ 1/2 · alice syncs her sandbox');
    // The step was played: its sights are there, only the impossible one is missing.
    expect(transcript).toContain('Synced dev-alice with staging: taken 1, kept 2, conflicts 0');
    expect(transcript).toContain('✗ Step 1 did not end as the script expects: it did not show /this never appears/\n');
    expect(transcript).not.toMatch(/^✓ /m);
    expect(transcript).not.toContain('■ 2/2');
    expect(transcript).not.toContain('The whole release played as expected');
  }, 120_000);
});
