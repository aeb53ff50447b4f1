import { BridgeError, toBridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Plug, PlugRegistry } from '../plugs/registry.js';
import { readPoints, readingsAfterSwitch } from '../tuya/datapoints.js';
import type { PlugTransport } from '../tuya/transport.js';
import type { Command } from './command.js';
import { PlugLane, planBatch } from './plug-lane.js';
import { errorReply, stateReply } from './reply.js';
import type { Reply } from './reply.js';

export interface DispatcherOptions {
  registry: PlugRegistry;
  transport: PlugTransport;
  logger: Logger;
  switchCode: string;
  /** Time allowed for a whole command, queueing included, before it is answered with `timeout`. */
  timeoutMs: number;
  /** Commands that may wait for one plug before more are answered with `rate_limited`. */
  maxQueue?: number;
  now?: () => number;
}

/**
 * Carries out commands against the plugs and answers each with exactly one
 * Reply; it never throws. Commands for one plug go through that plug's lane
 * (see plug-lane.ts): toggles are resolved to an absolute on/off before
 * anything is sent, so a retried request can never switch twice.
 */
export class Dispatcher {
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<Reply>>();
  private readonly lanes = new Map<Plug, PlugLane>();
  private accepting = true;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Carries out one command; resolves with its reply, success or failure. */
  execute(command: Command): Promise<Reply> {
    const work = this.run(command);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  /** Refuses new commands and waits for those in flight to be answered. */
  async drain(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([...this.inFlight]);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private async run(command: Command): Promise<Reply> {
    let plug: Plug | undefined;
    try {
      if (!this.accepting) throw new BridgeError('shutting_down', 'the bridge is shutting down');
      plug = this.options.registry.resolve(command.device);
      const on = await this.laneFor(plug).submit(command);
      return stateReply(plug, { id: command.id, now: this.now(), on });
    } catch (err) {
      const error = toBridgeError(err);
      this.logFailure(error, command, plug);
      return errorReply(error, plug, { id: command.id, now: this.now() });
    }
  }

  private laneFor(plug: Plug): PlugLane {
    let lane = this.lanes.get(plug);
    if (!lane) {
      lane = new PlugLane((commands) => this.perform(plug, commands), {
        maxQueue: this.options.maxQueue ?? 256,
        timeoutMs: this.options.timeoutMs,
      });
      this.lanes.set(plug, lane);
    }
    return lane;
  }

  /** One batch for one plug: at most one read and one switch call. */
  private async perform(plug: Plug, commands: readonly Command[]): Promise<boolean | undefined> {
    try {
      const plan = planBatch(commands, plug.state.on);
      if (!plan.target || plan.readFirst) await this.refresh(plug);
      if (!plan.target) return undefined;
      const on = plan.target(plug.state.on ?? false);
      plug.intended = on;
      await this.options.transport.sendSwitch(plug.id, on);
      plug.commandedAt = this.now();
      const readings = readingsAfterSwitch(plug.energy, on);
      this.options.registry.update(plug, { on, online: true, ...readings }, 'command', plug.commandedAt);
      return on;
    } catch (err) {
      if (toBridgeError(err).code === 'device_offline') {
        this.options.registry.update(plug, { online: false }, 'cloud', this.now());
      }
      throw err;
    } finally {
      plug.intended = null;
    }
  }

  private async refresh(plug: Plug): Promise<void> {
    const points = await this.options.transport.readStatus(plug.id);
    const learned = readPoints(points, this.options.switchCode, plug.energy);
    if (learned.on === undefined) {
      throw new BridgeError('device_error', `the plug reports no boolean "${this.options.switchCode}"`);
    }
    this.options.registry.update(plug, { ...learned, online: true }, 'cloud', this.now());
  }

  private logFailure(error: BridgeError, command: Command, plug: Plug | undefined): void {
    const meta: Record<string, unknown> = { code: error.code, action: command.action };
    if (plug) meta['device'] = plug.name;
    else if (command.device !== undefined) meta['device'] = command.device;
    if (error.tuyaCode !== undefined) meta['tuyaCode'] = error.tuyaCode;
    if (error.code === 'internal') this.options.logger.error(`Command failed: ${error.stack ?? error.message}`, meta);
    else this.options.logger.warn(`Command failed: ${error.message}`, meta);
  }
}
