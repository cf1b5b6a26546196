import type { IntegratorMessage, OperatorAlert } from '#shared/domain/notifications';
import type { DestinationBudget, QuotaWindow } from '#shared/domain/verification';
import type { DestinationQuota, EventPublisher, Notifier } from '#shared/ports';

export type Sent =
  | { readonly channel: 'sms'; readonly to: string; readonly body: string }
  | { readonly channel: 'email'; readonly to: string; readonly subject: string; readonly body: string };

/**
 * Keeps every message a use case sends, in order; `failNext(n)` makes the next n sends throw, as a
 * provider outage would, so retries can be proven.
 */
export class RecordingNotifier implements Notifier, EventPublisher {
  readonly sent: Sent[] = [];
  readonly parcelEvents: IntegratorMessage[] = [];
  readonly alerts: OperatorAlert[] = [];
  private failures = 0;

  failNext(count: number): void {
    this.failures = count;
  }

  private maybeFail(): void {
    if (this.failures > 0) {
      this.failures -= 1;
      throw Object.assign(new Error('Injected send failure'), { name: 'ServiceUnavailable' });
    }
  }

  async sms(to: string, body: string): Promise<void> {
    this.maybeFail();
    this.sent.push({ channel: 'sms', to, body });
  }

  async email(to: string, subject: string, body: string): Promise<void> {
    this.maybeFail();
    this.sent.push({ channel: 'email', to, subject, body });
  }

  async parcelEvent(message: IntegratorMessage): Promise<void> {
    this.maybeFail();
    this.parcelEvents.push(message);
  }

  async operatorAlert(alert: OperatorAlert): Promise<void> {
    this.maybeFail();
    this.alerts.push(alert);
  }
}

/** The destination limit's rule in memory: at most `limit` reservations per key and hour. */
export class MemoryDestinationQuota implements DestinationQuota {
  readonly counts = new Map<string, number>();
  async reserve(destinationKey: string, window: QuotaWindow, limit: number, budget: DestinationBudget): Promise<boolean> {
    const key = `${budget}#${destinationKey}#${window.hour}`;
    const used = this.counts.get(key) ?? 0;
    if (used >= limit) return false;
    this.counts.set(key, used + 1);
    return true;
  }
}
