/**
 * A client that tries to hear everything: it subscribes to `#` and to every person's own topic
 * and records what the broker lets through (the privacy tests check it never gets what it must not).
 */
import mqtt, { type MqttClient } from 'mqtt';

export interface Listener {
  client: MqttClient;
  got: { topic: string; text: string }[];
}

/** `login`: a device's username and token (issue 10; TestSystem.login); none for an observer. */
export async function listenToEverything(mqttUrl: string, clientId: string, login?: { username: string; password: string }): Promise<Listener> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId, reconnectPeriod: 0, ...login });
  const got: Listener['got'] = [];
  client.on('message', (topic, payload) => got.push({ topic, text: payload.toString() }));
  await client.subscribeAsync(['#', 'omstil/v1/person/+/own'], { qos: 1 });
  return { client, got };
}
