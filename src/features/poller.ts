import { toBridgeError } from '../errors.js';
import { energyProfile, readPoints } from '../tuya/datapoints.js';
import type { Logger } from '../log/logger.js';
import type { Plug, PlugRegistry } from '../plugs/registry.js';
import type { PlugTransport } from '../tuya/transport.js';

export interface PollerOptions {
  registry: PlugRegistry;
  transport: PlugTransport;
  logger: Logger;
  switchCode: string;
  intervalMs: number;
  /** Every this many polls, also read each plug's online flag (one call per plug). */
  onlineEvery: number;
  /** After a command is accepted, polls that disagree with it are ignored this long. */
  settleMs: number;
  now?: () => number;
}

/** Tuya's batch status endpoint takes at most this many device ids a call. */
export const BATCH_SIZE = 20;

/**
 * Notices changes the bridge did not cause (the plug's own button, the Tuya
 * app) and refreshes energy readings, by reading every plug's status in
 * batches of 20 on a fixed interval. Each plug's specification is read once.
 */
export class StatusPoller {
  private timer: NodeJS.Timeout | undefined;
  private polls = 0;
  private running: Promise<void> | undefined;
  private failing = false;
  private readonly now: () => number;

  constructor(private readonly options: PollerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.options.intervalMs <= 0) return;
    // The first poll at once: it fills in every plug's state and online flag.
    void this.pollNow();
    this.timer = setInterval(() => void this.pollNow(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One poll; overlapping calls share the poll already under way. */
  pollNow(): Promise<void> {
    this.running ??= this.poll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async poll(): Promise<void> {
    const plugs = this.options.registry.all();
    const withOnline = this.options.onlineEvery > 0 && this.polls % this.options.onlineEvery === 0;
    this.polls += 1;
    try {
      for (const plug of plugs) {
        if (plug.energy === undefined) await this.readSpecification(plug);
      }
      for (let start = 0; start < plugs.length; start += BATCH_SIZE) {
        await this.pollBatch(plugs.slice(start, start + BATCH_SIZE));
      }
      if (withOnline) {
        for (const plug of plugs) await this.readOnline(plug);
      }
      if (this.failing) this.options.logger.info('Polling the cloud works again');
      this.failing = false;
    } catch (err) {
      // One line per outage, not one per poll.
      if (!this.failing) this.options.logger.warn(`Polling failed: ${toBridgeError(err).message}`);
      this.failing = true;
    }
  }

  private async pollBatch(plugs: readonly Plug[]): Promise<void> {
    const startedAt = this.now();
    const results = await this.options.transport.readStatusBatch(plugs.map((plug) => plug.id));
    for (const result of results) {
      const plug = this.options.registry.find(result.id);
      if (!plug) continue;
      const learned = readPoints(result.status, this.options.switchCode, plug.energy);
      if (learned.on !== undefined && this.mayBeOutdated(plug, learned.on, startedAt)) delete learned.on;
      this.options.registry.update(plug, learned, 'poll', this.now());
    }
  }

  /**
   * The cloud can report the old value for a moment after accepting a
   * command; such a poll must not flip the state just published back.
   */
  private mayBeOutdated(plug: Plug, on: boolean, startedAt: number): boolean {
    if (plug.intended !== null) return true;
    if (on === plug.state.on) return false;
    return startedAt - plug.commandedAt < this.options.settleMs;
  }

  private async readOnline(plug: Plug): Promise<void> {
    const details = await this.options.transport.readDetails(plug.id);
    if (!plug.details) this.options.registry.describe(plug, { details });
    this.options.registry.update(plug, { online: details.online }, 'poll', this.now());
  }

  /** Once per plug: which energy readings it has, and their scales. */
  private async readSpecification(plug: Plug): Promise<void> {
    try {
      const specification = await this.options.transport.readSpecification(plug.id);
      this.options.registry.describe(plug, { energy: energyProfile(specification) });
    } catch (err) {
      // A plug the cloud has no specification for (2009 and the like) has no metering;
      // a cloud outage is retried on the next poll.
      if (toBridgeError(err).code !== 'device_error') throw err;
      this.options.registry.describe(plug, { energy: {} });
    }
  }
}
