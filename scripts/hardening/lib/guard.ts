/**
 * Counts what would have crashed the process: unhandled rejections and
 * uncaught exceptions. Installed for the whole run; a count above zero fails it.
 */
export interface ProcessGuard {
  readonly unhandled: { readonly kind: 'rejection' | 'exception'; readonly message: string }[];
  readonly count: number;
  /** Counts since a mark, so each section can say how many were its own. */
  mark(): () => number;
  uninstall(): void;
}

const describe = (reason: unknown): string =>
  reason instanceof Error ? `${reason.name}: ${reason.message}`.slice(0, 300) : String(reason).slice(0, 300);

export function installProcessGuard(): ProcessGuard {
  const unhandled: ProcessGuard['unhandled'][number][] = [];
  const onRejection = (reason: unknown) => void unhandled.push({ kind: 'rejection', message: describe(reason) });
  const onException = (error: unknown) => void unhandled.push({ kind: 'exception', message: describe(error) });
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    unhandled,
    get count() {
      return unhandled.length;
    },
    mark() {
      const at = unhandled.length;
      return () => unhandled.length - at;
    },
    uninstall() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
