// Availability for the ESP32 button boards. Espruino's MQTT module cannot send a last will, so
// the embedded broker publishes one for it: when a board's connection ends, by disconnect or
// because Aedes closed it after 1.5 x keepalive of silence, `<base>/esp32/<clientId>/availability`
// becomes a retained `offline`. The board itself publishes the retained `online` on connect.

import type { Aedes, Client, PublishPacket } from 'aedes';

/** Client ids of the button boards: `esp32-` + the serial (MAC) without separators. */
export const BOARD_ID_PREFIX = 'esp32-';

export interface BoardPresenceOptions {
  baseTopic: string;
  logger?: { info(msg: string, meta?: Record<string, unknown>): void };
}

export function availabilityTopic(baseTopic: string, clientId: string): string {
  return `${baseTopic}/esp32/${clientId}/availability`;
}

/**
 * Starts watching board connections; returns a function that stops watching.
 * A takeover (the board reconnects before the broker noticed the old connection was dead) must
 * not publish `offline` over the new session's `online`: Aedes closes the old client, emitting
 * clientDisconnect, and registers the new one right after, so the check waits one turn of the
 * event loop and skips the publish when the id now belongs to a different client.
 */
export function attachBoardPresence(broker: Aedes, options: BoardPresenceOptions): () => void {
  const current = new Map<string, Client>();
  const keepaliveLapsed = new WeakSet<Client>();

  const onClient = (client: Client): void => {
    if (client.id.startsWith(BOARD_ID_PREFIX)) current.set(client.id, client);
  };
  const onKeepaliveTimeout = (client: Client): void => {
    keepaliveLapsed.add(client);
  };
  const onDisconnect = (client: Client): void => {
    if (!client.id.startsWith(BOARD_ID_PREFIX)) return;
    setImmediate(() => {
      const holder = current.get(client.id);
      if (holder !== undefined && holder !== client) return; // taken over by a newer connection
      current.delete(client.id);
      if (broker.closed) return;
      const reason = keepaliveLapsed.has(client) ? 'keepalive lapsed' : 'connection closed';
      publishOffline(broker, options, client.id, reason);
    });
  };

  broker.on('client', onClient);
  broker.on('keepaliveTimeout', onKeepaliveTimeout);
  broker.on('clientDisconnect', onDisconnect);
  return () => {
    broker.removeListener('client', onClient);
    broker.removeListener('keepaliveTimeout', onKeepaliveTimeout);
    broker.removeListener('clientDisconnect', onDisconnect);
  };
}

function publishOffline(
  broker: Aedes,
  options: BoardPresenceOptions,
  clientId: string,
  reason: string,
): void {
  const topic = availabilityTopic(options.baseTopic, clientId);
  const packet: PublishPacket = {
    cmd: 'publish',
    topic,
    payload: Buffer.from('offline'),
    qos: 1,
    retain: true,
    dup: false,
  };
  broker.publish(packet, (err) => {
    if (err) options.logger?.info('Could not mark board offline', { board: clientId, error: err.message });
    else options.logger?.info('Board offline', { board: clientId, reason });
  });
}
