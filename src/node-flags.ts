/**
 * V8 flags the server runs with (`npm start`, the container images, the benchmark's server). They
 * are command-line flags: V8's GC options are not accepted in NODE_OPTIONS, and they must be set
 * before the heap exists.
 *
 * - `--single-threaded-gc`: the collector's work stays on the thread that allocated. By default V8
 *   runs parallel scavenges and concurrent marking on its platform threads (4 of them), and on a
 *   machine whose cores the pose workers already keep busy those helpers add CPU instead of hiding
 *   it: measured over one 30 fps stream, the server's CPU per analysed frame fell from 31.6–33.2 ms
 *   to 27.3–28.6 ms (three interleaved rounds, docs/performance.md, session 7).
 * - `--max-semi-space-size=32` (MB): a larger young generation. A pose worker allocates ~1.7 MB of
 *   short-lived objects per frame inside tfjs' graph executor (~50 MB/s at 30 fps); with room for
 *   more of them, fewer survive into the old generation and fewer full collections follow: 25.7–26.7
 *   ms with both flags, same rounds.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--single-threaded-gc', '--max-semi-space-size=32'];

/** The flags of SERVER_NODE_FLAGS this process was started without (none when started as shipped). */
export function missingServerNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return SERVER_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
