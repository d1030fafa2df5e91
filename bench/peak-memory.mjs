// Preloaded (--import) into each process the command-line bench starts: at exit, writes the process's peak resident
// set size in bytes to the file PEAK_MEMORY_FILE names.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.PEAK_MEMORY_FILE) writeFileSync(process.env.PEAK_MEMORY_FILE, String(process.resourceUsage().maxRSS * 1024));
});
