/** A progress bar on a terminal, one log line per step elsewhere (CI, pipes). */
import cliProgress from 'cli-progress';
import type { ImportProgress } from './catalog.importer.js';

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ImportProgress {
  if (!stream.isTTY) {
    let label = '';
    let total = 0;
    return {
      start: (l, t) => {
        label = l;
        total = t;
      },
      update: () => {},
      stop: () => total > 0 && stream.write(`  ${label}: ${total} done\n`),
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '  {label} [{bar}] {percentage}% {value}/{total}', stream, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let active = false;
  return {
    start: (label, total) => {
      if (total === 0) return;
      bar.start(total, 0, { label: label.padEnd(8) });
      active = true;
    },
    update: (done) => active && bar.update(done),
    stop: () => {
      if (active) bar.stop();
      active = false;
    },
  };
}
