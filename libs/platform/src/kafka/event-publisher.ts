import { Kafka, Producer } from 'kafkajs';

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

/**
 * An idempotent producer that sends whole batches: kafkajs has no linger, so one send per
 * message caps out near 2k msg/s (kafkajs#772). One request in flight keeps the idempotent
 * producer's sequence numbers in order (kafkajs#598).
 */
export class EventPublisher {
  private producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(private readonly kafka: Kafka) {
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.ensureConnected();
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push(message);
      byTopic.set(message.topic, list);
    }
    try {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map(({ key, value, headers }) => ({ key, value, headers: headers ?? {} })),
        })),
      });
    } catch (error) {
      // Start from scratch next time: a producer that lost its broker can stay wedged, and a
      // broker killed with SIGKILL can come back without the tail of its log, so the producer's
      // sequence numbers run ahead of it and every send is refused OUT_OF_ORDER_SEQUENCE_NUMBER
      // for as long as the producer lives. kafkajs keeps the producer id across reconnects: only
      // a new producer gets a new id (the outbox sends the unsent rows again; consumers skip
      // what they applied by position and aggregate version).
      await this.disconnect();
      this.producer = this.newProducer();
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    const wasConnected = this.connected;
    this.connected = undefined;
    if (wasConnected) await this.producer.disconnect().catch(() => undefined);
  }

  private ensureConnected(): Promise<void> {
    if (!this.connected) {
      this.connected = this.producer.connect().catch((error: unknown) => {
        this.connected = undefined;
        throw error;
      });
    }
    return this.connected;
  }
}
