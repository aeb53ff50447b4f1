import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
} from 'cockatiel';
import type { IPolicy } from 'cockatiel';
import { BridgeError, toBridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { DataPoint, DeviceDetails, DeviceSpecification, DeviceStatus, PlugTransport } from './transport.js';

export interface ResilienceOptions {
  logger: Logger;
  /** Retries after a transient failure (network, timeout, Tuya 500). */
  retries: number;
  /** First retry delay in ms; later ones grow exponentially, with jitter. */
  retryDelayMs: number;
  /** Consecutive cloud failures that open the circuit. */
  breakerThreshold: number;
  /** How long the circuit stays open before one trial call, in ms. */
  breakerOpenMs: number;
  /** Cloud calls in flight at once; each plug's lane holds at most one, so a slow plug holds one slot. */
  concurrency: number;
  /** First pause after an account error (quota, expired plan), in ms; doubles up to an hour. */
  accountPauseMs: number;
  now?: () => number;
}

// Tuya answers that retrying cannot fix before the project owner acts.
const ACCOUNT_ERRORS: Readonly<Record<number, string>> = {
  28841002: 'the IoT Core subscription of the Tuya project has expired: renew it on the Tuya IoT platform (Cloud > Cloud Services)',
  28841004: 'the Tuya trial quota is used up: wait for next month, raise POLL_INTERVAL_SECONDS, or upgrade the plan',
  28841101: 'the Tuya project is not subscribed to this API: subscribe to IoT Core on the Tuya IoT platform',
};
const MAX_ACCOUNT_PAUSE_MS = 3_600_000;

const transient = (error: unknown): boolean => {
  const code = toBridgeError(error).code;
  return code === 'cloud_unreachable' || code === 'timeout' || code === 'cloud_error';
};

/**
 * The cloud transport behind cockatiel's policies, so that no loop of ours
 * decides how hard to hit a failing cloud: a bulkhead bounds calls in flight,
 * transient failures are retried with exponential backoff and jitter (every
 * call is idempotent: toggles are absolute by the time they get here), and a
 * circuit breaker answers `cloud_unreachable` at once while the cloud is down.
 * Tuya account errors pause all calls for minutes, with one log line saying why.
 */
export class ResilientTransport implements PlugTransport {
  private readonly policy: IPolicy;
  private readonly now: () => number;
  private pausedUntil = 0;
  private pauseMs: number;
  private pauseReason: BridgeError | undefined;

  constructor(
    private readonly inner: PlugTransport,
    private readonly options: ResilienceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.pauseMs = options.accountPauseMs;
    const retries = retry(handleWhen(transient), {
      maxAttempts: options.retries,
      backoff: new ExponentialBackoff({ initialDelay: options.retryDelayMs, maxDelay: options.retryDelayMs * 8 }),
    });
    const breaker = circuitBreaker(handleWhen(transient), {
      halfOpenAfter: options.breakerOpenMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    breaker.onBreak(() => options.logger.warn(`Tuya cloud keeps failing; pausing calls for ${options.breakerOpenMs / 1000} s`));
    breaker.onReset(() => options.logger.info('Tuya cloud answers again'));
    this.policy = wrap(bulkhead(options.concurrency, 10_000), breaker, retries);
  }

  sendSwitch(deviceId: string, on: boolean): Promise<void> {
    return this.run(() => this.inner.sendSwitch(deviceId, on));
  }
  readStatus(deviceId: string): Promise<DataPoint[]> {
    return this.run(() => this.inner.readStatus(deviceId));
  }
  readStatusBatch(deviceIds: readonly string[]): Promise<DeviceStatus[]> {
    return this.run(() => this.inner.readStatusBatch(deviceIds));
  }
  readDetails(deviceId: string): Promise<DeviceDetails> {
    return this.run(() => this.inner.readDetails(deviceId));
  }
  readSpecification(deviceId: string): Promise<DeviceSpecification> {
    return this.run(() => this.inner.readSpecification(deviceId));
  }

  private async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.now() < this.pausedUntil && this.pauseReason) {
      const resume = new Date(this.pausedUntil).toISOString();
      throw new BridgeError(this.pauseReason.code, `${this.pauseReason.message} (calls paused until ${resume})`, this.pauseReason.tuyaCode);
    }
    try {
      const result = await this.policy.execute(call);
      this.pauseMs = this.options.accountPauseMs;
      return result;
    } catch (err) {
      throw this.explain(err);
    }
  }

  private explain(err: unknown): BridgeError {
    if (err instanceof BrokenCircuitError) {
      return new BridgeError('cloud_unreachable', 'the Tuya cloud keeps failing; calls are paused for a moment');
    }
    if (err instanceof BulkheadRejectedError) {
      return new BridgeError('rate_limited', 'too many cloud calls are waiting');
    }
    const error = toBridgeError(err);
    const cause = error.tuyaCode !== undefined ? ACCOUNT_ERRORS[error.tuyaCode] : undefined;
    if (cause) {
      // One line per pause, naming the cause and the fix; retried slowly, never in a storm.
      this.pausedUntil = this.now() + this.pauseMs;
      this.pauseReason = error;
      this.options.logger.error(`Tuya account problem (${error.tuyaCode}): ${cause}; next try in ${Math.round(this.pauseMs / 1000)} s`);
      this.pauseMs = Math.min(this.pauseMs * 2, MAX_ACCOUNT_PAUSE_MS);
    }
    return error;
  }
}
