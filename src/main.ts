#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startApp } from './app.js';
import type { App } from './app.js';
import { ConfigError, loadConfig } from './config/load.js';
import { createLogger } from './log/logger.js';
import type { Logger } from './log/logger.js';

const USAGE = `Usage: tuya-mqtt-bridge [--config PATH]

Bridges MQTT to Tuya smart plugs. Configuration comes from the JSON file given
by --config (or CONFIG_FILE), then from environment variables; see README.md.`;

// If stopping hangs (a stuck socket), exit anyway after this long.
const STOP_GRACE_MS = 15_000;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let config;
  try {
    config = loadConfig({ file: args.config ?? process.env['CONFIG_FILE'] });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tuya-mqtt-bridge: ${err.message}\n`);
      return 78; // EX_CONFIG: a supervisor should not restart it in a loop
    }
    throw err;
  }

  const logger = createLogger({ level: config.log.level, format: config.log.format });
  let app: App;
  try {
    app = await startApp(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error(err.message);
      return 78;
    }
    logger.error(`Cannot start: ${(err as Error).message}`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second Ctrl-C means "now": skip the orderly stop.
        logger.warn(`Received ${signal} again; exiting without finishing`);
        resolve(130);
        return;
      }
      stopping = true;
      logger.info(`Received ${signal}; stopping`);
      const grace = setTimeout(() => {
        logger.error('Stopping took too long; exiting anyway');
        resolve(1);
      }, STOP_GRACE_MS);
      grace.unref();
      void app.stop().then(() => {
        clearTimeout(grace);
        logger.info('Stopped');
        resolve(0);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    installCrashHandlers(logger);
  });
}

/** An unexpected exception leaves the bridge in an unknown state: log it and exit non-zero. */
function installCrashHandlers(logger: Logger): void {
  const crash = (err: unknown): void => {
    logger.error(`Unexpected error, exiting: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 70;
    setTimeout(() => process.exit(70), 200).unref();
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

main().then(
  (code) => {
    process.exitCode = code;
    // Give winston a moment to flush, then leave even if a handle lingers.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err: unknown) => {
    process.stderr.write(`tuya-mqtt-bridge: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
