/**
 * Test support for plugins that do I/O, published as `@rollouts/plugin-http/testing`: local HTTP servers, real
 * server processes started from a test, and temp dirs. Uses `node:*`, so it lives here and not in the pure
 * `@rollouts/plugin-sdk`.
 */
export { closedPort, startHttpServer, startSlowProxy } from './HttpTestServer';
export type { HttpTestServer, RecordedRequest, RecordingHttpServer, TestRequestHandler } from './HttpTestServer';
export { findOnPath, startServerProcess } from './ServerProcess';
export type { ServerProcess, ServerProcessOptions } from './ServerProcess';
export { acceptsTcp, answersHttp } from './Readiness';
export { createTempDir } from './TempDir';
export type { TempDir } from './TempDir';
