/* eslint-disable no-console -- browser code: the developer console is this page's log (no-console guards src/). */
/** The page's diagnostics, for developers; users see the status line. */
export const log = {
  info: (...args: unknown[]): void => console.info(...args),
  warn: (...args: unknown[]): void => console.warn(...args),
};
