export * from './error-codes.ts';
export * from './messages.ts';
export * from './parse.ts';
export * from './socket-events.ts';
