/**
 * Series bookkeeping shared by the scrape-time collector and the event counters: label sets
 * built in one order (every label present, `''` when it does not apply), sums and maxima per
 * label set, and counters accumulated from per-record figures that come and go.
 */
import { labelNames, METRIC_DEFS } from './definitions';
import type { MetricKey } from './definitions';
import type { ResolvedMetricsOptions } from './options';

/** The labels (OpenTelemetry: attributes) of one series, name → value: every label of the metric is present, `''` where it does not apply. */
export type Labels = Record<string, string>;

export interface Series {
  readonly labels: Labels;
  value: number;
}

/** Scrape-time metric → its series. */
export type Snapshot = ReadonlyMap<MetricKey, readonly Series[]>;

/** Builds the label sets of one options object. */
export class LabelMaker {
  private readonly names = new Map<MetricKey, string[]>();

  constructor(private readonly o: ResolvedMetricsOptions) {
    for (const k of Object.keys(METRIC_DEFS) as MetricKey[]) this.names.set(k, labelNames(METRIC_DEFS[k], o.perStream, o.constantNames));
  }

  namesOf(key: MetricKey): readonly string[] {
    return this.names.get(key)!;
  }

  /** The full label set of `key`: constants, `values`, and `stream` when per-stream labels apply. */
  make(key: MetricKey, values: Readonly<Record<string, string>>, stream?: string): Labels {
    const out: Labels = {};
    for (const n of this.names.get(key)!) {
      if (n === 'stream') out[n] = stream !== undefined && this.o.labelStream(stream) ? stream : '';
      else out[n] = this.o.constant[n] ?? values[n] ?? '';
    }
    return out;
  }
}

function keyOf(labels: Labels): string {
  return Object.values(labels).join('\u0001');
}

/** Series of one metric, combined per label set. */
export class SeriesSet {
  private readonly map = new Map<string, Series>();

  add(labels: Labels, value: number): void {
    const k = keyOf(labels);
    const s = this.map.get(k);
    if (s) s.value += value;
    else this.map.set(k, { labels, value });
  }

  max(labels: Labels, value: number): void {
    const k = keyOf(labels);
    const s = this.map.get(k);
    if (s) s.value = Math.max(s.value, value);
    else this.map.set(k, { labels, value });
  }

  list(): Series[] {
    return [...this.map.values()];
  }
}

/**
 * Counters read from figures of records that come and go (a stream's `messages`, a
 * user-data stream's `events`): each scrape adds what a record gained since the last one
 * (all of it when the record is new or was recreated). A record gone since the last scrape
 * keeps what it added; what it gained after that scrape is not counted.
 */
export class Accumulator {
  private readonly totals = new Map<MetricKey, SeriesSet>();
  private last = new Map<string, number>();
  private seen = new Map<string, number>();

  /** Before a scrape. */
  begin(): void {
    this.seen = new Map();
  }

  update(key: MetricKey, record: string, labels: Labels, current: number): void {
    const id = `${key}\u0002${record}`;
    const prev = this.last.get(id) ?? 0;
    const delta = current >= prev ? current - prev : current;
    this.seen.set(id, current);
    let set = this.totals.get(key);
    if (!set) this.totals.set(key, (set = new SeriesSet()));
    set.add(labels, delta);
  }

  /** After a scrape: forget records not seen (a record seen again later counts from 0). */
  end(): void {
    this.last = this.seen;
  }

  list(key: MetricKey): Series[] {
    return this.totals.get(key)?.list() ?? [];
  }
}
