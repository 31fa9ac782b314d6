/** Small helpers for the service tests: a send context, and running a send to its Either. */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, RenderedNotification, SendContext, SendError, ServiceInstance } from '../../src/Types';

export function sendContext(timeoutMs = 5000, now: () => number = () => Date.parse('2026-12-08T01:00:00Z')): { ctx: SendContext; abort: () => void } {
  const controller = new AbortController();
  return { ctx: { signal: controller.signal, timeoutMs, now }, abort: () => controller.abort() };
}

export function instance(type: string, options: Record<string, unknown>, name: string = type): ServiceInstance {
  return { type, name, options };
}

export async function send(
  service: NotificationService,
  inst: ServiceInstance,
  notification: RenderedNotification,
  recipient: string,
  timeoutMs = 5000,
): Promise<E.Either<SendError, void>> {
  return service.send(sendContext(timeoutMs).ctx, inst, notification, recipient)();
}

/** The error of a send that must fail. */
export function failure(r: E.Either<SendError, void>): SendError {
  if (E.isRight(r)) throw new Error('expected the send to fail, it succeeded');
  return r.left;
}

export function ok(r: E.Either<SendError, void>): void {
  if (E.isLeft(r)) throw new Error(`expected the send to succeed: ${r.left.message}`);
}
