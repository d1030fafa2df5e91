// Preloaded (--import) into each process the command-line bench starts: at exit, writes the process's peak resident
// set size in bytes to the file PEAK_MEMORY_FILE names.
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Linux keeps getrusage's maxRSS across exec: a child spawned by a large process (the bench, after the Slack part)
 * reports its parent's peak. VmHWM is this process image's own high-water mark; maxRSS is the fallback elsewhere.
 */
function peakBytes() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // no /proc: not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

process.on('exit', () => {
  if (process.env.PEAK_MEMORY_FILE) writeFileSync(process.env.PEAK_MEMORY_FILE, String(peakBytes()));
});
